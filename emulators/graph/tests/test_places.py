"""Places (rooms, room lists) and getSchedule."""

from __future__ import annotations

from kontor.emulators.graph.testing import event_body


def test_rooms_and_room_lists(tenant, graph):
    building = f"building-a@{tenant.domain}"
    for name, cap in (("room-1", 8), ("room-2", 20)):
        tenant.add_mailbox(f"{name}@{tenant.domain}", kind="room", displayName=name.title(),
                           place={"capacity": cap, "building": "A", "roomList": building})
    base = f"{tenant.emulator.base_url}/v1.0/places"
    rooms = graph.get(f"{base}/microsoft.graph.room").json()["value"]
    assert sorted((r["emailAddress"], r["capacity"]) for r in rooms) == [(f"room-1@{tenant.domain}", 8), (f"room-2@{tenant.domain}", 20)]
    lists = graph.get(f"{base}/microsoft.graph.roomList").json()["value"]
    assert [rl["emailAddress"] for rl in lists] == [building]
    members = graph.get(f"{base}/{building}/microsoft.graph.roomList/rooms").json()["value"]
    assert len(members) == 2
    with tenant.graph(f"room-1@{tenant.domain}") as room:
        assert room.get("/calendarView", params={"startDateTime": "2025-03-01T00:00:00Z", "endDateTime": "2025-03-02T00:00:00Z"}).status_code == 200


def test_get_schedule(tenant, graph):
    graph.post("/events", json=event_body("Busy", "2025-03-03T09:00:00", "2025-03-03T10:00:00"))
    graph.post("/events", json=event_body("Secret", "2025-03-03T10:00:00", "2025-03-03T10:30:00", sensitivity="private", showAs="tentative"))
    r = graph.post("/calendar/getSchedule", json={
        "schedules": [tenant.upn, f"ghost@{tenant.domain}"],
        "startTime": {"dateTime": "2025-03-03T08:00:00", "timeZone": "UTC"},
        "endTime": {"dateTime": "2025-03-03T11:00:00", "timeZone": "UTC"},
        "availabilityViewInterval": 30,
    })
    assert r.status_code == 200, r.text
    mine, ghost = r.json()["value"]
    assert mine["availabilityView"] == "002210"
    private = next(i for i in mine["scheduleItems"] if i["isPrivate"])
    assert "subject" not in private and private["status"] == "tentative"
    assert ghost["error"]["responseCode"] == "ErrorMailRecipientNotFound"
