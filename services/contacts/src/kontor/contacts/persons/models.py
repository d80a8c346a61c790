import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform.db import Base, TenantScoped, Timestamps


class ContactPerson(TenantScoped, Timestamps, Base):
    __tablename__ = "contact_persons"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"), nullable=False, index=True)
    salutation: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    title: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    first_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    last_name: Mapped[str] = mapped_column(String(100), nullable=False)
    role: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    # [{"address": "a@b.de", "label": "work", "primary": true}, ...]
    emails: Mapped[list[dict]] = mapped_column(JSONB, nullable=False, default=list)
    # [{"number": "030 123", "label": "office", "e164": "+4930123"}, ...]
    phones: Mapped[list[dict]] = mapped_column(JSONB, nullable=False, default=list)
    # The addresses alone, GIN-indexed, for duplicate detection.
    email_keys: Mapped[list[str]] = mapped_column(ARRAY(String(254)), nullable=False, default=list)
    birthday: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=1)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
