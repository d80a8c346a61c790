import uuid

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kontor.gateway import main as gateway_main
from kontor.gateway.tokens import load_issuer
from kontor.platform.auth import TokenVerifier
from kontor.platform.runtime import main as run_main


def _env(monkeypatch, tmp_path):
    key = tmp_path / "signing.pem"
    key.write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    for name, value in {
        "DATABASE_URL": "postgresql+asyncpg://u:p@127.0.0.1:1/db", "NATS_URL": "nats://127.0.0.1:1",
        "SIGNING_KEY_FILE": str(key), "CONTACTS_ADDR": "127.0.0.1:1", "BILLING_ADDR": "127.0.0.1:2",
    }.items():
        monkeypatch.setenv(f"KONTOR_GATEWAY_{name}", value)


async def test_issue_token_prints_a_token_the_services_accept(monkeypatch, tmp_path, capsys):
    _env(monkeypatch, tmp_path)
    tenant = uuid.uuid4()
    exit_code = run_main(gateway_main.DEFINITION,
                         ["issue-token", "--tenant-id", str(tenant), "--subject", "ops", "--role", "org_manager"])
    assert exit_code == 0
    token = capsys.readouterr().out.strip()
    settings = gateway_main.DEFINITION.settings_cls()
    verifier = TokenVerifier("http://127.0.0.1:9/jwks", issuer="kontor-gateway", audience="kontor")
    verifier.add_keys(load_issuer(settings).jwks())
    principal = await verifier.verify(token)
    assert (principal.subject, principal.tenant_id, principal.roles) == ("ops", tenant, ("org_manager",))


def test_missing_gateway_settings_fail_start_naming_them(monkeypatch, capsys):
    for name in ("SIGNING_KEY_FILE", "CONTACTS_ADDR", "BILLING_ADDR", "DATABASE_URL", "NATS_URL"):
        monkeypatch.delenv(f"KONTOR_GATEWAY_{name}", raising=False)
    assert run_main(gateway_main.DEFINITION, ["serve"]) == 2
    err = capsys.readouterr().err
    assert "KONTOR_GATEWAY_SIGNING_KEY_FILE is not set" in err and "KONTOR_GATEWAY_CONTACTS_ADDR" in err


def test_jwks_key_id_is_stable_for_a_key(monkeypatch, tmp_path):
    _env(monkeypatch, tmp_path)
    settings = gateway_main.DEFINITION.settings_cls()
    assert load_issuer(settings).kid == load_issuer(settings).kid
