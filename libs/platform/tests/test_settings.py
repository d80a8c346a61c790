import pytest
from pydantic_settings import SettingsConfigDict

from kontor.platform.settings import ServiceSettings, SettingsError, load_settings


class DemoSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KONTOR_DEMO_", extra="ignore", frozen=True)


@pytest.fixture
def env(monkeypatch):
    for key in ("DATABASE_URL", "NATS_URL", "JWKS_URL", "GRPC_PORT"):
        monkeypatch.delenv(f"KONTOR_DEMO_{key}", raising=False)
    return monkeypatch


def test_missing_settings_are_named(env):
    env.setenv("KONTOR_DEMO_NATS_URL", "nats://x:4222")
    with pytest.raises(SettingsError) as exc:
        load_settings(DemoSettings)
    message = str(exc.value)
    assert "KONTOR_DEMO_DATABASE_URL is not set" in message
    assert "KONTOR_DEMO_JWKS_URL is not set" in message
    assert "KONTOR_DEMO_NATS_URL" not in message


def test_invalid_setting_is_named_with_the_reason(env):
    env.setenv("KONTOR_DEMO_DATABASE_URL", "postgresql+asyncpg://u:p@h/db")
    env.setenv("KONTOR_DEMO_NATS_URL", "nats://x:4222")
    env.setenv("KONTOR_DEMO_JWKS_URL", "http://gw/.well-known/jwks.json")
    env.setenv("KONTOR_DEMO_GRPC_PORT", "99999")
    with pytest.raises(SettingsError, match="KONTOR_DEMO_GRPC_PORT: Input should be less than or equal to 65535"):
        load_settings(DemoSettings)


def test_secrets_do_not_show_in_repr(env):
    env.setenv("KONTOR_DEMO_DATABASE_URL", "postgresql+asyncpg://u:hunter2@h/db")
    env.setenv("KONTOR_DEMO_NATS_URL", "nats://x:4222")
    env.setenv("KONTOR_DEMO_JWKS_URL", "http://gw/.well-known/jwks.json")
    settings = load_settings(DemoSettings)
    assert "hunter2" not in repr(settings)
    assert settings.database_url.get_secret_value().endswith("hunter2@h/db")


async def test_unreachable_database_is_reported_without_the_password():
    from kontor.platform.db import Database, DatabaseUnreachable

    db = Database("postgresql+asyncpg://kontor:s3cret-pw@127.0.0.1:1/kontor_demo")
    with pytest.raises(DatabaseUnreachable) as exc:
        await db.assert_role_respects_rls()
    await db.dispose()
    assert "kontor_demo" in str(exc.value.code) and "127.0.0.1:1" in str(exc.value.code)
    assert "s3cret-pw" not in str(exc.value.code)
