"""Bulk import: one job per file (tenant + SHA-256), rows imported in batches, each batch one transaction.

Units, and why nothing is ever half-imported:

* The whole file is read and every row validated *before* the first write
  (``prepare``). A file that cannot be read (encoding, broken CSV quoting or
  vCard, no name column) raises ``InvalidArgument("file", ...)``: no job, no row.
* Rows are then written in batches of ``BATCH_SIZE``. A batch's companies,
  persons, events, report rows and the job's progress (``processed_rows``)
  commit in one transaction, so either all of a batch is there, recorded as
  done, or none of it. A database error rolls the batch back and marks the job
  ``failed``; the committed batches stay (they are complete).
* Starting the same file again (same SHA-256) resumes after ``processed_rows``:
  no row is imported twice. A completed job is simply returned.

Duplicates (the API's duplicate detection) are reported per row as
``skipped`` unless the job was started with ``confirm_duplicates``. A row is
all or nothing: when its person is a duplicate, its company is not created
either (savepoint per row).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal
from kontor.platform.db import Database
from kontor.platform.errors import AlreadyExists, Conflict, DomainError, InvalidArgument, NotFound

from kontor.contacts.companies.service import create_company
from kontor.contacts.imports import reading, rows
from kontor.contacts.imports.models import ImportJob, ImportRow
from kontor.contacts.persons.service import create_person

BATCH_SIZE = 100
log = logging.getLogger(__name__)
# A running job that has not advanced for this long is taken over by a re-run (its process died).
STALE_AFTER = timedelta(minutes=2)
IMPORTED, SKIPPED, ERROR = "imported", "skipped", "error"
# Report rows returned with a job (one gRPC message stays well below 4 MB); the counts cover all rows.
REPORT_LIMIT = 10_000
_COUNTERS = {IMPORTED: "imported", SKIPPED: "skipped", ERROR: "errors"}  # row status -> job counter

Progress = Callable[[ImportJob], Awaitable[None] | None]


@dataclass
class PreparedFile:
    sha256: str
    filename: str
    format: str
    rows: list[rows.ValidRow | rows.InvalidRow]
    ignored_columns: list[str]


def prepare(content: bytes, *, filename: str, confirm_duplicates: bool) -> PreparedFile:
    """Read and validate the whole file (CPU only, no database). InvalidArgument("file") when unreadable."""
    try:
        source = reading.read_file(content)
    except reading.FileUnreadable as exc:
        raise InvalidArgument("file", str(exc)) from None
    checked = [rows.validate(row, confirm_duplicates=confirm_duplicates) for row in source.rows]
    return PreparedFile(sha256=hashlib.sha256(content).hexdigest(), filename=filename[:255], format=source.format,
                        rows=checked, ignored_columns=source.ignored_columns)


async def start_job(
    session: AsyncSession, *, principal: Principal, prepared: PreparedFile, confirm_duplicates: bool,
) -> tuple[ImportJob, bool]:
    """The job of this file, created or taken up again; (job, whether rows remain to be imported).

    Conflict when another run of the same file is still advancing.
    """
    inserted = await session.scalar(insert(ImportJob).values(
        id=uuid.uuid4(), tenant_id=principal.tenant_id, sha256=prepared.sha256, filename=prepared.filename,
        format=prepared.format, status="running", confirm_duplicates=confirm_duplicates,
        total_rows=len(prepared.rows), ignored_columns=prepared.ignored_columns, created_by=principal.subject,
    ).on_conflict_do_nothing(constraint="uq_import_jobs_tenant_sha256").returning(ImportJob.id))
    job = await session.scalar(select(ImportJob).where(ImportJob.sha256 == prepared.sha256)
                               .with_for_update().execution_options(populate_existing=True))
    if job.status == "completed":
        return job, False
    if inserted is None and job.status == "running" and job.updated_at > datetime.now(UTC) - STALE_AFTER:
        raise Conflict(f"import {job.id} of this file is running; watch its progress instead of starting it again")
    job.status, job.error = "running", ""
    job.confirm_duplicates = confirm_duplicates  # a re-run decides for the rows still to come
    job.updated_at = datetime.now(UTC)  # the heartbeat a concurrent re-run looks at
    return job, True


async def _created_companies(session: AsyncSession, job_id: uuid.UUID) -> dict[int, uuid.UUID]:
    result = await session.execute(select(ImportRow.row_number, ImportRow.company_id).where(
        ImportRow.job_id == job_id, ImportRow.status == IMPORTED))
    return {number: company_id for number, company_id in result.all()}


def _group_leaders(prepared: PreparedFile) -> dict[int, int]:
    """Row number -> the number of the first valid row naming the same company (itself when first)."""
    first_of: dict[str, int] = {}
    return {row.number: first_of.setdefault(row.group_key, row.number)
            for row in prepared.rows if isinstance(row, rows.ValidRow)}


async def _create_person(session: AsyncSession, principal: Principal, company_id: uuid.UUID, data):
    try:
        return await create_person(session, principal=principal, company_id=company_id, data=data)
    except AlreadyExists as exc:
        exc.field = "person.emails"  # the report names the column group that collided
        raise


async def _import_row(
    session: AsyncSession, principal: Principal, row: rows.ValidRow, leader: int, companies: dict[int, uuid.UUID],
) -> ImportRow:
    if leader != row.number:  # another person of a company an earlier row created
        company_id = companies.get(leader)
        if company_id is None:
            return ImportRow(row_number=row.number, status=SKIPPED, field="name",
                             reason=f"its company (row {leader}) was not imported")
        if row.person is None:
            return ImportRow(row_number=row.number, status=SKIPPED, field="name",
                             reason=f"repeats the company of row {leader} without a contact person")
        person = await _create_person(session, principal, company_id, row.person)
        return ImportRow(row_number=row.number, status=IMPORTED, company_id=company_id, person_id=person.id)
    company = await create_company(session, principal=principal, data=row.company)
    person = None
    if row.person is not None:
        person = await _create_person(session, principal, company.id, row.person)
    return ImportRow(row_number=row.number, status=IMPORTED, company_id=company.id,
                     person_id=person.id if person else None)


async def _import_batch(
    session: AsyncSession, principal: Principal, job: ImportJob, batch: list, leaders: dict[int, int],
    companies: dict[int, uuid.UUID],
) -> dict[int, uuid.UUID]:
    """Write one batch and its progress; returns the companies it created (row number -> id)."""
    created: dict[int, uuid.UUID] = {}
    for row in batch:
        if isinstance(row, rows.InvalidRow):
            report = ImportRow(row_number=row.number, status=ERROR, field=row.field, reason=row.reason)
        else:
            try:
                async with session.begin_nested():  # a row is all or nothing
                    report = await _import_row(session, principal, row, leaders[row.number], companies | created)
            except AlreadyExists as exc:
                report = ImportRow(row_number=row.number, status=SKIPPED, field=getattr(exc, "field", "name"),
                                   reason=exc.message)
            except (InvalidArgument, NotFound) as exc:
                report = ImportRow(row_number=row.number, status=ERROR, field=getattr(exc, "field", ""),
                                   reason=exc.message)
        if report.status == IMPORTED and report.company_id is not None:
            created[row.number] = report.company_id
        report.job_id, report.tenant_id = job.id, job.tenant_id
        session.add(report)
        counter = _COUNTERS[report.status]
        setattr(job, counter, getattr(job, counter) + 1)
    job.processed_rows = batch[-1].number
    job.updated_at = datetime.now(UTC)
    return created


async def run_job(
    db: Database, *, principal: Principal, job_id: uuid.UUID, prepared: PreparedFile,
    on_progress: Progress | None = None, batch_size: int = BATCH_SIZE,
) -> ImportJob:
    """Import the rows after the job's ``processed_rows``, one transaction per batch; returns the final job."""
    async with db.unit_of_work(principal.tenant_id) as session:
        job = await session.get(ImportJob, job_id)
        companies = await _created_companies(session, job_id)
    leaders = _group_leaders(prepared)
    committed = job.processed_rows  # plain int: ORM objects of a rolled-back unit cannot be read any more
    pending = [row for row in prepared.rows if row.number > committed]
    try:
        for start in range(0, len(pending), batch_size):
            batch = pending[start:start + batch_size]
            async with db.unit_of_work(principal.tenant_id) as session:
                job = await session.get(ImportJob, job_id, with_for_update=True)
                created = await _import_batch(session, principal, job, batch, leaders, companies)
            committed = batch[-1].number
            companies |= created  # only after the commit: a rolled-back batch created nothing
            if on_progress is not None:
                await _notify(on_progress, job)
    except DomainError:
        raise
    except Exception as exc:  # a database error: the batch is rolled back, the job says where to resume
        log.warning("import %s stopped after row %s: %s", job_id, committed, type(exc).__name__)
        return await _finish(db, principal, job_id, "failed",
                             f"the import stopped at a database error ({type(exc).__name__}) after row "
                             f"{committed}; start the same file again to continue")
    return await _finish(db, principal, job_id, "completed", "")


async def _notify(on_progress: Progress, job: ImportJob) -> None:
    result = on_progress(job)
    if result is not None:
        await result


async def _finish(db: Database, principal: Principal, job_id: uuid.UUID, status: str, error: str) -> ImportJob:
    async with db.unit_of_work(principal.tenant_id) as session:
        job = await session.get(ImportJob, job_id, with_for_update=True)
        job.status, job.error = status, error
        job.updated_at = datetime.now(UTC)
    return job


async def get_job(session: AsyncSession, *, job_id: uuid.UUID) -> tuple[ImportJob, list[ImportRow]]:
    """The job and its report (first REPORT_LIMIT rows). Another tenant's job is not found (row-level security)."""
    job = await session.get(ImportJob, job_id)
    if job is None:
        raise NotFound(f"import {job_id} not found")
    report = await session.scalars(select(ImportRow).where(ImportRow.job_id == job_id)
                                   .order_by(ImportRow.row_number).limit(REPORT_LIMIT))
    return job, list(report.all())
