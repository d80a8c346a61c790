"""The access audit log: who changed responsibility, when, what and why."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Index, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform.db import Base, TenantScoped


class AuditEntry(TenantScoped, Base):
    __tablename__ = "access_audit_log"
    __table_args__ = (Index("ix_access_audit_log_tenant_created", "tenant_id", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    from_user_id: Mapped[uuid.UUID | None] = mapped_column()
    to_user_id: Mapped[uuid.UUID | None] = mapped_column()
    # [{"type": "company", "id": "..."}]: the records the action touched.
    records: Mapped[list[dict]] = mapped_column(JSONB, nullable=False, default=list)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
