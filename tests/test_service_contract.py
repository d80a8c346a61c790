"""What every service owes the platform, checked the same way for all six."""

from __future__ import annotations

import importlib

import pytest

from kontor.platform.migrations import current_heads
from kontor.platform.runtime import main as run_main
from kontor.platform.secrets_box import generate_key

SERVICES = ["contacts", "calendar-sync", "mail-import", "billing", "portal", "gateway"]


def _definition(service: str):
    return importlib.import_module(f"kontor.{service.replace('-', '_')}.main").DEFINITION


@pytest.mark.parametrize("service", SERVICES)
def test_name_is_the_folder_and_migrations_have_one_head(service):
    definition = _definition(service)
    assert definition.name == service
    assert definition.migrations_dir.parent.name == service
    assert len(current_heads(definition.migrations_dir)) == 1


@pytest.mark.parametrize("service", SERVICES)
def test_start_without_configuration_names_the_missing_settings(service, monkeypatch, capsys):
    prefix = "KONTOR_" + service.upper().replace("-", "_") + "_"
    for name in ("DATABASE_URL", "NATS_URL"):
        monkeypatch.delenv(prefix + name, raising=False)
    assert run_main(_definition(service), ["serve"]) == 2
    err = capsys.readouterr().err
    for name in ("DATABASE_URL", "NATS_URL"):
        assert f"{prefix}{name} is not set" in err


@pytest.mark.parametrize("service", SERVICES)
def test_celery_commands_exist_exactly_where_there_are_tasks(service, monkeypatch):
    definition = _definition(service)
    if definition.celery is None:
        with pytest.raises(SystemExit):
            run_main(definition, ["worker"])
        return
    prefix = "KONTOR_" + service.upper().replace("-", "_") + "_"
    # The required settings of every service; a service ignores the ones it does not have.
    required = {"DATABASE_URL": "postgresql+asyncpg://u:p@127.0.0.1:1/db", "NATS_URL": "nats://127.0.0.1:1",
                "JWKS_URL": "http://127.0.0.1:1/jwks", "CONTACTS_ADDR": "127.0.0.1:1", "BILLING_ADDR": "127.0.0.1:1",
                "CALENDAR_SYNC_ADDR": "127.0.0.1:1", "MAIL_IMPORT_ADDR": "127.0.0.1:1",
                "SIGNING_KEY_FILE": "/nonexistent/signing-key.pem",
                "SECRET_KEYS": generate_key(), "MESSAGE_ID_KEY": generate_key()}
    for name, value in required.items():
        monkeypatch.setenv(prefix + name, value)
    app = definition.celery(definition.settings_cls())
    assert app.conf.task_default_queue == service
    assert f"{service}.housekeeping.prune_messaging" in app.conf.beat_schedule
