"""CRM → groupware against the Graph emulator and PostgreSQL: idempotent creates, If-Match, conflicts, deletes."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa

from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.connectors.models import ConnectorSettings
from kontor.calendar_sync.sync import crm
from kontor.calendar_sync.sync.models import PendingPush, SyncConflict, SyncMailbox, SyncMapping

from .conftest import soon


async def crm_create(world, **values) -> Appointment:
    async with world.db.unit_of_work(world.tenant_id) as session:
        connector = await session.get(ConnectorSettings, world.connector_id)
        base = {"subject": "Angebot besprechen", "start": soon(2), "end": soon(2) + timedelta(hours=1),
                "time_zone": "Europe/Vienna"}
        return await crm.create(session, connector, {**base, **values})


async def crm_update(world, appointment_id: uuid.UUID, **changes) -> Appointment:
    async with world.db.unit_of_work(world.tenant_id) as session:
        connector = await session.get(ConnectorSettings, world.connector_id)
        return await crm.update(session, connector, await session.get(Appointment, appointment_id), changes)


async def crm_get(world, appointment_id: uuid.UUID) -> Appointment:
    async with world.db.unit_of_work(world.tenant_id) as session:
        return await session.get(Appointment, appointment_id)


async def settings(world, **values) -> None:
    async with world.db.unit_of_work(world.tenant_id) as session:
        connector = await session.get(ConnectorSettings, world.connector_id)
        for k, v in values.items():
            setattr(connector, k, v)


def remote_of(world, subject: str) -> dict:
    [event] = [e for e in world.outlook_events() if e["subject"] == subject]
    return event


async def test_a_crm_appointment_is_created_once_even_when_the_first_push_is_throttled(world):
    await settings(world, direction="crm_to_groupware")  # the first request of the run is the create
    await crm_create(world, links=[{"type": "deal", "id": str(uuid.uuid4())}])
    world.throttle(inject={"status": 429, "count": 1, "retryAfter": 30})
    report = await world.sync()
    assert report.outcome == "throttled"
    async with world.db.unit_of_work(world.tenant_id) as session:
        [push] = (await session.scalars(sa.select(PendingPush))).all()
        state = await session.get(SyncMailbox, world.connector_id)
    assert push.attempts == 1 and push.last_error.startswith("throttled") and state.state == "throttled"
    assert state.retry_after is not None
    # A worker that pushed but died before storing the result: the create repeats with the same transactionId.
    report = await world.sync(now=state.retry_after + timedelta(seconds=1))
    assert report.outcome == "ok" and report.counts["created"] == 1
    async with world.db.unit_of_work(world.tenant_id) as session:
        await session.execute(sa.delete(SyncMapping))
    await settings(world, direction="both")
    report = await world.sync(now=state.retry_after + timedelta(seconds=2))
    events = world.outlook_events()
    assert len(events) == 1, "a retried create must not make a second event"
    assert events[0]["subject"] == "Angebot besprechen"
    assert await _count(world, Appointment) == 1  # and the CRM id in the event kept the CRM from importing it


async def _count(world, model) -> int:
    async with world.db.unit_of_work(world.tenant_id) as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(model))


async def test_crm_changes_go_out_with_if_match_and_different_fields_on_both_sides_are_both_kept(world):
    appointment = await crm_create(world)
    await world.sync()
    remote = remote_of(world, "Angebot besprechen")
    await crm_update(world, appointment.id, location="Linz")
    world.outlook_patch(remote["id"], {"body": {"contentType": "text", "content": "Outlook notes"}})
    report = await world.sync()
    assert report.outcome == "ok"
    remote = remote_of(world, "Angebot besprechen")
    assert remote["location"]["displayName"] == "Linz"
    assert "Outlook notes" in remote["body"]["content"]
    current = await crm_get(world, appointment.id)
    assert current.location == "Linz" and current.notes == "Outlook notes"
    assert await _count(world, SyncConflict) == 0


async def _same_field_conflict(world, policy: str) -> tuple[Appointment, dict]:
    await settings(world, conflict_policy=policy)
    appointment = await crm_create(world)
    await world.sync()
    remote = remote_of(world, "Angebot besprechen")
    world.outlook_patch(remote["id"], {"subject": "Subject from Outlook"})
    await crm_update(world, appointment.id, subject="Subject from the CRM")
    await world.sync()
    return await crm_get(world, appointment.id), world.outlook_events()[0]


async def test_same_field_conflict_newest_wins_by_default(world):
    appointment, remote = await _same_field_conflict(world, "newest_wins")
    assert appointment.subject == remote["subject"] == "Subject from the CRM"  # the CRM edit came last
    async with world.db.unit_of_work(world.tenant_id) as session:
        [conflict] = (await session.scalars(sa.select(SyncConflict))).all()
    assert conflict.fields == ["subject"] and conflict.winner == "crm" and conflict.policy == "newest_wins"


async def test_same_field_conflict_groupware_wins(world):
    appointment, remote = await _same_field_conflict(world, "groupware_wins")
    assert appointment.subject == remote["subject"] == "Subject from Outlook"


async def test_stale_if_match_conflict_crm_wins(world):
    """The push meets a 412 (Outlook changed after the delta round read it) and merges by policy."""
    await settings(world, conflict_policy="crm_wins")
    appointment = await crm_create(world)
    await world.sync()
    remote = remote_of(world, "Angebot besprechen")
    await crm_update(world, appointment.id, subject="CRM subject")
    # Outlook changes the event after our delta round read it and before our PATCH: a stale change key.
    from kontor.calendar_sync.sync import outbound  # noqa: PLC0415
    original = outbound.push_all

    async def racing(db, provider, ctx):
        world.outlook_patch(remote["id"], {"subject": "Outlook subject", "location": {"displayName": "Wien"}})
        return await original(db, provider, ctx)

    outbound.push_all = racing
    try:
        report = await world.sync()
    finally:
        outbound.push_all = original
    assert report.counts["merged"] == 1
    current, event = await crm_get(world, appointment.id), remote_of(world, "CRM subject")
    assert current.subject == "CRM subject" and event["location"]["displayName"] == "Wien"
    assert current.location == "Wien"  # the field only Outlook changed is kept too
    async with world.db.unit_of_work(world.tenant_id) as session:
        [conflict] = (await session.scalars(sa.select(SyncConflict))).all()
    assert conflict.winner == "crm" and conflict.fields == ["subject"]


async def test_crm_delete_deletes_in_outlook_and_filters_keep_things_home(world):
    kept = await crm_create(world, subject="kept home", sync_disabled=True)
    done = await crm_create(world, subject="already done", status="completed")
    far = await crm_create(world, subject="next year", start=soon(200), end=soon(200) + timedelta(hours=1))
    private = await crm_create(world, subject="Zahnarzt", private=True, start=soon(3), end=soon(3) + timedelta(hours=1))
    gone = await crm_create(world, subject="to be deleted")
    await world.sync()
    subjects = sorted(e["subject"] for e in world.outlook_events())
    assert subjects == ["", "to be deleted"]  # the private one travels as times only
    assert [e for e in world.outlook_events() if e["subject"] == ""][0]["sensitivity"] == "private"
    async with world.db.unit_of_work(world.tenant_id) as session:
        connector = await session.get(ConnectorSettings, world.connector_id)
        await crm.delete(session, connector, await session.get(Appointment, gone.id))
    report = await world.sync()
    assert report.counts["deleted"] == 1
    assert [e["subject"] for e in world.outlook_events()] == [""]
    assert {kept.id, done.id, far.id, private.id}  # untouched in the CRM


async def test_only_appointments_inside_working_hours_go_out_on_their_own(world):
    await settings(world, working_hours={"time_zone": "UTC", **{d: [{"start": "08:00", "end": "17:00"}]
                                                               for d in ("mon", "tue", "wed", "thu", "fri",
                                                                         "sat", "sun")}})
    await crm_create(world, subject="in hours", start=soon(2, 9), end=soon(2, 10))
    late = await crm_create(world, subject="late evening", start=soon(2, 20), end=soon(2, 21))
    await world.sync()
    assert [e["subject"] for e in world.outlook_events()] == ["in hours"]
    from kontor.calendar_sync.sync import outbound  # noqa: PLC0415
    async with world.db.unit_of_work(world.tenant_id) as session:  # pushed by hand
        await outbound.push_by_hand(session, world.connector_id, late.id)
    await world.sync()
    assert sorted(e["subject"] for e in world.outlook_events()) == ["in hours", "late evening"]


async def test_unlink_policy_keeps_the_crm_appointment_when_outlook_deletes(world):
    await settings(world, deletion_policy="unlink")
    appointment = await crm_create(world)
    await world.sync()
    world.outlook_delete(remote_of(world, "Angebot besprechen")["id"])
    report = await world.sync()
    assert report.counts["unlinked"] == 1
    assert (await crm_get(world, appointment.id)).deleted_at is None
    await world.sync()
    assert world.outlook_events() == []  # and it is not pushed again: the unlinked tombstone holds
