"""An import job (one file of one tenant, identified by its SHA-256) and its report, one row per file row."""

import uuid

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform.db import Base, TenantScoped, Timestamps


class ImportJob(TenantScoped, Timestamps, Base):
    __tablename__ = "import_jobs"
    __table_args__ = (
        UniqueConstraint("tenant_id", "sha256", name="uq_import_jobs_tenant_sha256"),
        CheckConstraint("status IN ('running', 'completed', 'failed')", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    format: Mapped[str] = mapped_column(String(8), nullable=False)  # "csv" | "vcard"
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    confirm_duplicates: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    total_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Rows whose batch is committed: a resumed run starts after this row.
    processed_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    imported: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    skipped: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    errors: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    ignored_columns: Mapped[list[str]] = mapped_column(ARRAY(String(100)), nullable=False, default=list)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)


class ImportRow(TenantScoped, Base):
    __tablename__ = "import_rows"
    __table_args__ = (
        UniqueConstraint("job_id", "row_number", name="uq_import_rows_job_row"),
        CheckConstraint("status IN ('imported', 'skipped', 'error')", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("import_jobs.id"), nullable=False)
    row_number: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    field: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    company_id: Mapped[uuid.UUID | None] = mapped_column()
    person_id: Mapped[uuid.UUID | None] = mapped_column()
