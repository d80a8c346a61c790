"""The GDPR audit: every export and erasure of a contact person, who asked and when. Never personal data."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform.db import Base, TenantScoped


class GdprAuditEntry(TenantScoped, Base):
    __tablename__ = "gdpr_audit"
    __table_args__ = (
        Index("ix_gdpr_audit_tenant_created", "tenant_id", "created_at", "id"),
        CheckConstraint("action IN ('export', 'erase')", name="action"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    # No foreign key: the audit outlives whatever happens to the person row.
    person_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    actor: Mapped[str] = mapped_column(String(200), nullable=False)
    # Field names and counts ("erased_fields", "comments"), never values.
    details: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
