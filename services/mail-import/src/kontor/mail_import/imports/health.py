"""The import state machine of one account (``ImportState.state``):

    never_synced → importing → healthy | gap | throttled | needs_auth | failing;   any → disabled

* healthy: the round finished and its reconciliation found every message of the folder imported or
  quarantined. Nothing else sets it.
* gap: the round finished, but messages of the folder are neither; retried at the next poll.
* throttled: the server asked to wait; ``retry_at`` = now + ``Throttled.retry_after``.
* needs_auth: credentials refused; no automatic retry until the account is connected again (or "import now").
* failing: anything else; retried with exponential backoff (``retry_at``), the cursor stays where it was.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.mail_import import texts
from kontor.mail_import.imports.models import ImportLogEntry, ImportState

STATES = ("never_synced", "importing", "healthy", "gap", "throttled", "needs_auth", "failing", "disabled")
FINISHED = ("healthy", "gap")
FAILURE_CODES = ("import.failed", "import.folder_missing")
BACKOFF_BASE = timedelta(seconds=60)
BACKOFF_CAP = timedelta(hours=6)
# An "importing" state older than this belongs to a worker that died (the advisory lock is gone with it).
LEASE = timedelta(minutes=30)


def now() -> datetime:
    return datetime.now(UTC)


async def state_of(session: AsyncSession, *, tenant_id: uuid.UUID, account_id: uuid.UUID,
                   lock: bool = False) -> ImportState:
    """The account's state row, created (never_synced) when missing."""
    await session.execute(insert(ImportState).values(tenant_id=tenant_id, account_id=account_id, folder_id="",
                                                     state="never_synced", version=1)
                          .on_conflict_do_nothing(index_elements=[ImportState.account_id]))
    query = select(ImportState).where(ImportState.account_id == account_id).execution_options(populate_existing=True)
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).one()


def _set(row: ImportState, state: str) -> None:
    assert state in STATES, state
    row.state = state
    row.version = (row.version or 0) + 1


def begin(row: ImportState, at: datetime) -> None:
    _set(row, "importing")
    row.last_attempt_at = at
    row.progress_done = 0


def finished(row: ImportState, at: datetime, *, gap: int) -> None:
    _set(row, "gap" if gap > 0 else "healthy")
    row.last_success_at = at
    row.retry_at = None
    row.last_error_code = ""


def throttled(row: ImportState, at: datetime, retry_after_s: float) -> None:
    _set(row, "throttled")
    row.retry_at = at + timedelta(seconds=max(retry_after_s, 1.0))
    row.last_error_code = "throttled"


def needs_auth(row: ImportState, code: str = "needs_auth") -> None:
    _set(row, "needs_auth")
    row.retry_at = None
    row.last_error_code = code[:64]


def failure_delay(failures: int) -> timedelta:
    """BACKOFF_BASE after the first failure in a row, doubling with each further one, at most BACKOFF_CAP."""
    return min(BACKOFF_BASE * (2 ** min(max(failures - 1, 0), 20)), BACKOFF_CAP)


async def failures_in_a_row(session: AsyncSession, row: ImportState) -> int:
    """Failed rounds since the last finished one, this one included (read from the import log, so the backoff
    needs no column of its own)."""
    query = select(func.count()).select_from(ImportLogEntry).where(
        ImportLogEntry.account_id == row.account_id, ImportLogEntry.code.in_(FAILURE_CODES))
    if row.last_success_at is not None:
        query = query.where(ImportLogEntry.at > row.last_success_at)
    return (await session.scalar(query) or 0) + 1


def failing(row: ImportState, at: datetime, code: str, failures: int = 1) -> timedelta:
    delay = failure_delay(failures)
    _set(row, "failing")
    row.retry_at = at + delay
    row.last_error_code = code[:64]
    return delay


def disabled(row: ImportState) -> None:
    _set(row, "disabled")
    row.retry_at = None


def reasons(row: ImportState, lang: str) -> list[str]:
    """Why the account is not healthy, readable, in ``lang`` (empty when healthy)."""
    if row.state == "healthy":
        return []
    if row.state == "gap":
        return [texts.text("import.gap", lang, count=row.gap)]
    if row.state == "throttled":
        return [texts.text("import.throttled", lang, retry_at=_when(row.retry_at))]
    if row.state == "needs_auth":
        return [texts.text("import.needs_auth", lang)]
    if row.state == "failing":
        return [texts.text("import.failed", lang, error=row.last_error_code or "-", retry_at=_when(row.retry_at))]
    return [texts.text(f"state.{row.state}", lang)]


def _when(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if at else "-"
