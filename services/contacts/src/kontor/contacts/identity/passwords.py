"""Password hashing with argon2id (argon2-cffi's RFC 9106 defaults).

Verification is slow on purpose and runs in a worker thread so it does not
stall the event loop. ``PasswordHasher.check`` always does one full argon2
verification, also when there is no stored hash (unknown or inactive user):
then it verifies against a fixed dummy hash, so the answer takes as long as
for a real account and timing does not reveal which emails exist.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from functools import cached_property

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 accepts more, but nobody types that much and it bounds the work per request


@dataclass(frozen=True)
class Verdict:
    ok: bool
    # A new hash to store when the stored one used older argon2 parameters; None otherwise.
    new_hash: str | None = None


class PasswordHasher:
    def __init__(self, hasher: argon2.PasswordHasher | None = None):
        self._hasher = hasher or argon2.PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4

    @cached_property
    def _dummy_hash(self) -> str:
        return self._hasher.hash("kontor: no such account, verify anyway to take the same time")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def check(self, stored_hash: str | None, password: str) -> Verdict:
        try:
            self._hasher.verify(stored_hash or self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return Verdict(ok=False)
        if stored_hash is None:
            return Verdict(ok=False)
        new_hash = self._hasher.hash(password) if self._hasher.check_needs_rehash(stored_hash) else None
        return Verdict(ok=True, new_hash=new_hash)

    async def hash_async(self, password: str) -> str:
        return await asyncio.to_thread(self.hash, password)

    async def check_async(self, stored_hash: str | None, password: str) -> Verdict:
        return await asyncio.to_thread(self.check, stored_hash, password)


DEFAULT = PasswordHasher()
