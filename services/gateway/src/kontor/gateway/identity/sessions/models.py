import uuid
from datetime import datetime

from sqlalchemy import DateTime, Index, LargeBinary, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform.db import Base, TenantScoped


class RefreshToken(TenantScoped, Base):
    """One refresh token. Only its SHA-256 is stored; the token itself exists only at the client.

    Every login starts a family; each refresh marks the presented token used and
    adds its successor to the family. A used token presented again means it was
    copied, so the whole family is revoked.
    """

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_user", "tenant_id", "user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    family_id: Mapped[uuid.UUID] = mapped_column(nullable=False, index=True)
    user_id: Mapped[str] = mapped_column(Text, nullable=False)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SessionTenant(Base):
    """A tenant that has (had) refresh tokens. Gateway-wide, without row-level security: the cleanup
    job starts in the system scope, which sees no tenant's rows, and learns here which tenants to enter."""

    __tablename__ = "session_tenants"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
