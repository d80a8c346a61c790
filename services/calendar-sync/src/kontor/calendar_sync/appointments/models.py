import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, ForeignKeyConstraint, Index, String, Text, UniqueConstraint,
    Uuid, func, text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSTZRANGE
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform.db import Base, TenantScoped

# The privacy rule in the database itself: a private row holds no detail at all (docs/calendar.md).
PRIVATE_HOLDS_NO_DETAILS = (
    "NOT private OR (type IS NULL AND activity IS NULL AND subject IS NULL AND location IS NULL "
    "AND notes IS NULL AND category IS NULL AND participants = '[]'::jsonb AND links = '[]'::jsonb "
    "AND attachments = '[]'::jsonb AND cardinality(resource_ids) = 0)"
)
PRIVATE_OVERRIDE_HOLDS_NO_DETAILS = "NOT private OR (subject IS NULL AND location IS NULL AND notes IS NULL)"


class Appointment(TenantScoped, Base):
    """An appointment or the master of a series. Times are UTC instants plus the zone the owner meant."""

    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint(PRIVATE_HOLDS_NO_DETAILS, name="private_holds_no_details"),
        CheckConstraint("ends_at >= starts_at", name="ends_after_start"),
        # Target of the overrides' (appointment_id, private) key: an override follows its series into privacy.
        UniqueConstraint("id", "private", name="uq_appointments_id_private"),
        Index("ix_appointments_owner_start", "tenant_id", "owner_id", "starts_at"),
        Index("ix_appointments_participants", "participants", postgresql_using="gin",
              postgresql_ops={"participants": "jsonb_path_ops"}),
        Index("ix_appointments_links", "links", postgresql_using="gin", postgresql_ops={"links": "jsonb_path_ops"}),
        Index("ix_appointments_resource_ids", "resource_ids", postgresql_using="gin"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    owner_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    # Details: NULL / empty for private appointments (the check constraint above).
    type: Mapped[str | None] = mapped_column(String(32))
    activity: Mapped[str | None] = mapped_column(String(16))
    subject: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(100))
    # [{"kind": "employee"|"contact_person", "id": uuid, "status": ...}]
    participants: Mapped[list] = mapped_column(JSONB, nullable=False, server_default=text("'[]'::jsonb"))
    # [{"type": "company"|"contact_person"|"deal"|"project", "id": uuid}]
    links: Mapped[list] = mapped_column(JSONB, nullable=False, server_default=text("'[]'::jsonb"))
    # [{"id", "name", "media_type", "size", "content_ref"}]: metadata; the bytes are in the blob store
    # (attachments/, kontor.platform.blobs) under content_ref.
    attachments: Mapped[list] = mapped_column(JSONB, nullable=False, server_default=text("'[]'::jsonb"))
    resource_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), nullable=False, server_default=text("'{}'"))
    # Shape: kept for private appointments too.
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    time_zone: Mapped[str] = mapped_column(String(64), nullable=False)
    all_day: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    rrule: Mapped[str | None] = mapped_column(String(500))
    exdates: Mapped[list[datetime]] = mapped_column(ARRAY(DateTime(timezone=True)), nullable=False,
                                                    server_default=text("'{}'"))
    # End of the last occurrence; NULL for an endless series. Windows prune with it.
    series_ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    show_as: Mapped[str] = mapped_column(String(24), nullable=False, default="busy")
    private: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    sync_disabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=1)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    # Set by the service with every new version (no onupdate: an expired column cannot load lazily under asyncio).
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AppointmentOverride(TenantScoped, Base):
    """A changed occurrence of a series, keyed by its recurrence id (the original start, UTC)."""

    __tablename__ = "appointment_overrides"
    __table_args__ = (
        UniqueConstraint("appointment_id", "recurrence_id", name="uq_appointment_overrides_occurrence"),
        CheckConstraint(PRIVATE_OVERRIDE_HOLDS_NO_DETAILS, name="private_holds_no_details"),
        # Making the series private cascades into ``private`` here, where the check refuses leftover details.
        ForeignKeyConstraint(["appointment_id", "private"], ["appointments.id", "appointments.private"],
                             onupdate="CASCADE", ondelete="CASCADE", name="fk_appointment_overrides_series"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    appointment_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    private: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    recurrence_id: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    subject: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(16))
    show_as: Mapped[str | None] = mapped_column(String(24))


class ResourceBooking(TenantScoped, Base):
    """One occupied slot of a resource: a single appointment, or one occurrence of a series up to the
    booking horizon. The exclusion constraint (migration 0002) makes overlapping exclusive slots impossible."""

    __tablename__ = "resource_bookings"
    __table_args__ = (Index("ix_resource_bookings_appointment", "appointment_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    resource_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("resources.id"), nullable=False)
    appointment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"),
                                                      nullable=False)
    period = mapped_column(TSTZRANGE, nullable=False)
    # Copied from the resource (allow_double_booking = false): only exclusive slots exclude each other.
    exclusive: Mapped[bool] = mapped_column(Boolean, nullable=False)
