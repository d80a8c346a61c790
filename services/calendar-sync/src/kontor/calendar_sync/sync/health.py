"""Health per mailbox, the reconciliation check, and the actions a user takes (resync, resume).

``healthy`` is true only when the last run succeeded, the last reconciliation (every full round is one)
found both sides agreeing, and no push is overdue: a mailbox never checked, or one whose counts differ,
is not healthy, whatever else looks fine.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.db import Database

from kontor.calendar_sync.connectors.models import ConnectorSettings
from kontor.calendar_sync.providers.base import CalendarProvider
from kontor.calendar_sync.sync import engine, inbound, state
from kontor.calendar_sync.sync.models import PendingPush, SyncConflict, SyncLogEntry, SyncMapping

OVERDUE = timedelta(hours=1)


@dataclass
class Health:
    connector_id: uuid.UUID
    state: str
    healthy: bool
    reasons: list[str] = field(default_factory=list)
    last_success_at: datetime | None = None
    last_attempt_at: datetime | None = None
    retry_after: datetime | None = None
    pause_reason: str = ""
    last_error: str = ""
    crm_count: int = 0
    remote_count: int | None = None
    mismatch: dict | None = None
    reconciled_at: datetime | None = None
    pending_pushes: int = 0
    conflicts: int = 0
    last_counts: dict = field(default_factory=dict)


async def mailbox_health(session: AsyncSession, connector_id: uuid.UUID, *, now: datetime | None = None) -> Health:
    now = now or state.now()
    row = await state.mailbox_state(session, connector_id)
    pending, oldest = (await session.execute(select(func.count(), func.min(PendingPush.created_at)).where(
        PendingPush.connector_id == connector_id))).one()
    conflicts = await session.scalar(select(func.count()).select_from(SyncConflict).where(
        SyncConflict.connector_id == connector_id)) or 0
    crm_count = await session.scalar(select(func.count()).select_from(SyncMapping).where(
        SyncMapping.connector_id == connector_id, SyncMapping.state == "live")) or 0
    reasons = []
    if row.state != "idle":
        reasons.append(f"state {row.state}")
    if row.last_success_at is None:
        reasons.append("never synced")
    if row.mismatch is None:
        reasons.append("never reconciled")
    elif row.mismatch:
        reasons.append("counts differ: " + ", ".join(f"{k} {v}" for k, v in sorted(row.mismatch.items())))
    if oldest is not None and oldest < now - OVERDUE:
        reasons.append(f"{pending} pushes waiting, the oldest for more than {int(OVERDUE.total_seconds() // 60)} min")
    return Health(connector_id=connector_id, state=row.state, healthy=not reasons, reasons=reasons,
                  last_success_at=row.last_success_at, last_attempt_at=row.last_attempt_at,
                  retry_after=row.retry_after, pause_reason=row.pause_reason, last_error=row.last_error,
                  crm_count=crm_count, remote_count=row.remote_count, mismatch=row.mismatch,
                  reconciled_at=row.reconciled_at, pending_pushes=int(pending), conflicts=int(conflicts),
                  last_counts=dict(row.last_counts or {}))


async def reconcile(db: Database, provider: CalendarProvider, *, tenant_id: uuid.UUID, connector_id: uuid.UUID,
                    now: datetime | None = None) -> Health:
    """List the window afresh (read only, no links, no writes) and compare it with the mappings."""
    now = now or state.now()
    async with db.unit_of_work(tenant_id) as session:
        connector = await session.get(ConnectorSettings, connector_id)
    ctx = inbound.Context(connector=connector, window=engine.window_for(connector, now), now=now)
    result = await provider.delta(connector.mailbox, ctx.window, None, needs_links=False)
    listed = {e.remote_id for e in inbound.units(result)}
    async with db.unit_of_work(tenant_id) as session:
        live = set((await inbound.live_in_window(session, ctx)).keys())
        ended = set((await session.scalars(select(SyncMapping.remote_id).where(
            SyncMapping.connector_id == connector_id, SyncMapping.state != "live"))).all())
        row = await state.mailbox_state(session, connector_id, lock=True)
        mismatch = {"missing_in_crm": len(listed - live - ended), "missing_remote": len(live - listed)}
        row.mismatch = {k: v for k, v in mismatch.items() if v}
        row.remote_count, row.reconciled_at = len(listed), now
        if row.mismatch:
            state.log(session, connector_id, "mismatch", "reconciliation: " + ", ".join(
                f"{k} {v}" for k, v in sorted(row.mismatch.items())) + "; run a resync", level="error")
        return await mailbox_health(session, connector_id, now=now)


async def request_resync(session: AsyncSession, connector_id: uuid.UUID) -> None:
    """The next run starts a full round (reconciling, never duplicating); also lifts a pause."""
    row = await state.mailbox_state(session, connector_id, lock=True)
    row.resync_requested = True
    row.next_poll_at = None
    state.log(session, connector_id, "resync_requested", "a full resync was requested")


async def resume(session: AsyncSession, connector_id: uuid.UUID, *, accept_deletions: bool) -> None:
    """After a pause for a suspiciously empty window: resync (``accept_deletions`` applies the deletions)."""
    row = await state.mailbox_state(session, connector_id, lock=True)
    row.resync_requested = True
    row.accept_empty = accept_deletions
    row.next_poll_at = None
    state.log(session, connector_id, "resumed", "resumed by a user" + (", deletions accepted" if accept_deletions
                                                                        else ""))


async def sync_log(session: AsyncSession, connector_id: uuid.UUID, *, limit: int = 100) -> list[SyncLogEntry]:
    return list((await session.scalars(select(SyncLogEntry).where(SyncLogEntry.connector_id == connector_id)
                                       .order_by(SyncLogEntry.at.desc(), SyncLogEntry.id.desc()).limit(limit))).all())


async def recent_conflicts(session: AsyncSession, connector_id: uuid.UUID, *, limit: int = 100) -> list[SyncConflict]:
    return list((await session.scalars(select(SyncConflict).where(SyncConflict.connector_id == connector_id)
                                       .order_by(SyncConflict.detected_at.desc()).limit(limit))).all())
