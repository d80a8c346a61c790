from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from kontor.platform.blobs import BlobStoreSettings
from kontor.platform.secrets_box import SecretKeys
from kontor.platform.settings import ServiceSettings


class MailImportSettings(ServiceSettings, BlobStoreSettings):
    """Raw MIME and attachments live in the blob store (BlobStoreSettings: BLOB_STORE_URL, ...); Graph's
    throttling budget is shared by every worker through the service's Redis (REDIS_URL)."""

    model_config = SettingsConfigDict(env_prefix="KONTOR_MAIL_IMPORT_", extra="ignore", frozen=True)

    # Rights, record visibility, teams and address matching come from contacts (edge.py, contacts_client.py).
    contacts_addr: str = Field(description="host:port of the contacts gRPC server")
    # Filing mail sent from an appointment, and the overview's appointments of today.
    calendar_sync_addr: str = Field(default="", description="host:port of the calendar-sync gRPC server; empty: "
                                    "the overview shows no appointments")
    upstream_timeout_s: float = Field(default=10.0, gt=0, description="Deadline of calls to other services")
    mail_server_timeout_s: float = Field(
        default=60.0, gt=0, description="Timeout of one IMAP/SMTP operation (connect, command, transfer)")

    # Background identity: import rounds ask contacts as the account's owner (shared accounts: its creator), with a
    # short-lived token from the gateway's TokenService (kontor.platform.delegation, client "mail-import").
    gateway_addr: str = Field(default="", description="host:port of the gateway's gRPC server (TokenService)")
    service_secret: SecretStr = Field(
        default=SecretStr(""), description="mail-import's client secret at the gateway's TokenService; the "
        "gateway's SERVICE_CLIENTS holds its SHA-256 (mail-import:<hex>)")

    secret_keys: SecretKeys = Field(
        description="Keys that encrypt the mail accounts' credentials at rest (AES-256-GCM): 32 random bytes each, "
        "url-safe base64, comma-separated, newest first. The first encrypts, all decrypt; rotate by prepending a "
        "new key. Make one with `python -c 'from kontor.platform.secrets_box import generate_key; "
        "print(generate_key())'`")

    # The importer (imports/).
    import_poll_interval_s: int = Field(
        default=300, ge=30, description="How often each account's import folder is read (staggered across the "
        "interval)")
    import_tick_s: int = Field(default=30, ge=5, description="How often Celery beat looks for accounts that are due")
    import_batch_size: int = Field(default=200, ge=1, le=1000, description="Messages fetched, stored and "
                                   "committed together; a crash resumes after the last committed batch (larger batches "
                                   "spread each batch's fixed cost: 200 measured about 15 % faster than 100)")
    import_log_retention_days: int = Field(
        default=90, ge=1, description="Import log lines older than this are deleted (daily housekeeping)")
    blob_sweep_interval_s: int = Field(
        default=6 * 3600, ge=60, description="How often Celery beat removes blobs no mail or quarantine entry "
        "refers to (raw MIME and attachments of batches that never committed)")
    blob_sweep_grace_s: int = Field(
        default=24 * 3600, ge=600, description="Blobs stored or touched within this time are never swept (a batch "
        "stores its blobs before its transaction commits)")

    # Sending (mails/message_ids.py): the outgoing Message-ID names the record it was written from, with a MAC.
    message_id_key: SecretStr = Field(
        description="Secret of the MAC in outgoing Message-IDs (at least 32 characters, e.g. the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`); changing it stops replies to earlier "
        "mail from filing themselves by Message-ID (threads still match by References)", min_length=32)
    message_id_domain: str = Field(
        default="kontor.invalid", min_length=1, max_length=200, pattern=r"^[A-Za-z0-9.-]+$",
        description="Domain part of outgoing Message-IDs, e.g. crm.example.com")
    blob_store_max_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1, description="Largest raw message or attachment kept in the blob store, in "
        "bytes (the parser refuses messages over 64 MiB anyway)")
    attachment_max_bytes: int = Field(
        default=25 * 1024 * 1024, ge=1, description="Largest attachment accepted when sending, in bytes (keep "
        "the gateway's limit the same)")
