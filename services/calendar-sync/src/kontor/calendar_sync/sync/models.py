"""What the sync engine remembers per mailbox: state and cursor, mappings (with tombstones), pending pushes,
conflicts and a readable log. Holds ids, change keys, hashes and codes only: never an event's content."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform.db import Base, TenantScoped

STATES = ("idle", "syncing", "throttled", "failed", "needs_auth", "paused")


class SyncMailbox(TenantScoped, Base):
    """The sync state of one connector (one mailbox)."""

    __tablename__ = "sync_mailboxes"

    connector_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("connector_settings.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="idle")
    # The delta link and the window it was taken for (Graph bakes the window into the cursor).
    delta_cursor: Mapped[str | None] = mapped_column(Text)
    cursor_window_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cursor_window_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retry_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_poll_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pause_reason: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    last_error: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    resync_requested: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Set by a person who checked a paused mailbox: the next run may apply the deletions it held back.
    accept_empty: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    consecutive_failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Counts: of the last run ({"created", "updated", "deleted", "pushed", "conflicts", ...}) and of the sides.
    last_counts: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    crm_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    remote_count: Mapped[int | None] = mapped_column(Integer)
    reconciled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # None: never checked; {} after a clean check; else {"missing_in_crm": n, "missing_remote": n}.
    mismatch: Mapped[dict | None] = mapped_column(JSONB)
    # The outbound scan (outbound.find_changes): when it last looked, and for which window and connector
    # settings; later scans read only what changed since (migration 0007).
    outbound_watermark: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outbound_scope: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class SyncMapping(TenantScoped, Base):
    """appointment ↔ (connector, remote id). ``state`` live | deleted | unlinked: the last two are tombstones that
    keep the remote id (and iCalUId) so a deleted or unlinked item is never imported again."""

    __tablename__ = "sync_mappings"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    connector_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("connector_settings.id", ondelete="CASCADE"),
                                                    nullable=False)
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("appointments.id", ondelete="SET NULL"))
    remote_id: Mapped[str | None] = mapped_column(String(512))
    ical_uid: Mapped[str | None] = mapped_column(String(1024))
    is_organizer: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="live")
    remote_change_key: Mapped[str | None] = mapped_column(String(256))
    remote_hash: Mapped[str | None] = mapped_column(String(64))
    remote_fields: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)  # field -> short hash
    crm_version: Mapped[int | None] = mapped_column(BigInteger)
    crm_hash: Mapped[str | None] = mapped_column(String(64))
    crm_fields: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    remote_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    remote_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    synced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PendingPush(TenantScoped, Base):
    """A CRM change waiting to reach the groupware (persisted, so throttling or a crash drops nothing)."""

    __tablename__ = "sync_pending_pushes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    connector_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("connector_settings.id", ondelete="CASCADE"),
                                                    nullable=False)
    appointment_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    operation: Mapped[str] = mapped_column(String(8), nullable=False)  # upsert | delete
    manual: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # pushed by hand (out of hours)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                      server_default=func.now())
    last_error: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class SyncConflict(TenantScoped, Base):
    """Both sides changed the same fields; the policy decided. Field names only, never values."""

    __tablename__ = "sync_conflicts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    connector_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("connector_settings.id", ondelete="CASCADE"),
                                                    nullable=False)
    appointment_id: Mapped[uuid.UUID | None] = mapped_column()
    fields: Mapped[list[str]] = mapped_column(ARRAY(String(32)), nullable=False)
    policy: Mapped[str] = mapped_column(String(24), nullable=False)
    winner: Mapped[str] = mapped_column(String(16), nullable=False)  # crm | groupware
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class SyncLogEntry(TenantScoped, Base):
    """A line of the sync log a user can read: a code and a message built from ids and counts only."""

    __tablename__ = "sync_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    connector_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("connector_settings.id", ondelete="CASCADE"),
                                                    nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    level: Mapped[str] = mapped_column(String(8), nullable=False)  # info | warning | error
    code: Mapped[str] = mapped_column(String(48), nullable=False)
    message: Mapped[str] = mapped_column(String(500), nullable=False)
    appointment_id: Mapped[uuid.UUID | None] = mapped_column()
