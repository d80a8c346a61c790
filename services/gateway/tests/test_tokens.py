import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kontor.gateway import main as gateway_main
from kontor.gateway.identity.directory import role_name
from kontor.gateway.identity.keys import crypto
from kontor.platform.runtime import main as run_main
from kontor.protos.contacts.v1 import identity_pb2


def _env(monkeypatch, tmp_path, **extra):
    key = tmp_path / "signing.pem"
    key.write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    for name, value in {
        "DATABASE_URL": "postgresql+asyncpg://u:p@127.0.0.1:1/db", "NATS_URL": "nats://127.0.0.1:1",
        "SIGNING_KEY_FILE": str(key), "CONTACTS_ADDR": "127.0.0.1:1", "BILLING_ADDR": "127.0.0.1:2",
        "CALENDAR_SYNC_ADDR": "127.0.0.1:3", "MAIL_IMPORT_ADDR": "127.0.0.1:4", **extra,
    }.items():
        monkeypatch.setenv(f"KONTOR_GATEWAY_{name}", value)
    return gateway_main.DEFINITION.settings_cls()


def test_missing_gateway_settings_fail_start_naming_them(monkeypatch, capsys):
    for name in ("SIGNING_KEY_FILE", "CONTACTS_ADDR", "BILLING_ADDR", "DATABASE_URL", "NATS_URL"):
        monkeypatch.delenv(f"KONTOR_GATEWAY_{name}", raising=False)
    assert run_main(gateway_main.DEFINITION, ["serve"]) == 2
    err = capsys.readouterr().err
    assert "KONTOR_GATEWAY_SIGNING_KEY_FILE is not set" in err and "KONTOR_GATEWAY_CONTACTS_ADDR" in err


def test_stored_keys_decrypt_only_with_their_key_encryption_key(monkeypatch, tmp_path):
    settings = _env(monkeypatch, tmp_path)
    bootstrap = crypto.load_bootstrap_key(settings.signing_key_file)
    key = crypto.new_private_key()
    sealed = crypto.seal(crypto.key_cipher(settings, bootstrap), key)
    assert b"PRIVATE KEY" not in sealed
    # Derived from the bootstrap key: the same on every replica and after restarts.
    unsealed = crypto.unseal(crypto.key_cipher(settings, bootstrap), sealed)
    assert unsealed.public_key().public_bytes_raw() == key.public_key().public_bytes_raw()
    other = crypto.key_cipher(settings, Ed25519PrivateKey.generate())
    with pytest.raises(crypto.StoredKeysUnreadable, match="KONTOR_GATEWAY_KEY_ENCRYPTION_KEY"):
        crypto.unseal(other, sealed)


def test_a_configured_key_encryption_key_can_be_rotated_by_prepending(monkeypatch, tmp_path):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings = _env(monkeypatch, tmp_path, KEY_ENCRYPTION_KEY=old)
    bootstrap = crypto.load_bootstrap_key(settings.signing_key_file)
    sealed = crypto.seal(crypto.key_cipher(settings, bootstrap), crypto.new_private_key())
    rotated = _env(monkeypatch, tmp_path, KEY_ENCRYPTION_KEY=f"{new},{old}")
    assert crypto.unseal(crypto.key_cipher(rotated, bootstrap), sealed)


def test_a_malformed_key_encryption_key_names_the_variable(monkeypatch, tmp_path):
    settings = _env(monkeypatch, tmp_path, KEY_ENCRYPTION_KEY="not-a-fernet-key")
    with pytest.raises(crypto.KeyEncryptionKeyInvalid, match="KONTOR_GATEWAY_KEY_ENCRYPTION_KEY"):
        crypto.key_cipher(settings, crypto.load_bootstrap_key(settings.signing_key_file))


@pytest.mark.parametrize(("role", "name"), [
    (identity_pb2.ROLE_SALES_REP, "sales_rep"), (identity_pb2.ROLE_ORG_MANAGER, "org_manager"),
    (identity_pb2.ROLE_PORTAL_CLIENT, "portal_client"), (identity_pb2.ROLE_SUPERADMIN, "superadmin"),
])
def test_tokens_carry_lower_case_role_names(role, name):
    assert role_name(role) == name


def test_the_gateway_has_the_operator_commands_and_one_migration_head():
    from kontor.platform.migrations import current_heads

    assert {"issue-token", "rotate-signing-key"} <= set(gateway_main.DEFINITION.commands)
    assert len(current_heads(gateway_main.DEFINITION.migrations_dir)) == 1
