from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from kontor.platform.blobs import BlobStoreSettings
from kontor.platform.secrets_box import SecretKeys
from kontor.platform.settings import ServiceSettings


class CalendarSyncSettings(ServiceSettings, BlobStoreSettings):
    model_config = SettingsConfigDict(env_prefix="KONTOR_CALENDAR_SYNC_", extra="ignore", frozen=True)

    # The CRM calendar asks contacts for rights and record visibility (appointments/, contacts.py).
    contacts_addr: str = Field(description="host:port of the contacts gRPC server")
    upstream_timeout_s: float = Field(default=10.0, gt=0, description="Deadline of calls to contacts")

    # Background identity (delegation.py): scheduled sync rounds ask contacts as the mailbox's owner, with a
    # short-lived token from the gateway's TokenService. Either empty: rounds place attendees by connector
    # mailboxes only (a warning says so).
    gateway_addr: str = Field(default="", description="host:port of the gateway's gRPC server (TokenService)")
    service_secret: SecretStr = Field(
        default=SecretStr(""), description="calendar-sync's client secret at the gateway's TokenService; the "
        "gateway's SERVICE_CLIENTS holds its SHA-256 (calendar-sync:<hex>)")

    # Connector configuration (connectors/).
    secret_keys: SecretKeys = Field(
        description="Keys that encrypt the groupware servers' credentials at rest (AES-256-GCM): 32 random bytes "
        "each, url-safe base64, comma-separated, newest first. The first encrypts, all decrypt; rotate by "
        "prepending a new key. Make one with `python -c 'from kontor.platform.secrets_box import generate_key; "
        "print(generate_key())'`")
    resource_refresh_interval_s: int = Field(
        default=3600, ge=60, description="How often Celery beat re-imports every server's rooms and equipment")

    # Attachment content (attachments/): blob store settings come from BlobStoreSettings (BLOB_STORE_URL, ...).
    blob_store_max_bytes: int = Field(
        default=25 * 1024 * 1024, ge=1, description="Largest attachment accepted, in bytes (keep the gateway's "
        "KONTOR_GATEWAY_ATTACHMENT_MAX_BYTES the same, so the gateway answers 413 before streaming)")
    attachment_sweep_interval_s: int = Field(
        default=3600, ge=60, description="How often Celery beat removes attachment content no appointment refers to")
    attachment_sweep_grace_s: int = Field(
        default=3600, ge=0, description="Content stored or re-uploaded within this time is never swept (an upload "
        "stores the bytes before it attaches them)")

    # The sync engine (sync/).
    sync_poll_interval_s: int = Field(
        default=300, ge=30, description="How often each mailbox is polled (staggered across the interval)")
    sync_tick_s: int = Field(default=30, ge=5, description="How often Celery beat looks for mailboxes that are due")

    # Graph change notifications (notifications/): subscriptions make Graph call the gateway's webhook.
    graph_notification_url: str = Field(
        default="", description="Public HTTPS URL of the gateway's webhook, e.g. https://crm.example.com/api/v1/"
        "webhooks/graph. Empty: no subscriptions, polling only. Graph must reach it from the internet")
    graph_subscription_lifetime_min: int = Field(
        default=2880, ge=60, le=10080, description="Lifetime asked for each subscription (Graph allows events at "
        "most 10080 minutes); renewed before it ends")
    graph_subscription_renew_before_min: int = Field(
        default=1440, ge=10, description="Renew a subscription when less than this is left")
    graph_subscription_check_s: int = Field(
        default=300, ge=30, description="How often Celery beat creates, renews and removes subscriptions")
