"""Attendees ↔ participants against the Graph emulator's real meeting delivery and PostgreSQL.

The emulator copies a meeting into every hosted attendee mailbox (own id, same iCalUId, own answer) and
carries answers back to the organizer, so these tests act as Outlook users through its control API.
Contact persons come from a stand-in for contacts' lookup (``people.ContactsLookup``), the only part
not served by a real server here.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.connectors.models import ConnectorSettings
from kontor.calendar_sync.sync import crm, people
from kontor.calendar_sync.sync.models import SyncMapping
from kontor.calendar_sync.sync.participation import FIELDS

from .conftest import outlook_event, soon

PERSON = uuid.uuid4()
PERSON_ADDRESS = "erika.kundin@kunde.example"


class FakeContacts:
    """contacts' answers about users and contact persons (the service itself is not started here)."""

    def __init__(self) -> None:
        self.persons = {PERSON_ADDRESS: PERSON}

    async def users_by_email(self, addresses):
        return {}

    async def user_emails(self, ids):
        return {}

    async def persons_by_email(self, addresses):
        return {a: i for a, i in self.persons.items() if a in addresses}

    async def person_emails(self, ids):
        return {i: a for a, i in self.persons.items() if i in ids}


@pytest.fixture(autouse=True)
def directory():
    with people.use(people.Chain(people.MailboxDirectory(), people.ContactsDirectory(FakeContacts()))) as d:
        yield d


def attendee(address: str, kind: str = "required") -> dict:
    return {"emailAddress": {"address": address}, "type": kind}


async def colleague(world, name: str) -> tuple[str, uuid.UUID, uuid.UUID]:
    upn = f"{name}@{world.handle.domain}"
    world.handle.add_mailbox(upn)
    user = uuid.uuid4()
    return upn, user, await world.add_connector(upn, user)


async def appointments(world) -> list[Appointment]:
    async with world.db.unit_of_work(world.tenant_id) as session:
        return list((await session.scalars(sa.select(Appointment).where(Appointment.deleted_at.is_(None)))).all())


def statuses(appointment: Appointment) -> dict[str, str]:
    return {str(p["id"]): p["status"] for p in appointment.participants}


def respond(world, upn: str, event_id: str, response: str, send: bool = True) -> None:
    r = world.control.post(f"/mailboxes/{upn}/events/{event_id}/respond",
                           json={"response": response, "sendResponse": send})
    assert r.status_code == 204, r.text


def copy_in(world, upn: str) -> dict:
    [event] = world.outlook_events(upn)
    return event


async def test_one_meeting_in_six_mailboxes_is_one_appointment_with_five_participants(world):
    team = [await colleague(world, name) for name in ("bert", "carla", "dana", "emil", "frida")]
    organized = world.outlook_create(outlook_event("Jahresplanung", soon(3), attendees=[
        *(attendee(upn) for upn, _, _ in team), attendee("gast@extern.example"), attendee(PERSON_ADDRESS)]))
    for upn, _, _ in team:  # the emulator delivered every copy: same iCalUId, its own id
        copy = copy_in(world, upn)
        assert copy["iCalUId"] == organized["iCalUId"] and copy["id"] != organized["id"]
    await world.sync()
    for _, _, connector_id in reversed(team):
        report = await world.sync(connector_id)
        assert report.outcome == "ok" and report.counts["linked"] == 1
    [appointment] = await appointments(world)
    assert appointment.owner_id == world.user_id
    employees = {str(p["id"]) for p in appointment.participants if p["kind"] == "employee"}
    assert employees == {str(user) for _, user, _ in team}
    assert [p["id"] for p in appointment.participants if p["kind"] == "contact_person"] == [str(PERSON)]
    assert set(statuses(appointment).values()) == {"needs_action"}
    async with world.db.unit_of_work(world.tenant_id) as session:
        mappings = (await session.scalars(sa.select(SyncMapping))).all()
        stored = await session.scalar(sa.text("SELECT count(*) FROM appointments WHERE participants::text ILIKE "
                                              "'%extern.example%'"))
    assert len({m.appointment_id for m in mappings}) == 1 and len(mappings) == 6
    assert stored == 0  # the external guest is not a CRM participant: it stays on the groupware event only
    # Another round on every mailbox changes nothing and sends nothing.
    sent_before = len(world.sent())
    for connector_id in (world.connector_id, *(c for _, _, c in team)):
        report = await world.sync(connector_id)
        assert not {k for k, v in report.counts.items() if v and k not in ("unchanged",)}, report.counts
    assert len(world.sent()) == sent_before


