"""Encryption at rest of the stored private keys, and key generation."""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kontor.platform.settings import SettingsError

from kontor.gateway.settings import GatewaySettings

_DERIVATION_LABEL = b"kontor-gateway/signing-key-encryption/v1"


class KeyEncryptionKeyInvalid(SettingsError):
    pass


class StoredKeysUnreadable(SettingsError):
    pass


def load_bootstrap_key(path: str | Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: expected an Ed25519 private key in PEM form")
    return key


def key_cipher(settings: GatewaySettings, bootstrap: Ed25519PrivateKey) -> MultiFernet:
    """The configured key-encryption keys (first encrypts, all decrypt), else one derived from the bootstrap key.

    Deriving (HKDF, a label of its own) keeps a deployment that mounts only the
    signing key file working; a separate KEY_ENCRYPTION_KEY lets operators keep
    the two secrets apart and rotate the encryption key by prepending a new one.
    """
    configured = [k.strip() for k in settings.key_encryption_key.get_secret_value().split(",") if k.strip()]
    if not configured:
        raw = bootstrap.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                      serialization.NoEncryption())
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_DERIVATION_LABEL).derive(raw)
        configured = [base64.urlsafe_b64encode(derived).decode()]
    try:
        return MultiFernet([Fernet(key) for key in configured])
    except ValueError:
        raise KeyEncryptionKeyInvalid(
            "KONTOR_GATEWAY_KEY_ENCRYPTION_KEY: each comma-separated entry must be a Fernet key "
            "(32 url-safe base64-encoded bytes; make one with "
            "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`)"
        ) from None


def new_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def seal(cipher: MultiFernet, key: Ed25519PrivateKey) -> bytes:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return cipher.encrypt(pem)


def unseal(cipher: MultiFernet, sealed: bytes) -> Ed25519PrivateKey:
    try:
        pem = cipher.decrypt(sealed)
    except InvalidToken:
        raise StoredKeysUnreadable(
            "The signing keys in the gateway database cannot be decrypted: KONTOR_GATEWAY_KEY_ENCRYPTION_KEY "
            "(or, when it is empty, the key in KONTOR_GATEWAY_SIGNING_KEY_FILE it is derived from) is not the "
            "one they were stored with. Restore it, or add the old key after the new one in "
            "KONTOR_GATEWAY_KEY_ENCRYPTION_KEY."
        ) from None
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key
