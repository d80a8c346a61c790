"""Celery beat polls due mailboxes, staggered; the run goes through the engine."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from kontor.platform.secrets_box import SecretBox, generate_key

from kontor.calendar_sync.connectors.models import ConnectorTenant
from kontor.calendar_sync.settings import CalendarSyncSettings
from kontor.calendar_sync.sync import scheduler, state
from kontor.calendar_sync.sync.models import SyncMailbox
from kontor.calendar_sync.sync.tasks import TASK
from kontor.calendar_sync.tasks import celery_app

from .conftest import outlook_event, soon


def test_stagger_spreads_mailboxes_over_the_interval():
    import uuid  # noqa: PLC0415

    interval = timedelta(minutes=5)
    offsets = {state.stagger(uuid.uuid4(), interval) for _ in range(50)}
    assert all(timedelta(0) <= o < interval for o in offsets) and len(offsets) > 20


def test_beat_schedules_the_poll():
    settings = CalendarSyncSettings(database_url="postgresql+asyncpg://u:p@localhost/db", nats_url="nats://x",
                                    contacts_addr="c:1", secret_keys=generate_key(), jwks_url="https://gw/jwks")
    app = celery_app(settings)
    assert TASK in app.tasks
    assert app.conf.beat_schedule[TASK]["schedule"] == timedelta(seconds=settings.sync_tick_s)


async def test_run_due_syncs_a_due_mailbox_once_its_slot_comes(world):
    world.outlook_create(outlook_event("via beat", soon(1)))
    async with world.db.unit_of_work(None) as session:
        await session.execute(sa.insert(ConnectorTenant).values(tenant_id=world.tenant_id))

    async def factory(server, box):
        return world.provider()

    box = SecretBox([os.urandom(32)])  # no credential row here: the factory gives the provider
    now = datetime.now(UTC)
    interval = timedelta(minutes=5)
    first = await scheduler.run_due(world.db, box, now=now, interval=interval, factory=factory)
    async with world.db.unit_of_work(world.tenant_id) as session:
        slot = (await session.get(SyncMailbox, world.connector_id)).next_poll_at
    assert now <= slot < now + interval
    later = await scheduler.run_due(world.db, box, now=slot + timedelta(seconds=1), interval=interval,
                                    factory=factory)
    assert first.get("ok", 0) + later.get("ok", 0) == 1, (first, later)  # slot 0 runs at once
    async with world.db.unit_of_work(world.tenant_id) as session:
        row = await session.get(SyncMailbox, world.connector_id)
    assert row.state == "idle" and row.next_poll_at >= slot + interval