async def test_a_meeting_first_seen_by_an_attendee_keeps_its_organiser_as_participant(world):
    bert, bert_id, bert_connector = await colleague(world, "bert")
    carla, carla_id, _ = await colleague(world, "carla")
    organized = world.outlook_create(outlook_event("Vorab", soon(6), attendees=[attendee(bert), attendee(carla)]))
    await world.sync(bert_connector)  # Bert's mailbox first: the appointment is his, the organiser takes part
    [appointment] = await appointments(world)
    assert appointment.owner_id == bert_id
    assert statuses(appointment) == {str(world.user_id): "accepted", str(carla_id): "needs_action"}
    await world.sync()  # the organiser's mailbox links to it
    world.outlook_patch(organized["id"], {"attendees": [attendee(bert)]})  # and drops Carla
    await world.sync()
    [appointment] = await appointments(world)
    assert appointment.owner_id == bert_id and statuses(appointment) == {str(world.user_id): "accepted"}


async def test_answers_in_outlook_reach_the_crm(world):
    (bert, bert_id, bert_connector), (carla, carla_id, carla_connector) = [
        await colleague(world, name) for name in ("bert", "carla")]
    world.outlook_create(outlook_event("Messe", soon(4), attendees=[attendee(bert), attendee(carla)]))
    await world.sync()
    await world.sync(bert_connector)
    await world.sync(carla_connector)
    respond(world, bert, copy_in(world, bert)["id"], "tentativelyAccepted")
    respond(world, carla, copy_in(world, carla)["id"], "accepted", send=False)  # the organizer is not told
    await world.sync(bert_connector)
    await world.sync(carla_connector)
    [appointment] = await appointments(world)
    assert statuses(appointment) == {str(bert_id): "tentative", str(carla_id): "accepted"}
    # The organizer's copy knows Bert's answer; Carla's stays "none" there, which does not undo her own answer.
    await world.sync()
    [appointment] = await appointments(world)
    assert statuses(appointment) == {str(bert_id): "tentative", str(carla_id): "accepted"}
    # Bert declines in Outlook: Exchange takes the meeting out of his calendar; he stays, declined.
    respond(world, bert, copy_in(world, bert)["id"], "declined")
    report = await world.sync(bert_connector)
    assert report.outcome == "ok" and report.counts["unlinked"] == 1
    await world.sync()
    [appointment] = await appointments(world)
    assert statuses(appointment) == {str(bert_id): "declined", str(carla_id): "accepted"}


