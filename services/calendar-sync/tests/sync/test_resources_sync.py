"""Rooms and equipment on events ↔ booked CRM resources, against the Graph emulator and PostgreSQL.

Resources are imported per server (connectors/resources.py) from what the Graph directory lists: rooms
from /places, equipment from /users + mailboxSettings.userPurpose. Resource mailboxes in the emulator
answer like Exchange's booking attendant (accept, or decline a conflict).
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from kontor.calendar_sync.appointments.models import Appointment, ResourceBooking
from kontor.calendar_sync.connectors.directory import GraphDirectory
from kontor.calendar_sync.connectors.models import ConnectorSettings
from kontor.calendar_sync.connectors.resources import ServerConnection, import_resources
from kontor.calendar_sync.connectors.service import OpenCredentials
from kontor.calendar_sync.resources.models import Resource
from kontor.calendar_sync.sync import crm
from kontor.calendar_sync.sync.models import SyncConflict, SyncLogEntry

from .conftest import outlook_event, soon


async def import_directory(world) -> dict[str, Resource]:
    connection = ServerConnection(
        server_id=world.server_id, tenant_id=world.tenant_id, provider="graph",
        azure_tenant_id=world.handle.tenant_id, client_id=world.handle.client_id, authority_url=world.graph.base_url,
        base_url=f"{world.graph.base_url}/v1.0", ca_bundle_path=world.graph.ca_path,
        credentials=OpenCredentials(kind="client_secret", secret=world.handle.secret, certificate_thumbprint=""))
    listed = await GraphDirectory().list_resources(connection)
    async with world.db.unit_of_work(world.tenant_id) as session:
        await import_resources(session, world.server_id, listed)
        return {r.email: r for r in (await session.scalars(sa.select(Resource))).all()}


def resource(address: str) -> dict:
    return {"emailAddress": {"address": address}, "type": "resource"}


async def the_appointment(world) -> Appointment:
    async with world.db.unit_of_work(world.tenant_id) as session:
        [appointment] = (await session.scalars(sa.select(Appointment).where(Appointment.deleted_at.is_(None)))).all()
        return appointment


def setup_rooms(world) -> tuple[str, str]:
    room, beamer = f"raum-rhein@{world.handle.domain}", f"beamer@{world.handle.domain}"
    world.handle.add_mailbox(room, displayName="Raum Rhein", kind="room", place={"capacity": 10})
    world.handle.add_mailbox(beamer, displayName="Beamer", kind="equipment")
    return room, beamer


async def test_rooms_and_equipment_are_imported_per_server(world):
    room, beamer = setup_rooms(world)
    imported = await import_directory(world)
    assert {(r.email, r.kind, r.server_id) for r in imported.values()} == {
        (room, "room", world.server_id), (beamer, "equipment", world.server_id)}
    # An app without MailboxSettings.Read still lists its rooms; equipment cannot be told from users then.
    world.control.patch(f"/apps/{world.handle.client_id}", json={"roles": [
        "Calendars.ReadWrite", "Place.Read.All", "User.Read.All"]})
    async with world.provider() as provider:
        assert [(r.email, r.kind) for r in await provider.list_resources()] == [(room, "room")]


async def test_a_room_booked_in_outlook_is_booked_in_the_crm(world):
    room, beamer = setup_rooms(world)
    imported = await import_directory(world)
    organized = world.outlook_create(outlook_event("Workshop", soon(2), attendees=[resource(room), resource(beamer)],
                                                   location={"displayName": "Raum Rhein"}))
    assert {a["status"]["response"] for a in world.outlook_events()[0]["attendees"]} == {"accepted"}
    assert world.outlook_events(room)[0]["iCalUId"] == organized["iCalUId"]  # the room holds its own copy
    report = await world.sync()
    assert report.outcome == "ok" and report.counts["created"] == 1
    appointment = await the_appointment(world)
    assert set(appointment.resource_ids) == {imported[room].id, imported[beamer].id}
    assert appointment.location == "Raum Rhein"
    async with world.db.unit_of_work(world.tenant_id) as session:
        booked = (await session.scalars(sa.select(ResourceBooking.resource_id))).all()
    assert set(booked) == {imported[room].id, imported[beamer].id}
    # Outlook drops the beamer: the CRM booking follows.
    world.outlook_patch(organized["id"], {"attendees": [resource(room)]})
    await world.sync()
    assert (await the_appointment(world)).resource_ids == [imported[room].id]


async def test_a_crm_booking_becomes_a_resource_attendee(world):
    room, _ = setup_rooms(world)
    imported = await import_directory(world)
    async with world.db.unit_of_work(world.tenant_id) as session:
        connector = await session.get(ConnectorSettings, world.connector_id)
        created = await crm.create(session, connector, {
            "subject": "Schulung", "start": soon(3), "end": soon(3) + timedelta(hours=2),
            "resource_ids": [str(imported[room].id)]})
    report = await world.sync()
    assert report.counts["created"] == 1
    [event] = world.outlook_events()
    assert [(a["emailAddress"]["address"], a["type"]) for a in event["attendees"]] == [(room, "resource")]
    [held] = world.outlook_events(room)
    assert held["iCalUId"] == event["iCalUId"] and held["responseStatus"]["response"] == "accepted"
    # The room's acceptance comes back as a change of the event; the CRM booking stays as it is.
    await world.sync()
    assert (await the_appointment(world)).resource_ids == [created.resource_ids[0]]
    # The CRM releases the room: the attendee goes, the room's copy is cancelled by the organizer's update.
    async with world.db.unit_of_work(world.tenant_id) as session:
        connector = await session.get(ConnectorSettings, world.connector_id)
        await crm.update(session, connector, await session.get(Appointment, created.id), {"resource_ids": []})
    await world.sync()
    assert world.outlook_events()[0]["attendees"] == [] and world.outlook_events(room) == []


async def test_a_double_booked_resource_is_logged_and_left_off(world):
    room, _ = setup_rooms(world)
    imported = await import_directory(world)
    async with world.db.unit_of_work(world.tenant_id) as session:  # booked in the CRM, never in Outlook
        connector = await session.get(ConnectorSettings, world.connector_id)
        blocker = await crm.create(session, connector, {
            "subject": "Belegt", "start": soon(2), "end": soon(2) + timedelta(hours=2), "sync_disabled": True,
            "resource_ids": [str(imported[room].id)]})
    world.outlook_create(outlook_event("Doppelt", soon(2) + timedelta(minutes=30), attendees=[resource(room)]))
    report = await world.sync()
    assert report.outcome == "ok" and report.counts["created"] == 1
    async with world.db.unit_of_work(world.tenant_id) as session:
        appointments = {a.subject: a for a in (await session.scalars(sa.select(Appointment))).all()}
        conflicts = (await session.scalars(sa.select(SyncConflict))).all()
        logged = (await session.scalars(sa.select(SyncLogEntry).where(
            SyncLogEntry.code == "resource_double_booked"))).all()
    assert appointments["Doppelt"].resource_ids == [] and appointments["Belegt"].resource_ids == [blocker.resource_ids[0]]
    assert [(c.fields, c.policy, c.appointment_id) for c in conflicts] == [
        (["resources"], "resource_booked", appointments["Doppelt"].id)]
    assert len(logged) == 1 and str(imported[room].id) in logged[0].message
    # The next round does not try again and again: nothing changed on either side.
    report = await world.sync()
    assert report.outcome == "ok" and not report.counts["conflict"]
    async with world.db.unit_of_work(world.tenant_id) as session:
        assert len((await session.scalars(sa.select(SyncConflict))).all()) == 1


async def test_private_appointments_book_nothing_from_outlook(world):
    room, _ = setup_rooms(world)
    await import_directory(world)
    world.outlook_create(outlook_event("Privat", soon(2), sensitivity="private", attendees=[resource(room)]))
    await world.sync()
    appointment = await the_appointment(world)
    assert appointment.private and appointment.resource_ids == []
    async with world.db.unit_of_work(world.tenant_id) as session:
        assert (await session.scalars(sa.select(ResourceBooking))).all() == []
