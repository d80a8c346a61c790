"""The gateway's token signing key and the services' secret keys for the local stack."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def ensure_signing_key(path: Path) -> bool:
    """Create an Ed25519 private key (PKCS#8 PEM, mode 0600) at ``path`` unless one exists.

    Generated once and then kept, so that tokens minted in an earlier session
    stay valid across restarts. Returns True if a key was generated.
    """
    path = Path(path)
    if path.exists():
        return False
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    # Written to a private scratch file and renamed into place: the key is
    # never readable by others, and a crash never leaves a truncated key.
    scratch = path.with_name(path.name + ".tmp")
    scratch.unlink(missing_ok=True)
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(scratch, path)
    return True


def ensure_secret_keys(path: Path) -> str:
    """The SECRET_KEYS value kept at ``path`` (mode 0600), made on first use: one key in the format of
    ``kontor.platform.secrets_box`` (32 random bytes, url-safe base64).

    Kept with the data dir, so credentials sealed in an earlier session still open after a restart."""

    path = Path(path)
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        scratch = path.with_name(path.name + ".tmp")
        scratch.unlink(missing_ok=True)
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, base64.urlsafe_b64encode(os.urandom(32)))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(scratch, path)
    return path.read_text().strip()
