"""Substitutions: B stands in for A during [starts_at, ends_at)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform.db import Base, TenantScoped, Timestamps


class Substitution(TenantScoped, Timestamps, Base):
    __tablename__ = "substitutions"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="window"),
        CheckConstraint("absent_user_id <> substitute_user_id", name="distinct_users"),
        Index("ix_substitutions_substitute", "tenant_id", "substitute_user_id", "starts_at"),
        Index("ix_substitutions_absent", "tenant_id", "absent_user_id", "starts_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    absent_user_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    substitute_user_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set by the beat task when it emitted the started/ended event, so each is emitted once.
    started_event_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_event_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
