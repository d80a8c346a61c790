import pytest

from kontor.mail_import.main import DEFINITION
from kontor.platform.migrations import current_heads
from kontor.platform.runtime import main as run_main


def test_has_one_migration_head():
    assert current_heads(DEFINITION.migrations_dir) == {"0001"}


def test_start_without_configuration_names_the_missing_settings(monkeypatch, capsys):
    prefix = "KONTOR_MAIL_IMPORT_"
    for name in ("DATABASE_URL", "NATS_URL", "JWKS_URL"):
        monkeypatch.delenv(prefix + name, raising=False)
    assert run_main(DEFINITION, ["serve"]) == 2
    err = capsys.readouterr().err
    for name in ("DATABASE_URL", "NATS_URL", "JWKS_URL"):
        assert f"{prefix}{name} is not set" in err


def test_has_no_celery_commands_yet():
    with pytest.raises(SystemExit):
        run_main(DEFINITION, ["worker"])
