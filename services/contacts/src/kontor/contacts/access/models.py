"""Engagements: which employees work on an active project with a client (fed by billing's project events)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform.db import Base, TenantScoped


class Engagement(TenantScoped, Base):
    """One billing project and its members; "restricted" companies are visible to assignees who are members
    of an active one."""

    __tablename__ = "engagements"
    __table_args__ = (Index("ix_engagements_company", "tenant_id", "company_id"),)

    project_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    company_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    member_user_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    # Time of the event that set this state; older events arriving late are ignored.
    as_of: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
