import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform.db import Base, TenantScoped, Timestamps


class Company(TenantScoped, Timestamps, Base):
    __tablename__ = "companies"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # "lead" | "customer"
    street: Mapped[str] = mapped_column(String(200), nullable=False, default="", server_default="")
    postal_code: Mapped[str] = mapped_column(String(20), nullable=False, default="", server_default="")
    city: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    region: Mapped[str] = mapped_column(String(100), nullable=False, default="", server_default="")
    country: Mapped[str] = mapped_column(String(2), nullable=False, default="", server_default="")
    industry: Mapped[str] = mapped_column(String(100), nullable=False, default="", server_default="")
    revenue_tier: Mapped[str] = mapped_column(String(16), nullable=False, default="", server_default="")
    website: Mapped[str] = mapped_column(String(300), nullable=False, default="", server_default="")
    email: Mapped[str] = mapped_column(String(254), nullable=False, default="", server_default="")
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    access_level: Mapped[str] = mapped_column(String(16), nullable=False, default="company",
                                              server_default="company")
    # Duplicate-detection keys, derived from the fields above by duplicates.py.
    name_key: Mapped[str] = mapped_column(String(200), nullable=False, default="", server_default="")
    city_key: Mapped[str] = mapped_column(String(100), nullable=False, default="", server_default="")
    website_domain: Mapped[str] = mapped_column(String(253), nullable=False, default="", server_default="")
    email_domain: Mapped[str] = mapped_column(String(253), nullable=False, default="", server_default="")
    version: Mapped[int] = mapped_column(BigInteger, nullable=False, default=1)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CompanyHistory(TenantScoped, Base):
    """One field's change of one company: the audit trail that survives conversion and deletion."""

    __tablename__ = "company_history"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"), nullable=False)
    field: Mapped[str] = mapped_column(String(32), nullable=False)
    old_value: Mapped[str] = mapped_column(Text, nullable=False)
    new_value: Mapped[str] = mapped_column(Text, nullable=False)
    changed_by: Mapped[str] = mapped_column(String(200), nullable=False)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)
