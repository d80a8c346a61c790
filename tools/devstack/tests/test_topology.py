import base64
import hashlib
from pathlib import Path

import pytest

from kontor.devstack.launch import ServiceLauncher
from kontor.devstack.topology import (
    DEFAULT_INFRA,
    InfraPorts,
    PortClaim,
    load_topology,
    service_env,
)


def test_defaults_in_start_order() -> None:
    topology = load_topology({})
    assert topology.service_names == (
        "contacts", "billing", "calendar-sync", "mail-import", "portal", "gateway",
    )
    ports = {s.name: (s.grpc_port, s.http_port) for s in topology.services}
    assert ports == {
        "gateway": (50050, 8000), "contacts": (50051, 8001), "calendar-sync": (50052, 8002),
        "mail-import": (50053, 8003), "billing": (50054, 8004), "portal": (50055, 8005),
    }
    assert [s.name for s in topology.services if s.has_celery] == [
        "contacts", "billing", "calendar-sync", "mail-import", "gateway"]
    assert topology.service("gateway").calls == ("contacts", "billing", "calendar-sync", "mail-import")
    assert topology.infra == InfraPorts(postgres=25432, nats=24222, nats_monitor=28222, redis=26379)
    emulator = topology.emulator("graph-emulator")
    assert (emulator.port, emulator.base_url) == (28443, "https://127.0.0.1:28443")
    assert emulator.port < 32768  # below the ephemeral range, like every default port
    assert len(topology.port_claims()) == 4 + 2 * 6 + 1
    assert topology.port_claims()[-1] == PortClaim(28443, "Microsoft Graph emulator",
                                                   "KONTOR_DEV_GRAPH_EMULATOR_PORT")
    assert len(topology.infra_port_claims()) == 4


def test_every_port_can_be_overridden() -> None:
    topology = load_topology({
        "KONTOR_DEV_PG_PORT": "15432",
        "KONTOR_DEV_NATS_PORT": "14222",
        "KONTOR_DEV_NATS_MONITOR_PORT": "18222",
        "KONTOR_DEV_REDIS_PORT": "16379",
        "KONTOR_DEV_CALENDAR_SYNC_GRPC_PORT": "60052",
        "KONTOR_DEV_GATEWAY_HTTP_PORT": "9000",
        "KONTOR_DEV_GRAPH_EMULATOR_PORT": "19443",
    })
    assert topology.infra == InfraPorts(15432, 14222, 18222, 16379)
    assert topology.service("calendar-sync").grpc_port == 60052
    assert topology.service("gateway").http_port == 9000
    assert topology.emulator("graph-emulator").base_url == "https://127.0.0.1:19443"
    env_vars = {claim.env_var for claim in topology.port_claims()}
    assert "KONTOR_DEV_MAIL_IMPORT_HTTP_PORT" in env_vars


@pytest.mark.parametrize("value", ["abc", "0", "70000"])
def test_bad_override_is_named(value: str) -> None:
    with pytest.raises(ValueError, match="KONTOR_DEV_REDIS_PORT"):
        load_topology({"KONTOR_DEV_REDIS_PORT": value})


def test_duplicate_ports_are_rejected() -> None:
    with pytest.raises(ValueError, match="Port 8001 is configured for both"):
        load_topology({"KONTOR_DEV_PG_PORT": "8001"})
    with pytest.raises(ValueError, match=r"gateway HTTP \(KONTOR_DEV_GATEWAY_HTTP_PORT\) and Microsoft Graph "
                                         r"emulator \(KONTOR_DEV_GRAPH_EMULATOR_PORT\)"):
        load_topology({"KONTOR_DEV_GRAPH_EMULATOR_PORT": "8000"})


