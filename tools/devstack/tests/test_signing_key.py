import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kontor.devstack.signing_key import ensure_signing_key


def test_key_is_generated_once_private_and_ed25519(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "gateway-signing-key.pem"
    assert ensure_signing_key(path) is True
    first = path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = serialization.load_pem_private_key(first, password=None)
    assert isinstance(key, Ed25519PrivateKey)

    assert ensure_signing_key(path) is False
    assert path.read_bytes() == first
