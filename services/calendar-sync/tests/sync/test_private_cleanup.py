"""The optional job that deletes past private appointments: off by default, CRM only, never in the groupware,
and what it deleted does not come back with the next sync (nor a full one)."""

from __future__ import annotations

import sqlalchemy as sa

from kontor.platform.secrets_box import generate_key

from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.connectors.models import ConnectorSettings, ConnectorTenant
from kontor.calendar_sync.settings import CalendarSyncSettings
from kontor.calendar_sync.sync import cleanup_tasks, privacy_cleanup
from kontor.calendar_sync.sync.models import SyncLogEntry, SyncMapping
from kontor.calendar_sync.tasks import celery_app

from .conftest import outlook_event, soon


async def _alive(world) -> dict[bool, list[Appointment]]:
    async with world.db.unit_of_work(world.tenant_id) as session:
        rows = (await session.scalars(sa.select(Appointment).order_by(Appointment.starts_at))).all()
    return {True: [a for a in rows if a.deleted_at is None], False: [a for a in rows if a.deleted_at is not None]}


async def test_past_private_appointments_go_from_the_crm_only(world):
    async with world.db.unit_of_work(None) as session:
        await session.execute(sa.insert(ConnectorTenant).values(tenant_id=world.tenant_id))
    past_private = world.outlook_create(outlook_event("Zahnarzt", soon(-3), sensitivity="private"))
    world.outlook_create(outlook_event("Physio", soon(2), sensitivity="private"))  # not past yet
    world.outlook_create(outlook_event("Kundentermin", soon(-3)))  # past, not private
    await world.sync()
    assert len((await _alive(world))[True]) == 3

    assert await privacy_cleanup.run(world.db) == 0  # off by default
    async with world.db.unit_of_work(world.tenant_id) as session:
        (await session.get(ConnectorSettings, world.connector_id)).delete_private_after_days = 1
    assert await privacy_cleanup.run(world.db) == 1
    assert await privacy_cleanup.run(world.db) == 0  # idempotent

    alive = await _alive(world)
    assert [a.private for a in alive[True]] == [False, True]  # the customer meeting and the future one stay
    [gone] = alive[False]
    assert gone.private and gone.starts_at == soon(-3)
    async with world.db.unit_of_work(world.tenant_id) as session:
        states = dict((await session.execute(sa.select(SyncMapping.remote_id, SyncMapping.state))).all())
        codes = (await session.scalars(sa.select(SyncLogEntry.code))).all()
    assert states[past_private["id"]] == "deleted" and sorted(states.values()).count("live") == 2
    assert "private_cleanup" in codes

    # The groupware keeps its copy, whatever the deletion policy (delete_other_side here), and it stays out of
    # the CRM: after an incremental round, and after a full one.
    report = await world.sync()
    assert report.outcome == "ok" and report.counts.get("deleted", 0) == 0
    world.expire_delta()
    report = await world.sync()
    assert report.cursor_expired and report.counts.get("created", 0) == 0
    assert any(e["id"] == past_private["id"] for e in world.outlook_events())
    assert len(world.outlook_events()) == 3 and world.sent() == []
    assert len((await _alive(world))[True]) == 2


def test_beat_runs_the_cleanup_daily():
    settings = CalendarSyncSettings(database_url="postgresql+asyncpg://u:p@localhost/db", nats_url="nats://x",
                                    contacts_addr="c:1", secret_keys=generate_key(), jwks_url="https://gw/jwks")
    app = celery_app(settings)
    assert cleanup_tasks.TASK in app.tasks
    assert app.conf.beat_schedule[cleanup_tasks.TASK]["schedule"] == cleanup_tasks.INTERVAL