def test_emulator_runs_supervised_first_with_its_files_in_the_data_dir(tmp_path: Path) -> None:
    topology = load_topology({"KONTOR_DEV_GRAPH_EMULATOR_PORT": "19443"})
    launcher = ServiceLauncher(topology=topology, infra=topology.infra, data_dir=tmp_path,
                               base_env={"PATH": "/usr/bin"})
    processes = launcher.supervised_processes()
    assert [p.name for p in processes][:2] == ["graph-emulator", "contacts"]
    emulator = processes[0]
    assert Path(emulator.command[0]).name == "kontor-emulator-graph"
    assert list(emulator.command[1:]) == [
        "--host", "127.0.0.1", "--port", "19443",
        "--ca-path", str(tmp_path / "graph-emulator" / "ca.pem"),
        "--seed", str(tmp_path / "graph-emulator" / "seed.json"),
    ]
    assert emulator.env is not None and emulator.env["PATH"] == "/usr/bin"
    # calendar-sync needs nothing from the environment: the server record carries the CA file.
    assert not any("GRAPH" in key or "CA" in key.split("_") for key in launcher.env(topology.service("calendar-sync")))


def test_service_env_contract(tmp_path: Path) -> None:
    topology = load_topology({})
    env = service_env("calendar-sync", DEFAULT_INFRA, tmp_path, topology=topology)
    assert env == {
        "KONTOR_CALENDAR_SYNC_DATABASE_URL":
            "postgresql+asyncpg://kontor_calendar_sync:kontor_calendar_sync@127.0.0.1:25432/kontor_calendar_sync",
        "KONTOR_CALENDAR_SYNC_NATS_URL": "nats://127.0.0.1:24222",
        "KONTOR_CALENDAR_SYNC_REDIS_URL": "redis://127.0.0.1:26379/0",
        "KONTOR_CALENDAR_SYNC_GRPC_PORT": "50052",
        "KONTOR_CALENDAR_SYNC_HTTP_PORT": "8002",
        "KONTOR_CALENDAR_SYNC_JWKS_URL": "http://127.0.0.1:8000/.well-known/jwks.json",
        "KONTOR_CALENDAR_SYNC_LOG_LEVEL": "INFO",
        "KONTOR_CALENDAR_SYNC_ENVIRONMENT": "dev",
        "KONTOR_CALENDAR_SYNC_MIGRATE_ON_START": "false",
        "OTEL_SERVICE_NAME": "calendar-sync",
        "KONTOR_CALENDAR_SYNC_CELERY_BEAT_SCHEDULE_FILE": str(tmp_path / "celery" / "calendar-sync-beat-schedule"),
        "KONTOR_CALENDAR_SYNC_SECRET_KEYS": (tmp_path / "secrets" / "calendar-sync-secret-keys").read_text(),
        # Attachment content: a folder under the data dir (production: S3).
        "KONTOR_CALENDAR_SYNC_BLOB_STORE_URL": (tmp_path / "blobs" / "calendar-sync").resolve().as_uri(),
        "KONTOR_CALENDAR_SYNC_CONTACTS_ADDR": "127.0.0.1:50051",
        # Background identity: the gateway's TokenService, with a client secret made once per data dir.
        "KONTOR_CALENDAR_SYNC_GATEWAY_ADDR": "127.0.0.1:50050",
        "KONTOR_CALENDAR_SYNC_SERVICE_SECRET": (tmp_path / "secrets" / "calendar-sync-service-secret").read_text(),
    }
    # Made once per data dir, then kept: credentials sealed earlier still open.
    assert service_env("calendar-sync", DEFAULT_INFRA, tmp_path, topology=topology) == env
    assert len(base64.urlsafe_b64decode(env["KONTOR_CALENDAR_SYNC_SECRET_KEYS"])) == 32


