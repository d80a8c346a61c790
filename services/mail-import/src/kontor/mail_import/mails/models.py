"""CRM mails (deduplicated across mailboxes), where each was seen (mailbox references), and its record links."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform.db import Base, TenantScoped


class Mail(TenantScoped, Base):
    """One mail, however many mailboxes it came from.

    ``dedup_key`` (unique per tenant) = ``<message id>|<identity hash>``, or ``-|<identity hash>`` without a
    Message-ID. The identity hash covers what every copy of one mail shares (sender, date, subject, text,
    attachment addresses), not the raw bytes, which differ per mailbox (Received, Delivered-To). So three
    colleagues' copies are one mail, while a reused Message-ID with different content stays a second mail.
    """

    __tablename__ = "mails"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    dedup_key: Mapped[str] = mapped_column(Text, nullable=False)
    message_id: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(80), nullable=False)  # of the raw bytes first imported
    raw_address: Mapped[str] = mapped_column(String(80), nullable=False)  # blob store address of the raw MIME
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    direction: Mapped[str] = mapped_column(String(8), nullable=False, default="received")  # received | sent
    subject: Mapped[str] = mapped_column(Text, nullable=False, default="")
    from_address: Mapped[str] = mapped_column(String(320), nullable=False, default="")
    from_name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    to: Mapped[list[dict]] = mapped_column(JSONB, nullable=False, default=list)  # [{"email", "name"}]
    cc: Mapped[list[dict]] = mapped_column(JSONB, nullable=False, default=list)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    in_reply_to: Mapped[str | None] = mapped_column(Text)
    references: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, default=list)
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")  # for search
    # [{"path", "filename", "content_type", "size", "address", "content_id", "disposition"}]
    attachments: Mapped[list[dict]] = mapped_column(JSONB, nullable=False, default=list)
    defects: Mapped[list[dict]] = mapped_column(JSONB, nullable=False, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class MailboxReference(TenantScoped, Base):
    """Mail ``mail_id`` was imported from message ``ref`` in folder ``folder_id`` of ``account_id``."""

    __tablename__ = "mailbox_references"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    mail_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mails.id", ondelete="CASCADE"), nullable=False)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mail_accounts.id", ondelete="CASCADE"), nullable=False)
    folder_id: Mapped[str] = mapped_column(String(500), nullable=False)
    ref: Mapped[str] = mapped_column(String(500), nullable=False)  # unique per (account, folder)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    gone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # left the folder (the mail stays)


class MailLink(TenantScoped, Base):
    """A mail filed to a record. One row per (mail, record) ever, so the history decides re-matching:

    * origin ``auto`` (address/domain match), ``thread`` (a reply in a filed thread), ``sent`` (written from the
      record), ``manual`` (a person filed it);
    * ``removed_at`` set: a person removed it. The row stays as a tombstone, so re-matching never creates it
      again; only a person filing it by hand revives it (origin becomes ``manual``).
    Re-matching adds links for records without a row and never touches existing rows.
    record_type: company | contact_person | deal | project.
    """

    __tablename__ = "mail_links"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    mail_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("mails.id", ondelete="CASCADE"), nullable=False)
    record_type: Mapped[str] = mapped_column(String(16), nullable=False)
    record_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    origin: Mapped[str] = mapped_column(String(8), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)  # user id or "service:mail-import"
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_by: Mapped[str | None] = mapped_column(String(200))
