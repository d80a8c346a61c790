"""Rooms via /places and free/busy via getSchedule (times and status only)."""

from __future__ import annotations

from datetime import UTC, datetime

from kontor.calendar_sync.providers.base import TimeWindow
from kontor.emulators.graph.testing import event_body


async def test_rooms_with_their_room_list(provider, tenant):
    for name, capacity in (("room-a", 8), ("room-b", 20)):
        tenant.add_mailbox(f"{name}@{tenant.domain}", displayName=name.title(), kind="room",
                           place={"capacity": capacity, "building": "HQ", "roomList": f"hq@{tenant.domain}"})
    rooms = await provider.list_resources()
    assert [(r.email, r.kind, r.capacity, r.room_list) for r in rooms] == [
        (f"room-a@{tenant.domain}", "room", 8, f"hq@{tenant.domain}"),
        (f"room-b@{tenant.domain}", "room", 20, f"hq@{tenant.domain}"),
    ]


async def test_get_schedule_busy_times_only(provider, tenant, outlook):
    outlook.create(event_body("Privat", "2025-04-01T09:00:00", "2025-04-01T10:00:00", sensitivity="private"))
    outlook.create(event_body("Kunde", "2025-04-01T11:00:00", "2025-04-01T11:30:00", showAs="tentative"))
    window = TimeWindow(datetime(2025, 4, 1, 8, tzinfo=UTC), datetime(2025, 4, 1, 12, tzinfo=UTC))
    [mine, unknown] = await provider.get_schedule(tenant.upn, [tenant.upn, f"nobody@{tenant.domain}"], window, 60)
    assert [(s.start.hour, s.end.hour, s.end.minute, s.show_as) for s in mine.busy] == [(9, 10, 0, "busy"), (11, 11, 30, "tentative")]
    assert mine.availability_view == "0201" and mine.error is None
    assert unknown.error == "ErrorMailRecipientNotFound"
    assert not hasattr(mine.busy[0], "subject")
