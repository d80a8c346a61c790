"""Encryption at rest of credentials a service stores for its tenants (AES-256-GCM, rotating keys).

    box = secrets_box.box_from_settings(settings)               # KONTOR_<SERVICE>_SECRET_KEYS
    sealed = box.seal(b"...", tenant_id=t, record_id=r, purpose="groupware_server.client_secret")
    box.open(sealed, tenant_id=t, record_id=r, purpose="groupware_server.client_secret")

The setting holds one or more keys, comma-separated, newest first: the first seals, every one
opens. Rotating is prepending a new key, re-sealing (``rotate``; callers find old rows with
``needs_rotation``), then dropping the old key.

Every sealed value is ``version (1 byte) | key id (4) | nonce (12) | ciphertext + tag``. The key
id is the start of SHA-256 of the key, so opening picks the right key without trying all. The
associated data binds a value to its tenant, its row and its purpose (the column): a value
copied into another tenant's row, another row or another column fails to open
(``SecretUnreadable``), so a database-level copy cannot move a credential.

Why not Fernet: Fernet has no associated data; binding to the row would need a second MAC.
The gateway's ``identity/keys/crypto.py`` seals its signing keys with MultiFernet (no binding
needed there: the keys are not per tenant).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import uuid
from collections.abc import Sequence
from typing import Annotated

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import AfterValidator, SecretStr
from pydantic_settings import BaseSettings

from kontor.platform.settings import SettingsError, env_name

FORMAT_VERSION = 1
_KEY_BYTES = 32
_KEY_ID_BYTES = 4
_NONCE_BYTES = 12
_HEADER = 1 + _KEY_ID_BYTES + _NONCE_BYTES
_AAD_LABEL = b"kontor/secrets-box/v1"
KEY_HELP = ("each comma-separated entry must be 32 random bytes, url-safe base64 encoded (make one with "
            "`python -c 'from kontor.platform.secrets_box import generate_key; print(generate_key())'`)")


class SecretUnreadable(Exception):
    """A sealed value cannot be opened: unknown key, tampered, or sealed for another tenant, row or purpose.

    The message never contains the value."""


def generate_key() -> str:
    """A new key for the setting (url-safe base64 of 32 random bytes)."""
    return base64.urlsafe_b64encode(os.urandom(_KEY_BYTES)).decode()


def _decode_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.encode() + b"=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError(KEY_HELP) from None
    if len(raw) != _KEY_BYTES:
        raise ValueError(KEY_HELP)
    return raw


def parse_keys(value: str) -> list[bytes]:
    """The keys of a setting value, newest first. ValueError (never echoing the value) when one is malformed."""
    entries = [entry.strip() for entry in value.split(",") if entry.strip()]
    if not entries:
        raise ValueError("is empty: " + KEY_HELP)
    return [_decode_key(entry) for entry in entries]


def _check_keys(value: SecretStr) -> SecretStr:
    parse_keys(value.get_secret_value())
    return value


# A settings field type: load_settings names the variable when it is missing or malformed.
SecretKeys = Annotated[SecretStr, AfterValidator(_check_keys)]


def associated_data(*, tenant_id: uuid.UUID, record_id: uuid.UUID, purpose: str) -> bytes:
    if not purpose or "|" in purpose:
        raise ValueError("purpose must be a non-empty name without '|'")
    return b"|".join((_AAD_LABEL, purpose.encode(), str(tenant_id).encode(), str(record_id).encode()))


class SecretBox:
    """Seals and opens small secrets with the first of ``keys``; opens with any of them."""

    def __init__(self, keys: Sequence[bytes]):
        if not keys:
            raise ValueError("at least one key is needed")
        self._ciphers = {self.key_id(key): AESGCM(key) for key in keys}
        self._primary = self.key_id(keys[0])

    @staticmethod
    def key_id(key: bytes) -> bytes:
        return hashlib.sha256(key).digest()[:_KEY_ID_BYTES]

    def __repr__(self) -> str:
        return f"SecretBox(keys={len(self._ciphers)})"

    def seal(self, plaintext: bytes, *, tenant_id: uuid.UUID, record_id: uuid.UUID, purpose: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        aad = associated_data(tenant_id=tenant_id, record_id=record_id, purpose=purpose)
        sealed = self._ciphers[self._primary].encrypt(nonce, plaintext, aad)
        return bytes([FORMAT_VERSION]) + self._primary + nonce + sealed

    def open(self, sealed: bytes, *, tenant_id: uuid.UUID, record_id: uuid.UUID, purpose: str) -> bytes:
        sealed = bytes(sealed)
        if len(sealed) <= _HEADER or sealed[0] != FORMAT_VERSION:
            raise SecretUnreadable(f"{purpose}: not a sealed value of format {FORMAT_VERSION}")
        cipher = self._ciphers.get(sealed[1:1 + _KEY_ID_BYTES])
        if cipher is None:
            raise SecretUnreadable(f"{purpose}: sealed with a key that is no longer configured; add it back "
                                   "after the newest one in the SECRET_KEYS setting")
        aad = associated_data(tenant_id=tenant_id, record_id=record_id, purpose=purpose)
        try:
            return cipher.decrypt(sealed[1 + _KEY_ID_BYTES:_HEADER], sealed[_HEADER:], aad)
        except InvalidTag:
            raise SecretUnreadable(f"{purpose}: tampered, or sealed for another tenant, record or purpose") from None

    def needs_rotation(self, sealed: bytes) -> bool:
        """True when ``sealed`` was sealed with an older key than the newest."""
        return bytes(sealed)[1:1 + _KEY_ID_BYTES] != self._primary

    def rotate(self, sealed: bytes, *, tenant_id: uuid.UUID, record_id: uuid.UUID, purpose: str) -> bytes:
        """``sealed`` under the newest key (unchanged when it already is)."""
        if not self.needs_rotation(sealed):
            return bytes(sealed)
        context = {"tenant_id": tenant_id, "record_id": record_id, "purpose": purpose}
        return self.seal(self.open(sealed, **context), **context)


def box_from_settings(settings: BaseSettings, field: str = "secret_keys") -> SecretBox:
    """The box of ``settings.<field>`` (a ``SecretKeys`` field); SettingsError naming the variable if malformed."""
    value: SecretStr = getattr(settings, field)
    try:
        return SecretBox(parse_keys(value.get_secret_value()))
    except ValueError as exc:
        raise SettingsError(f"{env_name(type(settings), field)}: {exc}") from None
