"""Brute-force throttling of logins, per account and per client address, counted in Redis.

Only failures count. Once an account or an address has failed
LOGIN_MAX_FAILURES_PER_* times within LOGIN_FAILURE_WINDOW_S, every further attempt is
refused with 429 until the window ends, even with the right password. The
account key is derived from what the caller typed, so an unknown account is
throttled exactly like a real one and the answer reveals nothing.
Without Redis there is no protection, so logins then fail closed (503).
"""

from __future__ import annotations

import hashlib

from redis.asyncio import Redis
from redis.exceptions import RedisError

from kontor.platform import errors

from kontor.gateway.edge.counters import FixedWindowCounter
from kontor.gateway.edge.limits import LimitExceeded
from kontor.gateway.settings import GatewaySettings

THROTTLED = ("Too many failed logins for this account or from this address. "
             "Wait for the seconds in the Retry-After header, then try again.")


def account_key(tenant_slug: str, email: str) -> str:
    # Hashed: Redis keys must not list who tried to log in.
    return hashlib.sha256(f"{tenant_slug.lower()}\x00{email.strip().lower()}".encode()).hexdigest()


class LoginThrottle:
    def __init__(self, redis: Redis, settings: GatewaySettings):
        window = settings.login_failure_window_s
        self._accounts = FixedWindowCounter(redis, namespace="login:account",
                                            limit=settings.login_max_failures_per_account, window_s=window)
        self._addresses = FixedWindowCounter(redis, namespace="login:address",
                                             limit=settings.login_max_failures_per_ip, window_s=window)

    async def attempt(self, *, tenant_slug: str, email: str, address: str) -> None:
        """Count the attempt as a failure up front; raise LimitExceeded if none is left.

        Counting before the password is checked keeps parallel guesses from all
        slipping past the limit; ``succeeded`` takes the count back.
        """
        try:
            counts = [await self._accounts.hit(account_key(tenant_slug, email)),
                      await self._addresses.hit(address)]
        except RedisError:
            raise errors.Unavailable("login is briefly unavailable; retry in a few seconds") from None
        exceeded = [count for count in counts if count.exceeded]
        if exceeded:
            raise LimitExceeded(THROTTLED, max(count.resets_in_s for count in exceeded))

    async def take_back(self, *, tenant_slug: str, email: str, address: str) -> None:
        """The attempt could not be decided (contacts unavailable): it was no failure."""
        try:
            await self._accounts.take_back(account_key(tenant_slug, email))
            await self._addresses.take_back(address)
        except RedisError:
            pass  # the counts expire with their window anyway

    async def succeeded(self, *, tenant_slug: str, email: str, address: str) -> None:
        """A correct password clears the account's failures and was no failure of the address."""
        try:
            await self._accounts.clear(account_key(tenant_slug, email))
            await self._addresses.take_back(address)
        except RedisError:
            pass  # the counts expire with their window anyway
