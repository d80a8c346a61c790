import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform.db import Base, TenantScoped


class Trace(TenantScoped, Base):
    """One traced event of one company (address), made from a domain event by the trace feed."""

    __tablename__ = "traces"
    __table_args__ = (
        # A redelivered event (or one event naming a company twice) never makes a second row.
        UniqueConstraint("event_id", "company_id", name="uq_traces_event_company"),
        Index("ix_traces_company", "tenant_id", "company_id", "occurred_at", "id"),
        Index("ix_traces_actor", "tenant_id", "actor", "occurred_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    event_id: Mapped[str] = mapped_column(String(64), nullable=False)
    event_type: Mapped[str] = mapped_column(String(100), nullable=False)
    record_type: Mapped[str] = mapped_column(String(32), nullable=False)
    record_id: Mapped[str] = mapped_column(String(64), nullable=False)
    # Subject of the employee who caused the event; "" when the event does not tell.
    actor: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    # The event's data as subscribers see it (events never carry secrets or comment bodies).
    details: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class TraceSettings(TenantScoped, Base):
    """Which event types the tenant traces; no row means the defaults."""

    __tablename__ = "trace_settings"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_trace_settings_tenant"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    enabled_event_types: Mapped[list[str]] = mapped_column(ARRAY(String(100)), nullable=False)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=1)
    updated_by: Mapped[str] = mapped_column(String(200), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