def test_the_gateway_knows_only_the_digest_of_each_delegating_services_secret(tmp_path: Path) -> None:
    topology = load_topology({})
    secret = service_env("calendar-sync", DEFAULT_INFRA, tmp_path, topology=topology)[
        "KONTOR_CALENDAR_SYNC_SERVICE_SECRET"]
    mail_secret = service_env("mail-import", DEFAULT_INFRA, tmp_path, topology=topology)[
        "KONTOR_MAIL_IMPORT_SERVICE_SECRET"]
    clients = service_env("gateway", DEFAULT_INFRA, tmp_path, topology=topology)["KONTOR_GATEWAY_SERVICE_CLIENTS"]
    assert len(base64.urlsafe_b64decode(secret)) == 32 and mail_secret != secret
    assert clients == (f"calendar-sync:{hashlib.sha256(secret.encode()).hexdigest()},"
                       f"mail-import:{hashlib.sha256(mail_secret.encode()).hexdigest()}")
    assert secret not in clients and mail_secret not in clients


def test_mail_import_env(tmp_path: Path) -> None:
    topology = load_topology({})
    env = service_env("mail-import", DEFAULT_INFRA, tmp_path, topology=topology)
    assert env["KONTOR_MAIL_IMPORT_CONTACTS_ADDR"] == "127.0.0.1:50051"
    assert env["KONTOR_MAIL_IMPORT_CALENDAR_SYNC_ADDR"] == "127.0.0.1:50052"
    assert env["KONTOR_MAIL_IMPORT_GATEWAY_ADDR"] == "127.0.0.1:50050"
    assert env["KONTOR_MAIL_IMPORT_BLOB_STORE_URL"] == (tmp_path / "blobs" / "mail-import").resolve().as_uri()
    assert env["KONTOR_MAIL_IMPORT_SECRET_KEYS"] == (tmp_path / "secrets" / "mail-import-secret-keys").read_text()
    # The MAC key of outgoing Message-IDs: made once, kept, and no other secret of the service.
    key = env["KONTOR_MAIL_IMPORT_MESSAGE_ID_KEY"]
    assert key == (tmp_path / "secrets" / "mail-import-message-id-key").read_text()
    assert len(key) >= 32 and key not in (env["KONTOR_MAIL_IMPORT_SECRET_KEYS"],
                                          env["KONTOR_MAIL_IMPORT_SERVICE_SECRET"])
    assert service_env("mail-import", DEFAULT_INFRA, tmp_path, topology=topology) == env
    gateway = service_env("gateway", DEFAULT_INFRA, tmp_path, topology=topology)
    assert gateway["KONTOR_GATEWAY_MAIL_IMPORT_ADDR"] == "127.0.0.1:50053"


def test_gateway_and_celery_service_env(tmp_path: Path) -> None:
    topology = load_topology({"KONTOR_DEV_CONTACTS_GRPC_PORT": "60051"})
    infra = InfraPorts(postgres=1111, nats=2222, nats_monitor=3333, redis=4444)
    gateway = service_env("gateway", infra, tmp_path, topology=topology)
    assert gateway["KONTOR_GATEWAY_SIGNING_KEY_FILE"] == str(tmp_path / "secrets" / "gateway-signing-key.pem")
    assert gateway["KONTOR_GATEWAY_CONTACTS_ADDR"] == "127.0.0.1:60051"
    assert gateway["KONTOR_GATEWAY_BILLING_ADDR"] == "127.0.0.1:50054"
    assert gateway["KONTOR_GATEWAY_DATABASE_URL"].endswith("@127.0.0.1:1111/kontor_gateway")
    billing = service_env(topology.service("billing"), infra, tmp_path, topology=topology)
    beat_schedule = str(tmp_path / "celery" / "billing-beat-schedule")
    assert billing["KONTOR_BILLING_CELERY_BEAT_SCHEDULE_FILE"] == beat_schedule
    assert "KONTOR_BILLING_SIGNING_KEY_FILE" not in billing
    assert [key for key in billing if key.endswith("_ADDR")] == ["KONTOR_BILLING_CONTACTS_ADDR"]
    assert billing["KONTOR_BILLING_CONTACTS_ADDR"] == "127.0.0.1:60051"
