"""Celery beat task: emit substitution started/ended at the window boundaries, for every tenant."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from celery import Celery
from sqlalchemy import select

from kontor.platform.db import Database

from kontor.contacts.identity.models import Tenant
from kontor.contacts.substitution.service import emit_due_events

TASK = "contacts.substitution.emit_due_events"
# Events lag a boundary by at most this much; visibility itself never lags (it reads the window).
INTERVAL = timedelta(minutes=1)


async def emit_for_all_tenants(db: Database, *, now: datetime | None = None) -> dict[str, int]:
    """One unit of work per tenant (row-level security scopes each); the tenants table is global."""
    now = now or datetime.now(UTC)
    async with db.unit_of_work(None) as session:
        tenant_ids = (await session.scalars(select(Tenant.id))).all()
    totals = {"started": 0, "ended": 0}
    for tenant_id in tenant_ids:
        async with db.unit_of_work(tenant_id) as session:
            started, ended = await emit_due_events(session, now=now)
        totals["started"] += started
        totals["ended"] += ended
    return totals


def register(app: Celery, database_url: str) -> None:
    @app.task(name=TASK)
    def emit_due_substitution_events() -> dict[str, int]:
        async def run() -> dict[str, int]:
            db = Database(database_url, pool_size=1)
            try:
                return await emit_for_all_tenants(db)
            finally:
                await db.dispose()

        return asyncio.run(run())

    app.conf.beat_schedule.setdefault(TASK, {"task": TASK, "schedule": INTERVAL})
