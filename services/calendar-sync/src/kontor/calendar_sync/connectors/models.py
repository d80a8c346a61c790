"""Branch groupware servers, their sealed credentials, and the personal connector settings."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform.db import Base, TenantScoped


class GroupwareServer(TenantScoped, Base):
    """One groupware server of the tenant (typically one per branch). Holds no secret: see ServerCredential."""

    __tablename__ = "groupware_servers"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    provider: Mapped[str] = mapped_column(String(16), nullable=False)  # graph | google | domino
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    name_key: Mapped[str] = mapped_column(Text, nullable=False)  # casefolded (may grow), unique per tenant
    branch: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    azure_tenant_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    client_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    # Overrides for dev and tests (emulators/graph); empty: the provider's public endpoints.
    authority_url: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    base_url: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    ca_bundle_path: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    resources_refreshed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ServerCredential(TenantScoped, Base):
    """The app registration's client secret or certificate of a server, sealed (kontor.platform.secrets_box).

    A table of its own so that no read of a server ever selects the ciphertext. The associated data binds
    ``sealed`` to (tenant, server id, kind): copied to another row or tenant it does not open.
    """

    __tablename__ = "groupware_server_credentials"

    server_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("groupware_servers.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # client_secret | certificate
    sealed: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    certificate_thumbprint: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ConnectorSettings(TenantScoped, Base):
    """One synced mailbox: a user's own (personal) or a non-CRM user's calendar (other_calendar)."""

    __tablename__ = "connector_settings"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # The CRM user it belongs to: the mailbox owner for personal, the registering user for other calendars.
    user_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    server_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("groupware_servers.id", ondelete="RESTRICT"),
                                                 nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="personal")
    mailbox: Mapped[str] = mapped_column(String(320), nullable=False)
    mailbox_key: Mapped[str] = mapped_column(Text, nullable=False)  # lower-case, unique per server
    display_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    direction: Mapped[str] = mapped_column(String(24), nullable=False, default="both")
    window_past_days: Mapped[int] = mapped_column(Integer, nullable=False, default=7)
    window_future_days: Mapped[int] = mapped_column(Integer, nullable=False, default=90)
    working_hours: Mapped[dict | None] = mapped_column(JSONB)
    skip_statuses: Mapped[list[str]] = mapped_column(ARRAY(String(16)), nullable=False, default=list)
    category_mappings: Mapped[list[dict]] = mapped_column(JSONB, nullable=False, default=list)
    conflict_policy: Mapped[str] = mapped_column(String(24), nullable=False, default="newest_wins")
    deletion_policy: Mapped[str] = mapped_column(String(24), nullable=False, default="delete_other_side")
    # 0: keep. N: the daily job deletes the connector's private appointments that ended N days ago (sync/privacy_cleanup.py).
    delete_private_after_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    needs_reauthorisation: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class ConnectorTenant(Base):
    """Tenants that registered a server: service-wide, only ids, no row-level security.

    The resource refresh starts in the system scope, where every tenant table shows no rows; this list
    tells it which tenants to enter (one unit of work each, under row-level security)."""

    __tablename__ = "connector_tenants"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
