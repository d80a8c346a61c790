from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kontor.platform.secrets_box import SecretKeys
from kontor.platform.settings import ServiceSettings


class CalendarSyncSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KONTOR_CALENDAR_SYNC_", extra="ignore", frozen=True)

    # The CRM calendar asks contacts for rights and record visibility (appointments/, contacts.py).
    contacts_addr: str = Field(description="host:port of the contacts gRPC server")
    upstream_timeout_s: float = Field(default=10.0, gt=0, description="Deadline of calls to contacts")

    # Connector configuration (connectors/).
    secret_keys: SecretKeys = Field(
        description="Keys that encrypt the groupware servers' credentials at rest (AES-256-GCM): 32 random bytes "
        "each, url-safe base64, comma-separated, newest first. The first encrypts, all decrypt; rotate by "
        "prepending a new key. Make one with `python -c 'from kontor.platform.secrets_box import generate_key; "
        "print(generate_key())'`")
    resource_refresh_interval_s: int = Field(
        default=3600, ge=60, description="How often Celery beat re-imports every server's rooms and equipment")

    # The sync engine (sync/).
    sync_poll_interval_s: int = Field(
        default=300, ge=30, description="How often each mailbox is polled (staggered across the interval)")
    sync_tick_s: int = Field(default=30, ge=5, description="How often Celery beat looks for mailboxes that are due")