async def test_a_crm_answer_goes_out_as_a_graph_response_not_a_patch(world):
    bert, bert_id, bert_connector = await colleague(world, "bert")
    organized = world.outlook_create(outlook_event("Review", soon(5), attendees=[attendee(bert)]))
    await world.sync()
    await world.sync(bert_connector)
    organizer_sent = len(world.sent())
    [appointment] = await appointments(world)
    async with world.db.unit_of_work(world.tenant_id) as session:  # Bert answers in the CRM
        connector = await session.get(ConnectorSettings, bert_connector)
        await crm.update(session, connector, await session.get(Appointment, appointment.id),
                         {"participants": [{"kind": "employee", "id": str(bert_id), "status": "tentative"}]})
    report = await world.sync(bert_connector)
    assert report.outcome == "ok" and report.counts["answered"] == 1
    assert copy_in(world, bert)["responseStatus"]["response"] == "tentativelyAccepted"
    [organizer_copy] = world.outlook_events()
    assert organizer_copy["attendees"][0]["status"]["response"] == "tentativelyAccepted"  # sendResponse
    assert organizer_copy["subject"] == organized["subject"]
    assert [s["kind"] for s in world.sent(bert)] == ["meetingResponse"]
    assert len(world.sent()) == organizer_sent  # the organizer sent nothing: no PATCH, no meeting update
    # Nothing is answered twice.
    report = await world.sync(bert_connector)
    assert not report.counts["answered"] and len(world.sent(bert)) == 1
    # The organizer's round reads the answer back without changing it.
    await world.sync()
    [appointment] = await appointments(world)
    assert statuses(appointment) == {str(bert_id): "tentative"}


async def test_no_response_is_sent_when_the_organizer_asked_for_none(world):
    bert, bert_id, bert_connector = await colleague(world, "bert")
    world.outlook_create(outlook_event("Info", soon(5), attendees=[attendee(bert)], responseRequested=False))
    await world.sync()
    await world.sync(bert_connector)
    [appointment] = await appointments(world)
    async with world.db.unit_of_work(world.tenant_id) as session:
        connector = await session.get(ConnectorSettings, bert_connector)
        await crm.update(session, connector, await session.get(Appointment, appointment.id),
                         {"participants": [{"kind": "employee", "id": str(bert_id), "status": "accepted"}]})
    assert (await world.sync(bert_connector)).counts["answered"] == 1
    assert copy_in(world, bert)["responseStatus"]["response"] == "accepted"
    assert world.sent(bert) == []  # sendResponse false
    assert world.outlook_events()[0]["attendees"][0]["status"]["response"] == "none"


async def test_crm_participants_become_attendees_and_external_ones_stay(world):
    bert, bert_id, bert_connector = await colleague(world, "bert")
    carla, carla_id, _ = await colleague(world, "carla")
    async with world.db.unit_of_work(world.tenant_id) as session:
        connector = await session.get(ConnectorSettings, world.connector_id)
        created = await crm.create(session, connector, {
            "subject": "Angebot", "start": soon(2), "end": soon(2) + timedelta(hours=1), "time_zone": "Europe/Berlin",
            "participants": [{"kind": "employee", "id": str(bert_id)},
                             {"kind": "contact_person", "id": str(PERSON)},
                             {"kind": "contact_person", "id": str(uuid.uuid4())}]})  # no address anywhere
    report = await world.sync()
    assert report.counts["created"] == 1
    [event] = world.outlook_events()
    assert {a["emailAddress"]["address"] for a in event["attendees"]} == {bert, PERSON_ADDRESS}
    assert [s["kind"] for s in world.sent()] == ["meetingRequest"]  # one invitation, with the create
    assert copy_in(world, bert)["iCalUId"] == event["iCalUId"]
    # Outlook adds an external guest: the CRM keeps its participants (the guest has no CRM kind)...
    world.outlook_patch(event["id"], {"attendees": [*event["attendees"], attendee("gast@extern.example")]})
    await world.sync()
    [appointment] = await appointments(world)
    assert len(appointment.participants) == 3
    # ...and a CRM change keeps the guest on the event while inviting Carla.
    async with world.db.unit_of_work(world.tenant_id) as session:
        connector = await session.get(ConnectorSettings, world.connector_id)
        current = await session.get(Appointment, created.id)
        await crm.update(session, connector, current, {"participants": [
            *current.participants, {"kind": "employee", "id": str(carla_id)}]})
    sent = len(world.sent())
    await world.sync()
    [event] = world.outlook_events()
    assert {a["emailAddress"]["address"] for a in event["attendees"]} == {
        bert, PERSON_ADDRESS, "gast@extern.example", carla}
    assert len(world.sent()) == sent + 1
    # A resync after an expired cursor sends nothing: no invitation storm.
    sent = len(world.sent())
    world.expire_delta()
    report = await world.sync()
    assert report.cursor_expired and report.outcome == "ok"
    await world.sync(bert_connector)
    assert len(world.sent()) == sent and world.sent(bert) == []


