"""One sync run of one mailbox: inbound delta round, then outbound pushes, with the state machine around it.

Network calls run outside transactions. A run that dies midway loses nothing: the cursor is stored only
together with the round's changes (so the round repeats, and matching makes the repeat harmless), and
pushes stay in ``sync_pending_pushes`` until their result is stored (creates repeat with the same
``transactionId``).
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from kontor.platform.db import Database

from kontor.calendar_sync.connectors import service as connectors
from kontor.calendar_sync.connectors.models import ConnectorSettings
from kontor.calendar_sync.providers.base import (
    CalendarProvider, CursorExpired, NeedsReauthorisation, RemoteEvent, Throttled, TimeWindow,
)
from kontor.calendar_sync.sync import batch, inbound, outbound, state
from kontor.calendar_sync.sync.inbound import Context
from kontor.calendar_sync.sync.models import SyncMapping

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=15)  # a "syncing" state older than this belongs to a worker that died
DEFAULT_INTERVAL = timedelta(minutes=5)


def window_for(connector: ConnectorSettings, now: datetime) -> TimeWindow:
    """The connector's window at day granularity, so the cursor's window changes once a day."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return TimeWindow(today - timedelta(days=connector.window_past_days),
                      today + timedelta(days=connector.window_future_days + 1))


@dataclass
class RunReport:
    state: str
    outcome: str = "ok"  # ok | skipped | busy | paused | throttled | needs_auth | failed
    counts: Counter = field(default_factory=Counter)
    full: bool = False
    cursor_expired: bool = False
    requests: int = 0


async def sync_mailbox(db: Database, provider: CalendarProvider, *, tenant_id: uuid.UUID, connector_id: uuid.UUID,
                       now: datetime | None = None, interval: timedelta = DEFAULT_INTERVAL) -> RunReport:
    now = now or state.now()
    async with db.unit_of_work(tenant_id) as session:
        connector = await session.get(ConnectorSettings, connector_id)
        if connector is None or not connector.enabled:
            return RunReport(state="idle", outcome="skipped")
        row = await state.mailbox_state(session, connector_id, lock=True)
        if row.state == "syncing" and row.updated_at > now - LEASE:
            return RunReport(state=row.state, outcome="busy")
        if row.state == "needs_auth" and connector.needs_reauthorisation:
            return RunReport(state=row.state, outcome="needs_auth")
        if row.state == "paused" and not (row.resync_requested or row.accept_empty):
            return RunReport(state=row.state, outcome="paused")
        window = window_for(connector, now)
        same_window = (row.cursor_window_start, row.cursor_window_end) == (window.start, window.end)
        cursor = row.delta_cursor if same_window and not row.resync_requested else None
        accept_empty = row.accept_empty
        mapped = set((await session.scalars(select(SyncMapping.remote_id).where(
            SyncMapping.connector_id == connector_id, SyncMapping.remote_id.is_not(None)))).all())
        state.transition(row, "syncing", at=now)
        row.last_attempt_at = now
    ctx = Context(connector=connector, window=window, now=now)
    report = RunReport(state="syncing")
    try:
        if ctx.outbound:  # CRM changes are persisted as pending pushes before any network call
            async with db.unit_of_work(tenant_id) as session:
                report.counts["queued"] += await outbound.find_changes(session, ctx)
        if ctx.inbound:
            await _inbound(db, provider, ctx, cursor, mapped, accept_empty, report)
        if report.outcome == "paused":
            return report
        if ctx.outbound:
            report.counts.update(await outbound.push_all(db, provider, ctx))
    except Throttled as exc:
        return await _finish(db, ctx, report, "throttled", retry=timedelta(seconds=exc.retry_after),
                             code=f"throttled:{exc.code or exc.status or ''}")
    except NeedsReauthorisation as exc:
        return await _needs_auth(db, ctx, report, exc)
    except Exception as exc:  # noqa: BLE001 - recorded as the mailbox's failure, retried with backoff
        log.warning("sync run failed", extra={"connector_id": str(connector_id), "error": type(exc).__name__})
        return await _finish(db, ctx, report, "failed", code=type(exc).__name__, interval=interval)
    return await _finish(db, ctx, report, "idle", interval=interval)


async def _needs_auth(db: Database, ctx: Context, report: RunReport, exc: NeedsReauthorisation) -> RunReport:
    async with db.unit_of_work(ctx.connector.tenant_id) as session:
        await connectors.mark_needs_reauthorisation(session, connector_id=ctx.connector.id,
                                                    reason=(exc.code or "invalid_credentials")[:64])
    return await _finish(db, ctx, report, "needs_auth", code=f"needs_auth:{exc.code or ''}")


async def cannot_sign_in(db: Database, *, tenant_id: uuid.UUID, connector_id: uuid.UUID,
                         exc: NeedsReauthorisation, now: datetime | None = None) -> RunReport:
    """No provider client could be made (the server has no credentials, or they were refused): the same
    needs_auth path as a run that met a refusal, so the user hears of it and the stored cursor stays."""
    now = now or state.now()
    async with db.unit_of_work(tenant_id) as session:
        connector = await session.get(ConnectorSettings, connector_id)
        if connector is None:
            return RunReport(state="idle", outcome="skipped")
    ctx = Context(connector=connector, window=window_for(connector, now), now=now)
    return await _needs_auth(db, ctx, RunReport(state="needs_auth"), exc)


