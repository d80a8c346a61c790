""""Sync now": a run on demand marks the mailbox due, never hammers a throttled mailbox, and gives way to a
run in progress (the REST/gRPC route is tested through the gateway in tests/integration)."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from kontor.platform.secrets_box import SecretBox, generate_key

from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.settings import CalendarSyncSettings
from kontor.calendar_sync.sync import now as sync_now
from kontor.calendar_sync.sync import state
from kontor.calendar_sync.sync.models import SyncMailbox, SyncMapping
from kontor.calendar_sync.sync.tasks import SYNC_CONNECTOR_NOW
from kontor.calendar_sync.tasks import celery_app

from .conftest import outlook_event, soon

BOX = SecretBox([os.urandom(32)])  # the world's server has no credential row: the factory gives the provider


def _factory(world):
    async def factory(server, box):
        return world.provider()
    return factory


async def _set_state(world, **fields) -> None:
    async with world.db.unit_of_work(world.tenant_id) as session:
        row = await state.mailbox_state(session, world.connector_id, lock=True)
        for name, value in fields.items():
            setattr(row, name, value)


async def _row(world) -> SyncMailbox:
    async with world.db.unit_of_work(world.tenant_id) as session:
        return await session.get(SyncMailbox, world.connector_id)


async def test_a_run_now_syncs_the_mailbox_and_schedules_the_next_poll(world):
    world.outlook_create(outlook_event("asked for", soon(1)))
    now = datetime.now(UTC)
    outcome = await sync_now.run_connector(world.db, BOX, tenant_id=world.tenant_id, connector_id=world.connector_id,
                                           factory=_factory(world), now=now, interval=timedelta(minutes=5))
    assert outcome == sync_now.NowOutcome("ok")
    row = await _row(world)
    assert row.state == "idle" and row.last_attempt_at == now and row.next_poll_at == now + timedelta(minutes=5)
    async with world.db.unit_of_work(world.tenant_id) as session:
        assert (await session.get(Appointment, (await _mapped(world))[0])) is not None


async def _mapped(world) -> list[uuid.UUID]:
    async with world.db.unit_of_work(world.tenant_id) as session:
        return list((await session.scalars(select(SyncMapping.appointment_id).where(
            SyncMapping.connector_id == world.connector_id))).all())


async def test_requesting_a_run_marks_the_mailbox_due_unless_it_is_throttled(world):
    now = datetime.now(UTC)
    await _set_state(world, next_poll_at=now + timedelta(minutes=4))
    async with world.db.unit_of_work(world.tenant_id) as session:
        assert await sync_now.request_run(session, world.connector_id, now=now) == 0.0
    assert (await _row(world)).next_poll_at is None  # due at beat's next tick, should the task be lost

    retry_after = now + timedelta(seconds=40)
    await _set_state(world, state="throttled", retry_after=retry_after, next_poll_at=retry_after)
    async with world.db.unit_of_work(world.tenant_id) as session:
        wait = await sync_now.request_run(session, world.connector_id, now=now)
    assert wait == 40.0
    assert (await _row(world)).next_poll_at == retry_after  # the groupware's Retry-After stands


async def test_a_throttled_mailbox_is_deferred_and_a_busy_one_retried_later(world):
    world.outlook_create(outlook_event("not yet", soon(1)))
    now = datetime.now(UTC)
    await _set_state(world, state="throttled", retry_after=now + timedelta(seconds=30))
    deferred = await sync_now.run_connector(world.db, BOX, tenant_id=world.tenant_id,
                                            connector_id=world.connector_id, factory=_factory(world), now=now)
    assert deferred.outcome == "deferred" and deferred.retry_in_s == 30.0
    assert await _mapped(world) == []  # nothing was asked of the groupware

    await _set_state(world, state="syncing", updated_at=now)  # another worker's run
    busy = await sync_now.run_connector(world.db, BOX, tenant_id=world.tenant_id, connector_id=world.connector_id,
                                        factory=_factory(world), now=now + timedelta(seconds=31))
    assert busy.outcome == "busy" and busy.retry_in_s > 0
    assert await _mapped(world) == []


async def test_an_unknown_or_disabled_connector_is_skipped(world):
    outcome = await sync_now.run_connector(world.db, BOX, tenant_id=world.tenant_id, connector_id=uuid.uuid4(),
                                           factory=_factory(world))
    assert outcome.outcome == "skipped"


async def test_the_trigger_reports_an_unreachable_broker_instead_of_raising():
    trigger = sync_now.SyncTrigger("redis://127.0.0.1:1/0")
    assert await trigger.request(uuid.uuid4(), uuid.uuid4()) is False


def test_the_task_is_registered_under_its_name():
    settings = CalendarSyncSettings(database_url="postgresql+asyncpg://u:p@localhost/db", nats_url="nats://x",
                                    contacts_addr="c:1", secret_keys=generate_key(), jwks_url="https://gw/jwks")
    assert SYNC_CONNECTOR_NOW == "calendar-sync.sync.sync_connector_now"
    assert SYNC_CONNECTOR_NOW in celery_app(settings).tasks
