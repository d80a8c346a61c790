"""Mail accounts (a user's mailbox or a team's shared mailbox) and their sealed credentials."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, LargeBinary, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform.db import Base, TenantScoped


class MailAccount(TenantScoped, Base):
    """One mailbox the CRM reads: ``personal`` (owned by a user) or ``shared`` (a team's, e.g. support).

    Access: a personal account is its owner's; a shared one belongs to every member of ``team_id`` whose role
    has the "mail_account" read right. ``settings`` holds the provider's connection data, never a secret:
    graph: azure_tenant_id, client_id, authority_url, base_url, ca_bundle_path (overrides for the emulator);
    imap: host, port, security, username, auth, smtp_host, smtp_port, smtp_security, smtp_username, sent_folder.
    """

    __tablename__ = "mail_accounts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # personal | shared
    owner_user_id: Mapped[uuid.UUID | None] = mapped_column()  # personal accounts
    team_id: Mapped[uuid.UUID | None] = mapped_column()  # shared accounts
    provider: Mapped[str] = mapped_column(String(16), nullable=False)  # graph | imap
    address: Mapped[str] = mapped_column(String(320), nullable=False)
    address_key: Mapped[str] = mapped_column(Text, nullable=False)  # lower-case; unique per tenant and provider
    display_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    settings: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    # As the user configured it (id, well-known name or path); import_folder_id is what the server resolved.
    import_folder: Mapped[str] = mapped_column(String(500), nullable=False)
    import_folder_id: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AccountCredential(TenantScoped, Base):
    """The account's secret, sealed with ``kontor.platform.secrets_box`` bound to (tenant, account id, kind).

    A table of its own so no read of an account ever selects the ciphertext; no API returns it.
    kind: ``password`` (IMAP/SMTP), ``client_secret`` or ``certificate`` (Graph app registration; the
    certificate's sealed value is the JSON {"certificate_pem", "private_key_pem"}).
    """

    __tablename__ = "mail_account_credentials"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mail_accounts.id", ondelete="CASCADE"),
                                                  primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    sealed: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class MailTenant(Base):
    """Tenants that created a mail account: service-wide, only ids, no row-level security.

    The importer's beat starts in the system scope, where every tenant table shows no rows; this list tells it
    which tenants to enter (one unit of work each, under row-level security). Written by accounts/service.py."""

    __tablename__ = "mail_tenants"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
