"""Per-account import state (cursor, health, progress, reconciliation), its readable log, and the quarantine."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform.db import Base, TenantScoped


class ImportState(TenantScoped, Base):
    """One row per account. ``cursor`` is the provider's (``providers/base.py``), stored with every batch.

    state: never_synced | importing | healthy | gap | throttled | needs_auth | failing | disabled.
    "healthy" is only ever set by a round that ended with a reconciliation without a gap
    (folder_count == imported_count + quarantined_count for the refs now in the folder).
    """

    __tablename__ = "mail_import_states"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mail_accounts.id", ondelete="CASCADE"),
                                                  primary_key=True)
    folder_id: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    cursor: Mapped[dict | None] = mapped_column(JSONB)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="never_synced")
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retry_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error_code: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    # Progress of the running (or last) round: done of total messages in the folder.
    progress_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    progress_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Reconciliation (imports/reconcile.py): what the folder held and what of it is imported or quarantined.
    folder_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    imported_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    quarantined_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    gap: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reconciled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=1)


class ImportLogEntry(TenantScoped, Base):
    """What a user reads under "sync log": one line per round or notable event, never mail content."""

    __tablename__ = "mail_import_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mail_accounts.id", ondelete="CASCADE"), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    level: Mapped[str] = mapped_column(String(8), nullable=False)  # info | warning | error
    code: Mapped[str] = mapped_column(String(64), nullable=False)  # stable, e.g. round_done, gap_found, needs_auth
    message: Mapped[str] = mapped_column(Text, nullable=False)  # English; the API also renders German by code
    details: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)  # counts, refs; never content


class QuarantinedMessage(TenantScoped, Base):
    """A message of an import folder that could not be imported, kept with its reason and its raw bytes."""

    __tablename__ = "mail_quarantine"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mail_accounts.id", ondelete="CASCADE"), nullable=False)
    folder_id: Mapped[str] = mapped_column(String(500), nullable=False)
    ref: Mapped[str] = mapped_column(String(500), nullable=False)  # unique per (account, folder)
    reason: Mapped[str] = mapped_column(String(32), nullable=False)  # mime.Quarantine reasons, blob_too_large, unstorable
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")
    size: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    raw_address: Mapped[str] = mapped_column(String(80), nullable=False, default="")  # "" when too large to keep
    quarantined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    gone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # left the folder since
