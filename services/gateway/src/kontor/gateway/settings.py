from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from kontor.platform.service_credentials import parse_clients
from kontor.platform.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KONTOR_GATEWAY_", extra="ignore", frozen=True)

    # The gateway signs tokens itself, so it needs no JWKS URL to trust them.
    jwks_url: str = Field(default="", description="Unused by the gateway (it owns the signing key)")
    signing_key_file: str = Field(description="Path of the Ed25519 private key (PEM) that signs access tokens")
    access_token_ttl_s: int = Field(default=900, ge=60, le=86400)
    contacts_addr: str = Field(description="host:port of the contacts gRPC server")
    billing_addr: str = Field(description="host:port of the billing gRPC server")
    calendar_sync_addr: str = Field(description="host:port of the calendar-sync gRPC server")
    mail_import_addr: str = Field(description="host:port of the mail-import gRPC server (/api/v1/mail)")
    upstream_timeout_s: float = Field(default=10.0, gt=0)

    # Appointment attachments (calendar_api/attachments.py): streamed through to calendar-sync's blob store.
    attachment_max_bytes: int = Field(
        default=25 * 1024 * 1024, ge=1, description="Largest attachment upload, in bytes; larger ones answer 413 "
        "(keep it equal to KONTOR_CALENDAR_SYNC_BLOB_STORE_MAX_BYTES)")
    attachment_transfer_timeout_s: float = Field(
        default=300.0, gt=0, description="Deadline of one attachment upload or download (slow clients included)")

    # Sending mail (mail_api/mailbox.py): the JSON body, attachments in base64 included, is read up to this size;
    # larger ones answer 413 before mail-import is asked. Keep it below mail-import's gRPC message limit (24 MiB).
    mail_send_max_bytes: int = Field(
        default=20 * 1024 * 1024, ge=1024, le=24 * 1024 * 1024, description="Largest POST "
        "/api/v1/mail/accounts/{id}/send body, in bytes (base64 makes attachments a third larger)")

    # Login and sessions (identity/).
    refresh_token_ttl_s: int = Field(default=14 * 86400, ge=300, description="Lifetime of a refresh token; "
                                     "every refresh issues a new one with a fresh lifetime")
    refresh_token_retention_days: int = Field(
        default=7, ge=0, description="How long a session's refresh tokens are kept after the last of them expired "
        "or was revoked (audit, reuse detection) before the hourly cleanup deletes them")
    key_encryption_key: SecretStr = Field(
        default=SecretStr(""), description="Fernet key(s), comma-separated, newest first, that encrypt the "
        "signing keys stored in the database. Empty: derived from the key in SIGNING_KEY_FILE")
    signing_key_activation_delay_s: int = Field(
        default=60, ge=0, description="How long a rotated-in key is published before it signs, so every "
        "verifier has fetched it (their JWKS cache refreshes at most every 30 s)")
    signing_key_reload_s: float = Field(default=10.0, gt=0, description="How often the gateway rereads its keys")

    # Delegated tokens for Kontor's own services' background work (service_tokens/, gRPC TokenService).
    service_clients: SecretStr = Field(
        default=SecretStr(""), description="Services that may ask for a user's delegated token: "
        "'<service>:<sha256 hex of its SERVICE_SECRET>' entries, comma-separated (e.g. calendar-sync:9f86d0...). "
        "Empty: nobody may. Make a pair with `python -c 'from kontor.platform.service_credentials import "
        "new_secret; print(*new_secret())'`")
    delegated_token_ttl_s: int = Field(
        default=300, ge=60, le=900, description="Lifetime of a delegated token (never longer than "
        "ACCESS_TOKEN_TTL_S)")

    @field_validator("service_clients")
    @classmethod
    def _service_clients_parse(cls, value: SecretStr) -> SecretStr:
        parse_clients(value.get_secret_value())  # a ValueError names the entry, never a digest
        return value

    # Brute-force throttling of logins and rate limits of /api/v1 (edge/), counted in Redis.
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_ip: int = Field(default=50, ge=1)
    login_failure_window_s: int = Field(default=900, ge=1, description="Failures count for this long")
    rate_limit_window_s: int = Field(default=60, ge=1)
    rate_limit_per_user: int = Field(default=600, ge=1, description="Requests per user and window")
    rate_limit_per_tenant: int = Field(default=6000, ge=1, description="Requests per tenant and window")

    # Microsoft Graph's webhook POST /api/v1/webhooks/graph (webhooks_api/): change notifications forwarded per
    # subscription and window; the rest are acknowledged and dropped (the mailbox is due already).
    graph_webhook_notifications_per_subscription: int = Field(default=30, ge=1)
    graph_webhook_window_s: int = Field(default=60, ge=1)

    # Server-sent change stream GET /api/v1/changes (changes/).
    changes_max_streams_per_user: int = Field(default=5, ge=1, description="Open change streams per user, "
                                              "counted over all gateway replicas")
    changes_heartbeat_s: float = Field(default=15.0, gt=0, description="Comment line after this much silence, "
                                       "so proxies keep the connection")
    changes_retry_ms: int = Field(default=3000, ge=0, description="SSE retry: hint, how long clients wait to "
                                  "reconnect")
    changes_access_cache_s: float = Field(default=10.0, ge=0, description="How long one stream reuses a "
                                          "CheckAccess answer for the same record")
