"""An event Outlook re-creates in the same mailbox under a new id (same iCalUId) stays the same appointment."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.sync.models import SyncMapping

from .conftest import outlook_event, soon


async def _appointments(world) -> list[Appointment]:
    async with world.db.unit_of_work(world.tenant_id) as session:
        return list((await session.scalars(sa.select(Appointment).order_by(Appointment.created_at))).all())


async def _mappings(world) -> dict[str, str]:
    async with world.db.unit_of_work(world.tenant_id) as session:
        rows = (await session.execute(sa.select(SyncMapping.remote_id, SyncMapping.state))).all()
    return dict(rows)


async def _set_policy(world, policy: str) -> None:
    async with world.db.unit_of_work(world.tenant_id) as session:
        await session.execute(sa.text("UPDATE connector_settings SET deletion_policy = :p WHERE id = :c"),
                              {"p": policy, "c": world.connector_id})


async def test_deleted_and_recreated_in_one_round_is_remapped_not_duplicated(world):
    uid = f"kontor-test-{uuid.uuid4()}"
    old = world.outlook_create({**outlook_event("Quarterly review", soon(3)), "iCalUId": uid})
    await world.sync()
    [appointment] = await _appointments(world)

    world.outlook_delete(old["id"])
    new = world.outlook_create({**outlook_event("Quarterly review (new room)", soon(3)), "iCalUId": uid})
    report = await world.sync()

    assert report.outcome == "ok" and report.counts["remapped"] == 1, report.counts
    assert report.counts.get("created", 0) == 0 and report.counts.get("deleted", 0) == 0
    [after] = await _appointments(world)
    assert after.id == appointment.id and after.deleted_at is None
    assert after.subject == "Quarterly review (new room)"  # what Outlook changed comes in as a change
    assert await _mappings(world) == {new["id"]: "live"}
    again = await world.sync()  # the re-mapped event is an ordinary mapped one now
    assert again.counts.get("created", 0) == 0 and again.counts.get("remapped", 0) == 0


async def test_recreated_after_an_unlink_is_remapped_to_the_living_appointment(world):
    await _set_policy(world, "unlink")
    uid = f"kontor-test-{uuid.uuid4()}"
    old = world.outlook_create({**outlook_event("Site visit", soon(5)), "iCalUId": uid})
    await world.sync()
    world.outlook_delete(old["id"])
    assert (await world.sync()).counts["unlinked"] == 1
    [appointment] = await _appointments(world)
    assert appointment.deleted_at is None  # unlink: the CRM keeps it

    new = world.outlook_create({**outlook_event("Site visit", soon(5)), "iCalUId": uid})
    report = await world.sync()
    assert report.counts["remapped"] == 1 and report.counts.get("created", 0) == 0, report.counts
    [after] = await _appointments(world)
    assert after.id == appointment.id
    assert await _mappings(world) == {old["id"]: "unlinked", new["id"]: "live"}  # the old id stays away


async def test_recreated_after_the_appointment_was_deleted_stays_deleted(world):
    uid = f"kontor-test-{uuid.uuid4()}"
    old = world.outlook_create({**outlook_event("Cancelled fair", soon(6)), "iCalUId": uid})
    await world.sync()
    world.outlook_delete(old["id"])
    assert (await world.sync()).counts["deleted"] == 1  # delete_other_side: the CRM appointment went too

    new = world.outlook_create({**outlook_event("Cancelled fair", soon(6)), "iCalUId": uid})
    report = await world.sync()
    assert report.counts["tombstoned"] == 1 and report.counts.get("remapped", 0) == 0, report.counts
    assert [a.deleted_at is not None for a in await _appointments(world)] == [True]
    assert await _mappings(world) == {old["id"]: "deleted", new["id"]: "deleted"}
