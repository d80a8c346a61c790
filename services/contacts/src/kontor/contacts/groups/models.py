import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform.db import Base, TenantScoped, Timestamps


class CustomerGroup(TenantScoped, Timestamps, Base):
    """A static group lists its members; a dynamic one stores only its rule and is evaluated at read time."""

    __tablename__ = "customer_groups"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # "static" | "dynamic"
    # {"conditions": [{"field": "city", "op": "eq", "value": "Berlin"}, ...]}; {} for static groups.
    rule: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    owner: Mapped[str] = mapped_column(String(200), nullable=False)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=1)


class GroupMember(TenantScoped, Base):
    __tablename__ = "customer_group_members"

    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer_groups.id", ondelete="CASCADE"),
                                                primary_key=True)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"), primary_key=True)
    added_by: Mapped[str] = mapped_column(String(200), nullable=False)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
