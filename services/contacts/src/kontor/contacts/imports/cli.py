"""``kontor-contacts import FILE --tenant-id ... --user-id ...``: the same import as the API, with a progress bar.

Runs as the given employee (their role's rights, their name on the records),
in the foreground. Interrupting it is safe: run the same file again to resume.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import select

from kontor.platform.auth import Principal
from kontor.platform.db import Database
from kontor.platform.errors import DomainError
from kontor.platform.runtime import Command

from kontor.contacts.access.guard import require_right
from kontor.contacts.identity.models import User
from kontor.contacts.imports import service
from kontor.contacts.imports.models import ImportJob
from kontor.contacts.settings import ContactsSettings


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="CSV (UTF-8 or Windows-1252, ';' or ',') or vCard file")
    parser.add_argument("--tenant-id", required=True, type=uuid.UUID, help="the tenant to import into")
    parser.add_argument("--user-id", required=True, type=uuid.UUID, help="the employee the import runs as")
    parser.add_argument("--confirm-duplicates", action="store_true",
                        help="import rows even when they look like an existing company or person")


async def _principal(db: Database, tenant_id: uuid.UUID, user_id: uuid.UUID) -> Principal:
    async with db.unit_of_work(tenant_id) as session:
        user = await session.scalar(select(User).where(User.id == user_id, User.active.is_(True)))
        if user is None:
            raise SystemExit(f"no active user {user_id} in tenant {tenant_id}")
        principal = Principal(subject=str(user.id), tenant_id=tenant_id, roles=(user.role,))
        await require_right(session, principal, "import", "create")
    return principal


async def _import(args: argparse.Namespace, settings: ContactsSettings, console: Console) -> ImportJob:
    content = args.file.read_bytes()
    prepared = service.prepare(content, filename=args.file.name, confirm_duplicates=args.confirm_duplicates)
    db = Database(settings.database_url.get_secret_value(), pool_size=1)
    try:
        await db.assert_role_respects_rls()
        principal = await _principal(db, args.tenant_id, args.user_id)
        async with db.unit_of_work(args.tenant_id) as session:
            job, has_work = await service.start_job(session, principal=principal, prepared=prepared,
                                                    confirm_duplicates=args.confirm_duplicates)
        if not has_work:
            return job
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=console) as progress:
            task = progress.add_task(f"importing {args.file.name}", total=job.total_rows,
                                     completed=job.processed_rows)
            last_row = prepared.rows[-1].number if prepared.rows else 0

            def advance(current: ImportJob) -> None:
                done = sum(1 for row in prepared.rows if row.number <= current.processed_rows)
                progress.update(task, completed=done if current.processed_rows < last_row else job.total_rows)

            return await service.run_job(db, principal=principal, job_id=job.id, prepared=prepared,
                                         on_progress=advance)
    finally:
        await db.dispose()


def _run(args: argparse.Namespace, settings: ContactsSettings) -> int:
    console = Console()
    try:
        job = asyncio.run(_import(args, settings, console))
    except DomainError as exc:
        raise SystemExit(f"{getattr(exc, 'field', 'file')}: {exc.message}") from None
    except OSError as exc:
        raise SystemExit(f"cannot read {args.file}: {exc.strerror}") from None
    console.print(f"import {job.id}: {job.status}; {job.imported} imported, {job.skipped} skipped (duplicates), "
                  f"{job.errors} with errors of {job.total_rows} rows")
    if job.error:
        console.print(job.error)
    return 0 if job.status == "completed" else 1


IMPORT = Command(help="import companies and contact persons from a CSV or vCard file", configure=_configure,
                 run=_run)
