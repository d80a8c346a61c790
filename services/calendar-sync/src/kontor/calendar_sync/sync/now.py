""""Sync now": one mailbox's run on demand, outside its poll slot.

A user's "sync now" (and, later, a Graph change notification) calls :func:`request_run`: it marks the
mailbox due (``next_poll_at`` cleared, so beat runs it at its next tick even if the queued task is lost)
and :class:`SyncTrigger` queues the Celery task ``calendar-sync.sync.sync_connector_now``
(``sync/tasks.py``), which runs :func:`run_connector`.

What a run on demand may not do is hammer a throttled mailbox: while the groupware's ``Retry-After`` has not
passed it does not run, it answers ``deferred`` with the seconds left, and the task comes back then. A run
already in progress (``busy``) is not an error either: the task comes back shortly, so a change made during
that run is still picked up.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.db import Database
from kontor.platform.groupware.errors import NeedsReauthorisation
from kontor.platform.groupware.graph.shared_limits import RedisLimits
from kontor.platform.secrets_box import SecretBox

from kontor.calendar_sync.connectors.models import ConnectorSettings
from kontor.calendar_sync.sync import engine, scheduler, state
from kontor.calendar_sync.sync.as_owner import OwnerRounds

log = logging.getLogger(__name__)

TASK = "calendar-sync.sync.sync_connector_now"
BUSY_RETRY_S = 5.0  # a run in progress: look again this much later


@dataclass(frozen=True)
class NowOutcome:
    outcome: str  # ok | skipped | busy | deferred | paused | throttled | needs_auth | failed | error
    retry_in_s: float = 0.0  # busy / deferred: when to come back


def throttled_for(row, now: datetime) -> float:
    """Seconds a throttled mailbox must still wait (0 when it may run)."""
    if row.state == "throttled" and row.retry_after is not None and row.retry_after > now:
        return (row.retry_after - now).total_seconds()
    return 0.0


async def request_run(session: AsyncSession, connector_id: uuid.UUID, *, now: datetime | None = None) -> float:
    """Mark the mailbox due now (beat's fallback); return the seconds to wait before running it (throttled)."""
    now = now or state.now()
    row = await state.mailbox_state(session, connector_id, lock=True)
    wait = throttled_for(row, now)
    if not wait:
        row.next_poll_at = None  # due at the next tick; a throttled one stays due at its retry_after
    return wait


async def run_connector(db: Database, box: SecretBox, *, tenant_id: uuid.UUID, connector_id: uuid.UUID,
                        interval: timedelta = engine.DEFAULT_INTERVAL, factory: scheduler.ProviderFactory | None = None,
                        now: datetime | None = None, limits: RedisLimits | None = None,
                        owners: OwnerRounds | None = None) -> NowOutcome:
    """One run of one mailbox now, unless it is throttled (``deferred``) or already running (``busy``)."""
    now = now or state.now()
    async with db.unit_of_work(tenant_id) as session:
        server_id = await session.scalar(select(ConnectorSettings.server_id).where(
            ConnectorSettings.id == connector_id, ConnectorSettings.enabled))
        if server_id is None:
            return NowOutcome("skipped")  # gone, disabled, or another tenant's id
        wait = throttled_for(await state.mailbox_state(session, connector_id), now)
    if wait:
        return NowOutcome("deferred", retry_in_s=wait)
    try:
        provider = await scheduler._provider(db, box, tenant_id, server_id, factory,  # noqa: SLF001 - same package
                                             limits=limits)  # shared with every worker (Redis), like beat's
    except NeedsReauthorisation as exc:  # no credentials: needs_auth (user told), like a beat run
        report = await engine.cannot_sign_in(db, tenant_id=tenant_id, connector_id=connector_id, exc=exc, now=now)
        return NowOutcome(report.outcome)
    except Exception as exc:  # noqa: BLE001 - e.g. credentials that do not open; beat retries like any mailbox
        log.warning("sync run could not start", extra={"connector_id": str(connector_id),
                                                       "error": type(exc).__name__})
        return NowOutcome("error")
    try:
        async with scheduler.owner_round(owners, tenant_id=tenant_id, connector_id=connector_id):
            report = await engine.sync_mailbox(db, provider, tenant_id=tenant_id, connector_id=connector_id,
                                               now=now, interval=interval)
    finally:
        close = getattr(provider, "aclose", None)
        if close is not None:
            await close()
    if report.outcome == "busy":
        return NowOutcome("busy", retry_in_s=BUSY_RETRY_S)
    return NowOutcome(report.outcome)


class SyncTrigger:
    """Queues ``TASK`` on calendar-sync's Celery queue from the gRPC server (a Redis publish, off the loop)."""

    def __init__(self, broker_url: str, queue: str = "calendar-sync") -> None:
        self._broker_url, self._queue = broker_url, queue
        self._app = None

    def _celery(self):
        if self._app is None:
            from celery import Celery  # noqa: PLC0415 - only processes that trigger runs need it

            self._app = Celery("calendar-sync-trigger", broker=self._broker_url)
            self._app.conf.update(task_ignore_result=True, broker_connection_retry_on_startup=True)
        return self._app

    def _send(self, tenant_id: uuid.UUID, connector_id: uuid.UUID, countdown: float) -> None:
        self._celery().send_task(TASK, args=[str(tenant_id), str(connector_id)], queue=self._queue,
                                 countdown=countdown or None)

    async def request(self, tenant_id: uuid.UUID, connector_id: uuid.UUID, *, countdown: float = 0.0) -> bool:
        """Queue a run; False when the broker is unreachable (the mailbox is still due for beat)."""
        try:
            await asyncio.to_thread(self._send, tenant_id, connector_id, countdown)
            return True
        except Exception as exc:  # noqa: BLE001 - the due mark in the database is the fallback
            log.warning("could not queue a sync run", extra={"connector_id": str(connector_id),
                                                            "error": type(exc).__name__})
            return False