async def test_a_crm_change_that_leaves_the_attendee_list_as_it_is_sends_no_update(world):
    bert, bert_id, _ = await colleague(world, "bert")
    async with world.db.unit_of_work(world.tenant_id) as session:
        connector = await session.get(ConnectorSettings, world.connector_id)
        created = await crm.create(session, connector, {
            "subject": "Termin", "start": soon(2), "end": soon(2) + timedelta(hours=1),
            "participants": [{"kind": "employee", "id": str(bert_id)}]})
    await world.sync()
    sent = len(world.sent())
    # Only a status changes in the CRM (Bert's answer as the organizer noted it): the attendee list is the same.
    async with world.db.unit_of_work(world.tenant_id) as session:
        connector = await session.get(ConnectorSettings, world.connector_id)
        await crm.update(session, connector, await session.get(Appointment, created.id),
                         {"participants": [{"kind": "employee", "id": str(bert_id), "status": "accepted"}]})
    report = await world.sync()
    assert report.outcome == "ok"
    assert len(world.sent()) == sent


async def test_private_meetings_keep_no_attendees(world):
    bert, _, bert_connector = await colleague(world, "bert")
    world.outlook_create(outlook_event("Arzttermin", soon(2), sensitivity="private",
                                       attendees=[attendee(bert), attendee(PERSON_ADDRESS)]))
    await world.sync()
    await world.sync(bert_connector)
    [appointment] = await appointments(world)
    assert appointment.private and appointment.participants == [] and appointment.resource_ids == []
    async with world.db.unit_of_work(world.tenant_id) as session:
        leaked = await session.scalar(sa.text(
            "SELECT count(*) FROM appointments a, sync_mappings m, sync_log l "
            "WHERE a.participants::text ILIKE :p OR m.remote_fields::text ILIKE :p OR l.message ILIKE :p "
            "OR a.participants::text ILIKE :b OR l.message ILIKE :b"), {"p": "%kunde.example%", "b": f"%{bert}%"})
    assert leaked == 0


async def test_mappings_from_before_attendee_sync_neither_wipe_nor_invite(world):
    bert, bert_id, _ = await colleague(world, "bert")
    async with world.db.unit_of_work(world.tenant_id) as session:
        connector = await session.get(ConnectorSettings, world.connector_id)
        created = await crm.create(session, connector, {"subject": "Alt", "start": soon(2),
                                                        "end": soon(2) + timedelta(hours=1)})
    await world.sync()
    async with world.db.unit_of_work(world.tenant_id) as session:  # as an older release left it
        connector = await session.get(ConnectorSettings, world.connector_id)
        appointment = await session.get(Appointment, created.id)
        await crm.update(session, connector, appointment, {"participants": [
            {"kind": "employee", "id": str(bert_id), "status": "accepted"}]})
        for mapping in (await session.scalars(sa.select(SyncMapping))).all():
            mapping.remote_fields = {k: v for k, v in mapping.remote_fields.items() if k not in FIELDS}
            mapping.crm_fields = {k: v for k, v in mapping.crm_fields.items() if k not in FIELDS}
            mapping.crm_version = appointment.version
        event_id = world.outlook_events()[0]["id"]
    world.outlook_patch(event_id, {"subject": "Alt (verschoben)"})
    sent = len(world.sent())
    report = await world.sync()
    assert report.outcome == "ok"
    [appointment] = await appointments(world)
    assert appointment.subject == "Alt (verschoben)" and statuses(appointment) == {str(bert_id): "accepted"}
    assert len(world.sent()) == sent and world.outlook_events()[0]["attendees"] == []
