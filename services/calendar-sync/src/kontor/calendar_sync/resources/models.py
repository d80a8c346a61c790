import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform.db import Base, TenantScoped


class Resource(TenantScoped, Base):
    """A bookable room or piece of equipment, kept by hand or imported from a branch's groupware server."""

    __tablename__ = "resources"
    __table_args__ = (Index("ix_resources_created", "tenant_id", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # "room" | "equipment"
    email: Mapped[str] = mapped_column(String(320), nullable=False, default="")
    external_id: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    capacity: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    allow_double_booking: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # The groupware server it came from. No foreign key yet: the servers table (and the key) come with
    # migration 0003_connectors. NULL: kept by hand.
    server_id: Mapped[uuid.UUID | None] = mapped_column()
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    # Set by the service with every new version (no onupdate: an expired column cannot load lazily under asyncio).
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
