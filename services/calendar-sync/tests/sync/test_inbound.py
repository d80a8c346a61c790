"""Groupware → CRM against the Graph emulator and PostgreSQL: create, update, delete, private, tombstones, 410."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.sync.models import SyncLogEntry, SyncMailbox, SyncMapping

from .conftest import outlook_event, soon


async def appointments(world, *, deleted: bool = False) -> list[Appointment]:
    async with world.db.unit_of_work(world.tenant_id) as session:
        query = sa.select(Appointment).order_by(Appointment.starts_at)
        if not deleted:
            query = query.where(Appointment.deleted_at.is_(None))
        return list((await session.scalars(query)).all())


async def mailbox(world) -> SyncMailbox:
    async with world.db.unit_of_work(world.tenant_id) as session:
        return await session.get(SyncMailbox, world.connector_id)


async def test_outlook_create_update_delete_reach_the_crm(world):
    created = world.outlook_create(outlook_event("Visit Müller GmbH", soon(2), location={"displayName": "Graz"},
                                                 body={"contentType": "text", "content": "bring the offer"}))
    report = await world.sync()
    assert report.outcome == "ok" and report.full and report.counts["created"] == 1
    [appointment] = await appointments(world)
    assert (appointment.subject, appointment.location, appointment.notes) == ("Visit Müller GmbH", "Graz",
                                                                              "bring the offer")
    assert appointment.owner_id == world.user_id and appointment.starts_at == soon(2)

    world.outlook_patch(created["id"], {"subject": "Visit Müller GmbH (moved)",
                                        "start": {"dateTime": soon(3).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
                                        "end": {"dateTime": (soon(3) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S"),
                                                "timeZone": "UTC"}})
    report = await world.sync()
    assert not report.full and report.counts["updated"] == 1
    [appointment] = await appointments(world)
    assert appointment.subject == "Visit Müller GmbH (moved)" and appointment.starts_at == soon(3)
    assert appointment.ends_at == soon(3) + timedelta(hours=2) and appointment.location == "Graz"

    again = await world.sync()  # nothing changed: nothing written
    assert again.counts.get("updated", 0) == 0 and again.counts.get("created", 0) == 0

    world.outlook_delete(created["id"])
    report = await world.sync()
    assert report.counts["deleted"] == 1
    assert await appointments(world) == []
    state = await mailbox(world)
    assert state.state == "idle" and state.last_success_at is not None and state.crm_count == 0


async def test_private_outlook_event_keeps_only_its_times(world):
    secret = "Therapy appointment Dr. Secretsson"
    world.outlook_create(outlook_event(secret, soon(1, 8), sensitivity="private", location={"displayName": "Secret Street 1"},
                                       body={"contentType": "text", "content": "very personal"},
                                       attendees=[{"emailAddress": {"address": "doc@clinic.example"},
                                                   "type": "required"}]))
    await world.sync()
    [appointment] = await appointments(world)
    assert appointment.private and appointment.subject is None and appointment.location is None
    assert appointment.notes is None and appointment.participants == [] and appointment.starts_at == soon(1, 8)
    # Nothing of it anywhere in the database: appointments, mappings, log, outbox.
    async with world.db.unit_of_work(world.tenant_id) as session:
        for table in ("appointments", "sync_mappings", "sync_log", "sync_mailboxes", "outbox"):
            dump = await session.scalar(sa.text(f"SELECT coalesce(string_agg(t::text, ' '), '') FROM {table} t"))
            for word in ("Secretsson", "Secret Street", "very personal", "clinic.example"):
                assert word not in dump, (table, word)


async def test_a_deleted_appointment_never_comes_back(world):
    world.control.patch(f"/mailboxes/{world.handle.upn}", json={})  # default mailbox settings
    event = world.outlook_create(outlook_event("Weekly call", soon(4)))
    await world.sync()
    # The user unlinks it in the CRM by deleting it there, with the "unlink" policy: the Outlook event stays.
    async with world.db.unit_of_work(world.tenant_id) as session:
        await session.execute(sa.text("UPDATE connector_settings SET deletion_policy = 'unlink'"))
    [appointment] = await appointments(world)
    from kontor.calendar_sync.sync import crm  # noqa: PLC0415
    async with world.db.unit_of_work(world.tenant_id) as session:
        from kontor.calendar_sync.connectors.models import ConnectorSettings  # noqa: PLC0415
        connector = await session.get(ConnectorSettings, world.connector_id)
        await crm.delete(session, connector, await session.get(Appointment, appointment.id))
    report = await world.sync()
    assert report.counts["unlinked"] == 1
    assert any(e["id"] == event["id"] for e in world.outlook_events())  # unlink: Outlook keeps it
    world.outlook_patch(event["id"], {"subject": "Weekly call (edited)"})  # changes in Outlook...
    await world.sync()
    world.expire_delta()  # ...and even a full resync
    report = await world.sync()
    assert report.cursor_expired
    assert await appointments(world) == []  # never brings it back
    async with world.db.unit_of_work(world.tenant_id) as session:
        states = (await session.scalars(sa.select(SyncMapping.state))).all()
    assert states == ["unlinked"]


async def test_expired_cursor_resyncs_without_duplicates_or_invitations(world):
    attendees = [{"emailAddress": {"address": "kunde@example.com"}, "type": "required"}]
    events = [world.outlook_create(outlook_event(f"Meeting {i}", soon(i + 1), attendees=attendees))
              for i in range(3)]
    await world.sync()
    assert len(await appointments(world)) == 3
    world.outlook_patch(events[0]["id"], {"subject": "Meeting 0 (changed while expired)"})
    sent_before = len(world.sent())  # the Outlook user's own update went out; ours must not follow
    world.expire_delta()
    report = await world.sync()
    assert report.cursor_expired and report.full
    current = await appointments(world)
    assert len(current) == 3  # no duplicates
    assert "Meeting 0 (changed while expired)" in {a.subject for a in current}
    assert len(world.sent()) == sent_before  # nothing sent to attendees
    assert len(world.outlook_events()) == 3  # nothing created in Outlook
    state = await mailbox(world)
    assert state.mismatch == {} and state.remote_count == 3
    async with world.db.unit_of_work(world.tenant_id) as session:
        codes = (await session.scalars(sa.select(SyncLogEntry.code))).all()
    assert "resync" in codes


async def test_a_window_suddenly_empty_pauses_and_deletes_nothing(world):
    events = [world.outlook_create(outlook_event(f"Termin {i}", soon(i + 1))) for i in range(3)]
    await world.sync()
    for e in events:
        world.outlook_delete(e["id"])
    report = await world.sync()
    assert report.outcome == "paused"
    assert len(await appointments(world)) == 3
    state = await mailbox(world)
    assert state.state == "paused" and state.pause_reason == "window_empty"
    assert (await world.sync()).outcome == "paused"  # stays paused until someone decides
    async with world.db.unit_of_work(world.tenant_id) as session:
        row = await session.get(SyncMailbox, world.connector_id)
        row.accept_empty = True
    report = await world.sync()
    assert report.outcome == "ok" and await appointments(world) == []
