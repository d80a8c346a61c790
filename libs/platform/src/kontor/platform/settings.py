"""Typed service settings (pydantic-settings).

Each service declares one subclass of ServiceSettings with its own env prefix,
e.g. ``KONTOR_CONTACTS_``. ``load_settings`` turns a missing or invalid value
into one start-up error that names the environment variable, instead of a
traceback deep inside the first request that needs it.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(SystemExit):
    """Raised at start-up when the environment does not describe a runnable service."""


class ServiceSettings(BaseSettings):
    """What every Kontor service needs. Subclasses set ``model_config`` with their env prefix."""

    model_config = SettingsConfigDict(env_prefix="KONTOR_", extra="ignore", frozen=True)

    database_url: SecretStr = Field(
        description="SQLAlchemy URL of the service's own database, e.g. "
        "postgresql+asyncpg://user:pass@host:5432/db. The role must not be superuser or BYPASSRLS."
    )
    nats_url: str = Field(description="NATS server URL(s), comma-separated, e.g. nats://nats:4222")
    redis_url: SecretStr = Field(
        default=SecretStr("redis://127.0.0.1:6379/0"), description="Redis URL for Celery broker and caches"
    )
    grpc_port: int = Field(default=50051, ge=1, le=65535, description="Port of the gRPC server")
    http_port: int = Field(default=8080, ge=1, le=65535, description="Port of the HTTP server")
    bind_host: str = Field(default="0.0.0.0", description="Interface both servers listen on")
    forwarded_allow_ips: str = Field(
        default="127.0.0.1", description="Comma-separated addresses or CIDR networks of the reverse proxies "
        "(ingress) whose X-Forwarded-For/-Proto the HTTP server believes; the client address (rate limits, "
        "login throttling) comes from there only for them. '*' trusts every peer: only behind a proxy that "
        "overwrites the header")
    jwks_url: str = Field(description="Where to fetch the token-signing keys (the gateway's JWKS)")
    token_issuer: str = Field(default="kontor-gateway", description="Expected `iss` of access tokens")
    token_audience: str = Field(default="kontor", description="Expected `aud` of access tokens")
    environment: str = Field(default="production", description="dev, test or production")
    log_level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    otlp_endpoint: str = Field(default="", description="OTLP/gRPC collector endpoint; empty turns export off")
    migrate_on_start: bool = Field(default=False, description="Run Alembic upgrade head before serving")
    grpc_default_deadline_s: float = Field(
        default=30.0, gt=0, description="Deadline applied to incoming calls that carry none"
    )
    db_pool_size: int = Field(default=10, ge=1)
    db_pre_ping_after_idle_s: float = Field(
        default=0.0, ge=0, description="Ping pooled connections idle longer than this before use; 0 pings at "
        "every checkout (one round trip per unit of work)"
    )
    outbox_poll_interval_s: float = Field(default=0.5, gt=0)
    outbox_retention_days: int = Field(default=7, ge=1, description="How long published outbox rows are kept")
    inbox_retention_days: int = Field(default=30, ge=1, description="How long handled event ids are kept")
    celery_beat_schedule_file: str = Field(default="celerybeat-schedule")


S = TypeVar("S", bound=ServiceSettings)


def env_name(settings_cls: type[BaseSettings], field: str) -> str:
    return f"{settings_cls.model_config.get('env_prefix', '')}{field}".upper()


def load_settings(settings_cls: type[S], **overrides) -> S:
    """Build settings from the environment or exit with a message naming each bad variable."""
    try:
        return settings_cls(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "?"
            name = env_name(settings_cls, field)
            if err["type"] == "missing":
                problems.append(f"  {name} is not set (required)")
            else:
                problems.append(f"  {name}: {err['msg']}")
        raise SettingsError(
            f"{settings_cls.__name__}: invalid configuration.\n" + "\n".join(problems)
            + "\nSet the variables above (see README.md, 'Configuration') and start again."
        ) from None
