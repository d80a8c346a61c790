"""Validation of servers and connector settings: errors name the field and never echo a secret."""

import datetime as dt
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError

from kontor.calendar_sync.connectors.schemas import ConnectorCreate, ConnectorUpdate, Credentials, ServerCreate
from kontor.calendar_sync.connectors.service import OpenCredentials

AZURE_TENANT = "3f2b8c1e-0000-4000-8000-000000000001"
CLIENT = "3f2b8c1e-0000-4000-8000-000000000002"
SECRET = "very~secret~value~42"


def certificate_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kontor-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return (key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()) + cert.public_bytes(serialization.Encoding.PEM)).decode()


def graph(**changes) -> dict:
    return {"provider": "graph", "name": "Wien", "azure_tenant_id": AZURE_TENANT, "client_id": CLIENT,
            "credentials": {"client_secret": SECRET}, **changes}


def error_of(model, data) -> tuple[str, str, str]:
    with pytest.raises(ValidationError) as exc:
        model.model_validate(data)
    first = exc.value.errors()[0]
    return ".".join(str(p) for p in first["loc"]), first["msg"], str(exc.value)


def test_a_graph_server_with_a_secret():
    server = ServerCreate.model_validate(graph(authority_url="https://localhost:8443/"))
    assert server.credentials.kind == "client_secret"
    assert server.credentials.material() == SECRET.encode()
    assert server.authority_url == "https://localhost:8443"
    assert SECRET not in repr(server) and SECRET not in str(server.model_dump())


def test_a_certificate_gets_its_thumbprint():
    pem = certificate_pem()
    credentials = Credentials(certificate_pem=pem)
    assert credentials.kind == "certificate"
    assert len(credentials.thumbprint()) == 40 and credentials.thumbprint().isupper()


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"azure_tenant_id": "contoso"}, "azure_tenant_id", "GUID"),
    ({"client_id": ""}, "", "client_id is required"),
    ({"credentials": None}, "", "credentials are required"),
    ({"credentials": {}}, "credentials", "exactly one"),
    ({"credentials": {"client_secret": SECRET, "certificate_pem": "x"}}, "credentials.certificate_pem", "PEM"),
    ({"credentials": {"certificate_pem": "-----BEGIN NONSENSE-----"}}, "credentials.certificate_pem", "PEM"),
    ({"base_url": "http://graph.example"}, "base_url", "https://"),
    ({"provider": "exchange2003"}, "provider", "graph"),
    ({"name": ""}, "name", "at least 1"),
])
def test_invalid_servers_name_the_field_and_never_the_secret(changes, field, message):
    where, msg, text = error_of(ServerCreate, graph(**changes))
    assert where == field and message in msg
    assert SECRET not in text


def test_google_and_domino_need_no_app_registration_yet():
    assert ServerCreate.model_validate({"provider": "domino", "name": "Linz"}).credentials is None


SERVER = str(uuid.uuid4())


def test_connector_defaults():
    c = ConnectorCreate.model_validate({"server_id": SERVER, "mailbox": "anna@example.com"})
    assert (c.direction, c.window_past_days, c.window_future_days) == ("both", 7, 90)
    assert (c.conflict_policy, c.deletion_policy, c.skip_statuses) == ("newest_wins", "delete_other_side",
                                                                      ["completed"])
    assert c.working_hours is None and c.kind == "personal"


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"window_past_days": -1}, "window_past_days", "greater than or equal to 0"),
    ({"window_past_days": 366}, "window_past_days", "less than or equal to 365"),
    ({"window_future_days": 0}, "window_future_days", "greater than or equal to 1"),
    ({"window_future_days": 731}, "window_future_days", "less than or equal to 730"),
    ({"mailbox": "anna"}, "mailbox", "mailbox address"),
    ({"direction": "sideways"}, "direction", "both"),
    ({"conflict_policy": "oldest_wins"}, "conflict_policy", "newest_wins"),
    ({"deletion_policy": "shred"}, "deletion_policy", "unlink"),
    ({"skip_statuses": ["open"]}, "skip_statuses.0", "completed"),
    ({"category_mappings": [{"crm_category": "Visit", "groupware_category": "Red"},
                            {"crm_category": "visit", "groupware_category": "Blue"}]},
     "category_mappings", "crm_category may be mapped once"),
    ({"kind": "other_calendar"}, "", "display_name is required"),
    ({"working_hours": {"time_zone": "Europe/Atlantis"}}, "working_hours.time_zone", "IANA"),
    ({"colour": "red"}, "colour", "Extra inputs"),
])
def test_invalid_connector_settings_name_the_field(changes, field, message):
    where, msg, _ = error_of(ConnectorCreate, {"server_id": SERVER, "mailbox": "anna@example.com", **changes})
    assert where == field and message in msg


def test_an_update_sends_only_what_changes():
    update = ConnectorUpdate.model_validate({"window_future_days": 30})
    assert update.model_dump(exclude_none=True) == {"window_future_days": 30, "clear_working_hours": False}
    where, msg, _ = error_of(ConnectorUpdate, {"clear_working_hours": True,
                                               "working_hours": {"time_zone": "UTC"}})
    assert "not both" in msg


def test_opened_credentials_hide_the_secret_in_repr():
    assert SECRET not in repr(OpenCredentials(kind="client_secret", secret=SECRET, certificate_thumbprint=""))
