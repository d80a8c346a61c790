"""Meetings across hosted mailboxes: delivery to attendees, responses, cancellations, resources, equipment."""

from __future__ import annotations

from kontor.emulators.graph.testing import event_body


def _attendee(address: str, kind: str = "required") -> dict:
    return {"emailAddress": {"address": address}, "type": kind}


def _meeting(graph, *addresses, start="2025-03-03T09:00:00", end="2025-03-03T10:00:00", **extra) -> dict:
    r = graph.post("/events", json=event_body("Kick-off", start, end, "UTC",
                                              attendees=[_attendee(a) for a in addresses], **extra))
    assert r.status_code == 201, r.text
    return r.json()


def _copies(tenant, upn: str) -> list[dict]:
    return tenant.control.get(f"/mailboxes/{upn}/events").json()["value"]


def _status_of(event: dict, address: str) -> str:
    return next(a["status"]["response"] for a in event["attendees"] if a["emailAddress"]["address"] == address)


def test_a_meeting_lands_in_every_hosted_attendee_mailbox(tenant, graph):
    bert, carla = f"bert@{tenant.domain}", f"carla@{tenant.domain}"
    tenant.add_mailbox(bert)
    tenant.add_mailbox(carla)
    ev = _meeting(graph, bert, carla, "guest@elsewhere.example",
                  singleValueExtendedProperties=[{"id": "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name X",
                                                  "value": "organizer only"}])
    for upn in (bert, carla):
        [copy] = _copies(tenant, upn)
        assert copy["iCalUId"] == ev["iCalUId"] and copy["id"] != ev["id"]
        assert copy["isOrganizer"] is False and copy["responseStatus"]["response"] == "notResponded"
        assert copy["organizer"]["emailAddress"]["address"] == tenant.upn
        assert copy["subject"] == "Kick-off" and "singleValueExtendedProperties" not in copy
    # The organizer moves the meeting: every copy follows, with a new change key.
    with tenant.graph(bert) as bert_graph:
        before = bert_graph.get(f"/events/{_copies(tenant, bert)[0]['id']}").json()
    moved = graph.patch(f"/events/{ev['id']}", json={"start": {"dateTime": "2025-03-03T11:00:00", "timeZone": "UTC"},
                                                    "end": {"dateTime": "2025-03-03T12:00:00", "timeZone": "UTC"}})
    assert moved.status_code == 200
    [after] = _copies(tenant, bert)
    assert after["start"]["dateTime"].startswith("2025-03-03T11:00:00") and after["changeKey"] != before["changeKey"]
    # Carla is taken off the list: her copy shows the meeting cancelled; Bert's stays.
    graph.patch(f"/events/{ev['id']}", json={"attendees": [_attendee(bert)]})
    assert _copies(tenant, carla)[0]["isCancelled"] is True
    assert _copies(tenant, bert)[0]["isCancelled"] is False
    # The organizer deletes the meeting: the remaining copy is cancelled too.
    assert graph.delete(f"/events/{ev['id']}").status_code == 204
    assert _copies(tenant, bert)[0]["isCancelled"] is True


def test_responses_update_the_attendee_copy_and_the_organizer(tenant, graph):
    bert, carla = f"bert@{tenant.domain}", f"carla@{tenant.domain}"
    tenant.add_mailbox(bert)
    tenant.add_mailbox(carla)
    ev = _meeting(graph, bert, carla)
    with tenant.graph(bert) as bert_graph:
        [copy] = _copies(tenant, bert)
        r = bert_graph.post(f"/events/{copy['id']}/tentativelyAccept", json={"sendResponse": True})
        assert r.status_code == 202, r.text
        assert bert_graph.get(f"/events/{copy['id']}").json()["responseStatus"]["response"] == "tentativelyAccepted"
    organizer = graph.get(f"/events/{ev['id']}").json()
    assert _status_of(organizer, bert) == "tentativelyAccepted" and organizer["changeKey"] != ev["changeKey"]
    # sendResponse false: the attendee's copy changes, the organizer is not told.
    with tenant.graph(carla) as carla_graph:
        [copy] = _copies(tenant, carla)
        assert carla_graph.post(f"/events/{copy['id']}/accept", json={"sendResponse": False}).status_code == 202
        assert carla_graph.get(f"/events/{copy['id']}").json()["responseStatus"]["response"] == "accepted"
    assert _status_of(graph.get(f"/events/{ev['id']}").json(), carla) == "none"
    # The organizer cannot answer their own meeting.
    mine = graph.post(f"/events/{ev['id']}/accept", json={})
    assert mine.status_code == 400 and mine.json()["error"]["code"] == "ErrorInvalidRequest"
    bad = graph.post(f"/events/{ev['id']}/accept", json={"sendResponse": "yes"})
    assert bad.status_code == 400


