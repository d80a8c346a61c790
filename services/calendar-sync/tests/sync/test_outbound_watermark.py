"""The outbound scan's watermark: later runs read only what changed, yet nothing that needs pushing is missed
(a window that moved, a mapping marked for another pass, an old appointment edited)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.sync.models import SyncMailbox, SyncMapping

from .conftest import soon
from .test_outbound import crm_create, crm_update, settings

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


async def _age(world, appointment_id) -> None:
    """As if the appointment had last changed long before the last scan (older than the watermark's margin)."""
    async with world.db.unit_of_work(world.tenant_id) as session:
        await session.execute(sa.update(Appointment).where(Appointment.id == appointment_id)
                              .values(updated_at=LONG_AGO))


async def _mailbox(world) -> SyncMailbox:
    async with world.db.unit_of_work(world.tenant_id) as session:
        return await session.get(SyncMailbox, world.connector_id)


def _subjects(world) -> set[str]:
    return {e["subject"] for e in world.outlook_events()}


async def test_an_unchanged_calendar_queues_nothing_and_an_old_appointment_edited_later_goes_out(world):
    await settings(world, direction="crm_to_groupware")
    made = await crm_create(world, subject="Jour fixe")
    assert (await world.sync()).outcome == "ok" and _subjects(world) == {"Jour fixe"}
    first = await _mailbox(world)
    assert first.outbound_watermark is not None and first.outbound_scope
    await _age(world, made.id)
    report = await world.sync()
    assert report.counts["queued"] == 0 and report.counts.get("pushed", 0) == 0
    assert (await _mailbox(world)).outbound_watermark > first.outbound_watermark
    await crm_update(world, made.id, subject="Jour fixe (verschoben)")  # stamps updated_at: after the watermark
    report = await world.sync()
    assert report.counts["queued"] == 1
    assert _subjects(world) == {"Jour fixe (verschoben)"}


async def test_an_appointment_the_window_reaches_later_is_pushed_though_it_did_not_change(world):
    await settings(world, direction="crm_to_groupware")
    later = await crm_create(world, subject="Messe", start=soon(100), end=soon(100) + timedelta(hours=2))
    assert (await world.sync()).outcome == "ok"
    assert _subjects(world) == set()  # outside the window (+90 days)
    await _age(world, later.id)
    assert (await world.sync()).counts["queued"] == 0
    # Fifteen days on, the window reaches it: a new scope, so the scan reads everything once.
    report = await world.sync(now=datetime.now(UTC) + timedelta(days=15))
    assert report.counts["queued"] == 1
    assert _subjects(world) == {"Messe"}


async def test_a_mapping_marked_for_another_pass_is_pushed_again(world):
    await settings(world, direction="crm_to_groupware")
    made = await crm_create(world, subject="Besuch")
    assert (await world.sync()).outcome == "ok"
    await _age(world, made.id)
    async with world.db.unit_of_work(world.tenant_id) as session:
        await session.execute(sa.update(SyncMapping).where(SyncMapping.appointment_id == made.id)
                              .values(crm_version=None))
    report = await world.sync()
    assert report.counts["queued"] == 1
    async with world.db.unit_of_work(world.tenant_id) as session:
        mapping = await session.scalar(sa.select(SyncMapping).where(SyncMapping.appointment_id == made.id))
    assert mapping.crm_version is not None  # in step again
