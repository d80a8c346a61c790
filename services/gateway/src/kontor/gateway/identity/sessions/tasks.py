"""Celery beat task: delete refresh-token families that ended more than the retention period ago."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from celery import Celery

from kontor.platform.db import Database

from kontor.gateway.identity.sessions import service
from kontor.gateway.settings import GatewaySettings

log = logging.getLogger(__name__)

TASK = "gateway.sessions.prune_refresh_tokens"
INTERVAL = timedelta(hours=1)


async def prune_all_tenants(db: Database, *, retention: timedelta, now: datetime | None = None) -> int:
    """One unit of work per tenant (row-level security scopes each); return the tokens deleted."""
    before = (now or datetime.now(UTC)) - retention
    async with db.unit_of_work(None) as session:
        tenant_ids = await service.session_tenants(session)
    deleted = 0
    for tenant_id in tenant_ids:
        async with db.unit_of_work(tenant_id) as session:
            deleted += await service.prune_dead_families(session, before=before)
    return deleted


def register(app: Celery, settings: GatewaySettings) -> None:
    @app.task(name=TASK)
    def prune_refresh_tokens() -> int:
        async def run() -> int:
            db = Database(settings.database_url.get_secret_value(), pool_size=1)
            try:
                return await prune_all_tenants(db, retention=timedelta(days=settings.refresh_token_retention_days))
            finally:
                await db.dispose()

        deleted = asyncio.run(run())
        log.info("pruned refresh tokens", extra={"deleted": deleted})
        return deleted

    app.conf.beat_schedule.setdefault(TASK, {"task": TASK, "schedule": INTERVAL})