def test_control_api_acts_as_the_attendee_and_a_decline_leaves_the_calendar(tenant, graph):
    bert = f"bert@{tenant.domain}"
    tenant.add_mailbox(bert)
    ev = _meeting(graph, bert)
    [copy] = _copies(tenant, bert)
    r = tenant.control.post(f"/mailboxes/{bert}/events/{copy['id']}/respond", json={"response": "declined"})
    assert r.status_code == 204, r.text
    assert _status_of(graph.get(f"/events/{ev['id']}").json(), bert) == "declined"
    assert _copies(tenant, bert) == []  # Exchange moves declined meetings to Deleted Items
    sent = tenant.control.get(f"/mailboxes/{bert}/sent").json()["value"]
    assert sent[-1]["kind"] == "meetingResponse" and sent[-1]["to"] == [tenant.upn]
    assert tenant.control.post(f"/mailboxes/{bert}/events/{copy['id']}/respond",
                               json={"response": "maybe"}).status_code == 400
    # The organizer-side shortcut: the attendee's hosted copy follows.
    carla = f"carla@{tenant.domain}"
    tenant.add_mailbox(carla)
    graph.patch(f"/events/{ev['id']}", json={"attendees": [_attendee(carla)]})
    assert tenant.control.put(f"/mailboxes/{tenant.upn}/events/{ev['id']}/attendees/{carla}",
                              json={"response": "accepted"}).status_code == 204
    assert _copies(tenant, carla)[0]["responseStatus"]["response"] == "accepted"


def test_resource_mailboxes_accept_or_decline_a_conflict(tenant, graph):
    room = f"room1@{tenant.domain}"
    tenant.add_mailbox(room, kind="room", place={"capacity": 8})
    first = _meeting(graph, room)
    assert _status_of(graph.get(f"/events/{first['id']}").json(), room) == "accepted"
    [held] = _copies(tenant, room)
    assert held["responseStatus"]["response"] == "accepted" and held["iCalUId"] == first["iCalUId"]
    clash = _meeting(graph, room, start="2025-03-03T09:30:00", end="2025-03-03T10:30:00")
    assert _status_of(graph.get(f"/events/{clash['id']}").json(), room) == "declined"
    assert len(_copies(tenant, room)) == 1
    graph.delete(f"/events/{first['id']}")
    assert _copies(tenant, room) == []  # the booking attendant removes cancelled meetings


def test_equipment_is_listed_through_users_and_mailbox_settings(tenant, graph, emulator):
    beamer = f"beamer@{tenant.domain}"
    tenant.add_mailbox(beamer, kind="equipment", displayName="Beamer")
    tenant.add_mailbox(f"room9@{tenant.domain}", kind="room")
    token = tenant.token()["access_token"]
    import httpx

    with httpx.Client(base_url=f"{emulator.base_url}/v1.0", verify=emulator.ssl_context(),
                      headers={"Authorization": f"Bearer {token}"}) as client:
        users = client.get("/users", headers={"Prefer": "odata.maxpagesize=2"})
        assert users.status_code == 200 and "@odata.nextLink" in users.json()
        listed = users.json()["value"] + client.get(users.json()["@odata.nextLink"]).json()["value"]
        assert {u["mail"] for u in listed} == {tenant.upn, beamer, f"room9@{tenant.domain}"}
        purposes = {u["mail"]: client.get(f"/users/{u['id']}/mailboxSettings").json()["userPurpose"] for u in listed}
    assert purposes == {tenant.upn: "user", beamer: "equipment", f"room9@{tenant.domain}": "room"}
    # Without MailboxSettings.Read the settings are refused.
    tenant.control.patch(f"/apps/{tenant.client_id}", json={"roles": ["Calendars.ReadWrite", "User.Read.All"]})
    with tenant.graph(beamer) as limited:
        assert limited.get("/mailboxSettings").status_code == 403
