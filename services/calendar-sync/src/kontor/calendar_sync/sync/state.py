"""The mailbox state machine and the sync log.

    idle ──run──▶ syncing ──ok──▶ idle
                     │──Throttled──────▶ throttled  (retry_after; pending work stays persisted)
                     │──NeedsReauth────▶ needs_auth (event once; resumes from the stored cursor when fixed)
                     │──suspect empty──▶ paused     (nothing deleted; a resync or resume decides)
                     └──other error────▶ failed     (backoff; the next run retries)

Log lines carry codes, ids and counts: never a subject, body, location or attendee.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.calendar_sync.sync.models import SyncLogEntry, SyncMailbox

FAILURE_BACKOFF_CAP = timedelta(hours=1)


def now() -> datetime:
    return datetime.now(UTC)


async def mailbox_state(session: AsyncSession, connector_id: uuid.UUID, *, lock: bool = False) -> SyncMailbox:
    """The state row of a connector, created on first use."""
    query = select(SyncMailbox).where(SyncMailbox.connector_id == connector_id)
    row = await session.scalar(query.with_for_update() if lock else query)
    if row is None:
        row = SyncMailbox(connector_id=connector_id, state="idle", last_counts={}, version=1)
        session.add(row)
        await session.flush()
    return row


def transition(row: SyncMailbox, state: str, *, at: datetime | None = None) -> None:
    row.state = state
    row.version += 1
    row.updated_at = at or now()


def log(session: AsyncSession, connector_id: uuid.UUID, code: str, message: str, *, level: str = "info",
        appointment_id: uuid.UUID | None = None) -> None:
    session.add(SyncLogEntry(connector_id=connector_id, level=level, code=code, message=message[:500],
                             appointment_id=appointment_id))


def failure_delay(failures: int, base: timedelta) -> timedelta:
    """Exponential backoff with jitter for failed runs."""
    seconds = min(base.total_seconds() * (2 ** max(failures - 1, 0)), FAILURE_BACKOFF_CAP.total_seconds())
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not crypto


def stagger(connector_id: uuid.UUID, interval: timedelta) -> timedelta:
    """A stable offset inside the poll interval, so mailboxes do not all poll at once."""
    return timedelta(seconds=connector_id.int % max(int(interval.total_seconds()), 1))