async def _inbound(db: Database, provider: CalendarProvider, ctx: Context, cursor: str | None, mapped: set[str],
                   accept_empty: bool, report: RunReport) -> None:
    mailbox = ctx.connector.mailbox
    try:
        result = await provider.delta(mailbox, ctx.window, cursor, needs_links=lambda e: e.remote_id not in mapped,
                                      restart_on_expiry=True)
    except CursorExpired:  # a provider without restart_on_expiry support: start over ourselves
        result = await provider.delta(mailbox, ctx.window, None, needs_links=lambda e: e.remote_id not in mapped)
        result.cursor_expired = True
    report.full, report.cursor_expired, report.requests = result.full, result.cursor_expired, result.requests
    async with db.unit_of_work(ctx.connector.tenant_id) as session:
        held = await batch.held_for(session, ctx, result)
    candidates = inbound.gone_candidates(result, held)
    confirmed: dict[str, RemoteEvent | None] = {}
    if candidates:
        confirmed = await provider.confirm_removals(mailbox, candidates)
    async with db.unit_of_work(ctx.connector.tenant_id) as session:
        outcome = await inbound.apply(session, ctx, result, confirmed, accept_empty=accept_empty)
        row = await state.mailbox_state(session, ctx.connector.id, lock=True)
        report.counts.update(outcome.counts)
        if outcome.paused:
            state.transition(row, "paused", at=ctx.now)
            row.pause_reason, row.last_counts = outcome.paused, dict(report.counts)
            report.state, report.outcome = "paused", "paused"
            return
        row.delta_cursor = result.cursor
        row.cursor_window_start, row.cursor_window_end = ctx.window.start, ctx.window.end
        row.resync_requested = row.accept_empty = False
        if result.cursor_expired:
            state.log(session, ctx.connector.id, "resync", "the groupware's change cursor expired; a full "
                      "reconciliation ran (nothing duplicated, nothing sent)")
        if result.full:  # a full round lists everything in the window: reconcile the counts for free
            live = await batch.live_ids_in_window(session, ctx)
            row.remote_count = len(outcome.listed)
            row.mismatch = {"missing_in_crm": len(outcome.listed - live - await _tombstoned(session, ctx)),
                            "missing_remote": len(live - outcome.listed)}
            row.mismatch = {k: v for k, v in row.mismatch.items() if v}
            row.reconciled_at = ctx.now
    await batch.refresh_statistics(db, ctx.connector.tenant_id, sum(outcome.counts.values()))


async def _tombstoned(session, ctx: Context) -> set[str]:
    return set((await session.scalars(select(SyncMapping.remote_id).where(
        SyncMapping.connector_id == ctx.connector.id, SyncMapping.state != "live",
        SyncMapping.remote_id.is_not(None)))).all())


async def _finish(db: Database, ctx: Context, report: RunReport, final: str, *, retry: timedelta | None = None,
                  code: str = "", interval: timedelta = DEFAULT_INTERVAL) -> RunReport:
    async with db.unit_of_work(ctx.connector.tenant_id) as session:
        row = await state.mailbox_state(session, ctx.connector.id, lock=True)
        state.transition(row, final, at=ctx.now)
        row.last_counts = dict(report.counts)
        row.crm_count = await session.scalar(select(func.count()).select_from(SyncMapping).where(
            SyncMapping.connector_id == ctx.connector.id, SyncMapping.state == "live")) or 0
        row.last_error = code[:64]
        if final == "idle":
            row.last_success_at, row.consecutive_failures, row.retry_after = ctx.now, 0, None
            row.next_poll_at = ctx.now + interval
            changed = {k: v for k, v in report.counts.items() if k not in ("unchanged",) and v}
            if changed:
                state.log(session, ctx.connector.id, "synced", ", ".join(f"{k} {v}" for k, v in sorted(changed.items())))
        elif final == "throttled":
            row.retry_after = row.next_poll_at = ctx.now + (retry or timedelta(seconds=60))
            state.log(session, ctx.connector.id, "throttled", f"the groupware asked to wait "
                      f"{int((retry or timedelta()).total_seconds())} s; pending work is kept", level="warning")
        elif final == "needs_auth":
            state.log(session, ctx.connector.id, "needs_auth", "the groupware refused our credentials; an admin "
                      "must renew the app secret or consent. Sync resumes where it stopped", level="error")
        elif final == "failed":
            row.consecutive_failures += 1
            row.retry_after = row.next_poll_at = ctx.now + state.failure_delay(row.consecutive_failures,
                                                                               timedelta(seconds=30))
            state.log(session, ctx.connector.id, "failed", f"sync failed ({code}); retried automatically",
                      level="error")
    report.state = final
    report.outcome = "ok" if final == "idle" else final
    return report
