"""Sync scenarios through the gateway and the Graph emulator: meetings between two CRM users' mailboxes
(one appointment, answers both ways, one invitation) and rooms booked on either side."""

from __future__ import annotations

import pytest

from tests.integration.sync_world import SyncWorld, berlin, next_weekday


@pytest.fixture
def world(stack, graph_emulator, calendar_sync_worker) -> SyncWorld:
    return SyncWorld.create(stack, graph_emulator)


def _attendee(upn: str, kind: str = "required") -> dict:
    return {"type": kind, "emailAddress": {"address": upn, "name": upn.split("@")[0].title()}}


def test_an_outlook_meeting_of_two_crm_users_is_one_appointment_with_their_answers(world):
    ben = world.colleague("ben")
    day = next_weekday(2)
    world.outlook_create("Pricing workshop", berlin(day, 10), berlin(day, 11), attendees=[_attendee(ben.upn)])
    world.sync()
    ben.sync()
    appointment = world.crm_find("Pricing workshop")
    assert appointment["owner_id"] == world.user_id
    assert appointment["participants"] == [{"kind": "employee", "id": ben.user_id, "status": "needs_action"}]
    assert [a["id"] for a in ben.crm_appointments()] == [appointment["id"]]  # one meeting, one appointment

    # Ben accepts in his Outlook: the answer reaches the organiser's event and, through either mailbox, the CRM.
    [copy] = ben.outlook_events()
    assert copy["isOrganizer"] is False
    ben.graph(f"/events/{copy['id']}/accept", "POST", {"sendResponse": True})
    ben.sync()
    world.sync()
    answered = world.crm_get(appointment["id"]).json()
    assert answered["participants"] == [{"kind": "employee", "id": ben.user_id, "status": "accepted"}]
    assert [a["id"] for a in world.crm_appointments()] == [appointment["id"]]


def test_a_crm_meeting_invites_the_colleague_once(world):
    ben = world.colleague("ben")
    ben.sync()  # Ben's mailbox is known before the meeting goes out
    day = next_weekday(3)
    appointment = world.crm_create("Account planning", berlin(day, 14), berlin(day, 15), participants=[
        {"kind": "employee", "id": ben.user_id}])
    world.sync()
    event = world.outlook_event("Account planning")
    assert [a["emailAddress"]["address"].lower() for a in event["attendees"]] == [ben.upn]
    invitations = [m for m in world.sent() if m["kind"] == "meetingRequest"]
    assert len(invitations) == 1 and invitations[0]["to"] == [ben.upn]

    ben.sync()
    [copy] = ben.outlook_events()
    assert copy["subject"] == "Account planning" and copy["isOrganizer"] is False
    assert [a["id"] for a in ben.crm_appointments()] == [appointment["id"]]  # his copy is the same appointment
    # Another round on both sides sends nothing more.
    world.sync()
    ben.sync()
    assert len([m for m in world.sent() if m["kind"] == "meetingRequest"]) == 1


def test_rooms_from_the_server_are_booked_on_either_side(world):
    room = world.add_room("Room Spree")
    refreshed = world.api.post(f"/groupware-servers/{world.server['id']}/resources/refresh")
    assert refreshed.status_code == 200, refreshed.text
    [resource] = [r for r in world.api.get("/resources").json()["items"] if r["email"].lower() == room]
    assert resource["server_id"] == world.server["id"] and resource["kind"] == "room"
    day = next_weekday(4)

    world.outlook_create("Board meeting", berlin(day, 9), berlin(day, 10), location={"displayName": "Room Spree"},
                         attendees=[_attendee(room, "resource")])
    world.crm_create("Strategy day", berlin(day, 13), berlin(day, 15), resource_ids=[resource["id"]])
    health = world.sync()
    assert health["state"] == "idle" and health["pending_pushes"] == 0, health
    assert world.crm_find("Board meeting")["resource_ids"] == [resource["id"]]
    strategy = world.outlook_event("Strategy day")
    assert [(a["type"], a["emailAddress"]["address"].lower()) for a in strategy["attendees"]] == [("resource", room)]
    # The room's CRM calendar shows both bookings.
    page = world.api.get(f"/calendars/resources/{resource['id']}", params={
        "from": berlin(day, 0).isoformat(), "to": berlin(day, 23).isoformat()})
    assert page.status_code == 200, page.text
    assert sorted(i["appointment"]["subject"] for i in page.json()["items"]) == ["Board meeting", "Strategy day"]


def test_a_meeting_cancelled_in_outlook_goes_for_everyone(world):
    ben = world.colleague("ben")
    day = next_weekday(1)
    meeting = world.outlook_create("Offsite prep", berlin(day, 15), berlin(day, 16), attendees=[_attendee(ben.upn)])
    world.outlook_create("Stays on", berlin(day, 9), berlin(day, 10))
    world.sync()
    ben.sync()
    appointment = world.crm_find("Offsite prep")
    assert [a["id"] for a in ben.crm_appointments()] == [appointment["id"]]

    world.control("POST", f"/mailboxes/{world.upn}/events/{meeting['id']}/cancel")
    world.sync()
    ben.sync()
    assert world.crm_get(appointment["id"]).status_code == 404  # deletion policy delete_other_side
    assert [a["subject"] for a in world.crm_appointments()] == ["Stays on"]
    assert ben.crm_appointments() == []
    cancellations = [m for m in world.sent() if m["kind"] == "meetingCancellation"]
    assert len(cancellations) == 1  # Outlook's own; the sync sent none of its own


def test_an_answer_given_in_the_crm_reaches_the_organisers_outlook(world):
    ben = world.colleague("ben")
    day = next_weekday(3)
    meeting = world.outlook_create("Roadmap review", berlin(day, 10), berlin(day, 11), attendees=[_attendee(ben.upn)])
    world.sync()
    ben.sync()
    appointment = world.crm_find("Roadmap review")
    # Ben's answer, recorded in the CRM (by the organiser's side here: whoever may edit the appointment).
    world.crm_update(appointment["id"], participants=[{"kind": "employee", "id": ben.user_id, "status": "tentative"}])
    ben.sync()  # Ben's mailbox sends his answer (Graph's tentativelyAccept on his copy)
    world.sync()
    organiser = world.control("GET", f"/mailboxes/{world.upn}/events/{meeting['id']}")
    [answer] = [a["status"]["response"] for a in organiser["attendees"]
                if a["emailAddress"]["address"].lower() == ben.upn]
    assert answer == "tentativelyAccepted"
    [copy] = ben.outlook_events()
    assert copy["responseStatus"]["response"] == "tentativelyAccepted"
    assert world.crm_get(appointment["id"]).json()["participants"] == [
        {"kind": "employee", "id": ben.user_id, "status": "tentative"}]
