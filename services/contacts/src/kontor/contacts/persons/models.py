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


class ContactPersonAddress(TenantScoped, Base):
    """One e-mail address of a contact person (lower-case, as in ``email_keys``), for look-ups by address.

    ``email_keys`` has a GIN index, but row-level security keeps its non-LEAKPROOF ``&&`` out of index
    conditions, so a look-up by address would read the whole tenant. Equality on this column is LEAKPROOF
    and answered by ix_contact_person_addresses_tenant_address (migration 0009). Written with the person
    (``address_index.store_addresses``); a deleted person keeps its rows, readers check ``deleted_at``.
    """

    __tablename__ = "contact_person_addresses"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contact_persons.id", ondelete="CASCADE"),
                                                 primary_key=True)
    address: Mapped[str] = mapped_column(String(254), primary_key=True)
