"""Tables of assignments: who is responsible for which record, the automatic rules, round-robin cursors."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform.db import Base, TenantScoped, Timestamps


class Assignment(TenantScoped, Base):
    """One employee in one role on one record (company or contact person; no FK: other migration branches)."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("tenant_id", "record_type", "record_id", "user_id", "role",
                         name="uq_assignments_record_user_role"),
        # The account manager is the primary: at most one per record, enforced by the database.
        Index("uq_assignments_one_account_manager", "tenant_id", "record_type", "record_id", unique=True,
              postgresql_where=text("role = 'account_manager'")),
        Index("ix_assignments_user", "tenant_id", "user_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    record_type: Mapped[str] = mapped_column(String(16), nullable=False)
    record_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    user_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    # The automatic rule that decided (shown on the record); NULL when assigned by hand.
    rule_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class AssignmentRule(TenantScoped, Timestamps, Base):
    __tablename__ = "assignment_rules"
    __table_args__ = (UniqueConstraint("tenant_id", "priority", name="uq_assignment_rules_tenant_priority"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    priority: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    postal_code_from: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    postal_code_to: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    values: Mapped[list[str]] = mapped_column(ARRAY(String(100)), nullable=False, default=list)
    user_id: Mapped[uuid.UUID | None] = mapped_column()
    team_id: Mapped[uuid.UUID | None] = mapped_column()
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=1)


class RoundRobinCursor(TenantScoped, Base):
    """How many records a round-robin rule has handed out; the row lock of its increment serialises creates."""

    __tablename__ = "round_robin_cursors"

    rule_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
