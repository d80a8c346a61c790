"""Celery tasks of the sync engine.

* beat: poll due mailboxes every ``sync_tick_s``; each mailbox every ``sync_poll_interval_s``, staggered;
* ``sync_connector_now``: one mailbox now ("sync now", change notifications). Queue it through
  :class:`kontor.calendar_sync.sync.now.SyncTrigger`.

Both run each mailbox's round as its owner (``sync/as_owner.py``, tokens from the gateway: ``delegation.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

from celery import Celery

from kontor.platform import grpc_client
from kontor.platform.db import Database
from kontor.platform.delegation import DelegatedTokens, TokenCache
from kontor.platform.groupware.graph.shared_limits import redis_limits
from kontor.platform.secrets_box import box_from_settings

from kontor.calendar_sync.sync import now
from kontor.calendar_sync.sync.as_owner import CLIENT, OwnerRounds
from kontor.calendar_sync.sync.scheduler import run_due

log = logging.getLogger(__name__)

TASK = "calendar-sync.sync.poll_mailboxes"
SYNC_CONNECTOR_NOW = now.TASK  # args: tenant id, connector id (strings)
# A mailbox that stays busy or throttled this often is left to beat (it is marked due).
MAX_NOW_RETRIES = 30


@contextlib.asynccontextmanager
async def owner_rounds(db: Database, settings, cache: TokenCache | None) -> AsyncIterator[OwnerRounds | None]:
    """Rounds as their mailbox's owner for one task's event loop (gRPC channels belong to one loop)."""
    if cache is None:
        yield OwnerRounds(db, None, None)
        return
    gateway = grpc_client.channel(settings.gateway_addr, default_timeout_s=settings.upstream_timeout_s)
    contacts = grpc_client.channel(settings.contacts_addr, default_timeout_s=settings.upstream_timeout_s)
    try:
        tokens = DelegatedTokens(gateway, client=CLIENT, secret=settings.service_secret.get_secret_value(),
                                 cache=cache)
        yield OwnerRounds(db, tokens, contacts)
    finally:
        await gateway.close()
        await contacts.close()


def token_cache(settings) -> TokenCache | None:
    """The worker's delegated-token cache; None (and a warning, once) when background identity is not set up."""
    if settings.gateway_addr and settings.service_secret.get_secret_value():
        return TokenCache()
    log.warning("background identity not configured (KONTOR_CALENDAR_SYNC_GATEWAY_ADDR, "
                "KONTOR_CALENDAR_SYNC_SERVICE_SECRET): scheduled rounds resolve attendees by connector mailboxes only")
    return None


def register(app: Celery, settings) -> None:
    box = box_from_settings(settings)
    cache = token_cache(settings)  # outlives the tasks' event loops: tokens are reused until shortly before expiry
    interval = timedelta(seconds=settings.sync_poll_interval_s)
    tick = timedelta(seconds=settings.sync_tick_s)

    @app.task(name=TASK)
    def poll_mailboxes() -> dict[str, int]:
        async def run() -> dict[str, int]:
            db = Database(settings.database_url.get_secret_value(), pool_size=2)
            try:
                async with (redis_limits(settings.redis_url.get_secret_value()) as limits,  # shared by all workers
                            owner_rounds(db, settings, cache) as owners):
                    return await run_due(db, box, interval=interval, limits=limits, owners=owners)
            finally:
                await db.dispose()

        return asyncio.run(run())

    @app.task(name=SYNC_CONNECTOR_NOW, bind=True, max_retries=MAX_NOW_RETRIES)
    def sync_connector_now(self, tenant_id: str, connector_id: str) -> str:
        async def run() -> now.NowOutcome:
            db = Database(settings.database_url.get_secret_value(), pool_size=2)
            try:
                async with (redis_limits(settings.redis_url.get_secret_value()) as limits,
                            owner_rounds(db, settings, cache) as owners):
                    return await now.run_connector(db, box, tenant_id=uuid.UUID(tenant_id),
                                                   connector_id=uuid.UUID(connector_id), interval=interval,
                                                   limits=limits, owners=owners)
            finally:
                await db.dispose()

        result = asyncio.run(run())
        if result.outcome in ("busy", "deferred") and self.request.retries < MAX_NOW_RETRIES:
            # Another run holds the mailbox, or the groupware asked us to wait: come back, don't drop it.
            raise self.retry(countdown=max(result.retry_in_s, 1.0))
        return result.outcome

    # expires: a tick that waited longer than one tick in the queue is dropped; the next one covers it.
    app.conf.beat_schedule.setdefault(TASK, {"task": TASK, "schedule": tick,
                                             "options": {"expires": tick.total_seconds()}})
