"""Sync scenarios through the gateway and the Graph emulator: recurring series with changed and cancelled
occurrences, both ways, in the weeks around a daylight-saving change (Europe/Berlin)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.integration.sync_world import (
    BERLIN, SyncWorld, berlin, graph_instant, graph_time, next_dst_change, parse,
)


@pytest.fixture
def world(stack, graph_emulator, calendar_sync_worker) -> SyncWorld:
    return SyncWorld.create(stack, graph_emulator)


@pytest.fixture
def dst(world):
    """(the Sunday the clocks change, the Monday two weeks before it); the window reaches past both."""
    change = next_dst_change()
    days = (change - datetime.now(BERLIN).date()).days + 17
    world.set_connector(window_future_days=min(days, 730))
    return change, change - timedelta(days=13), days


def _starts(world: SyncWorld, appointment_id: str, days: int) -> list[datetime]:
    return [parse(item["start"]) for item in world.crm_occurrences(days=days)
            if item["appointment"]["id"] == appointment_id]


def test_an_outlook_series_with_a_moved_and_a_cancelled_occurrence_across_daylight_saving(world, dst):
    change, monday, days = dst
    master = world.outlook_create("Weekly planning", berlin(monday, 9), berlin(monday, 10), recurrence={
        "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"], "firstDayOfWeek": "monday"},
        "range": {"type": "numbered", "numberOfOccurrences": 4, "startDate": monday.isoformat(),
                  "recurrenceTimeZone": "Europe/Berlin"}})
    instances = world.instances(master["id"], berlin(monday, 0), berlin(monday + timedelta(days=28), 0))
    # 09:00 on the wall clock every week: 08:00Z before the change, 07:00Z after it (or the other way round).
    assert [graph_instant(i["start"]) for i in instances] == [berlin(monday + timedelta(days=7 * n), 9)
                                                              for n in range(4)]
    after, last = change + timedelta(days=1), change + timedelta(days=8)
    world.outlook_update(instances[2]["id"], start=graph_time(berlin(after, 11)), end=graph_time(berlin(after, 12)))
    world.outlook_delete(instances[3]["id"])

    health = world.sync()
    assert health["state"] == "idle" and health["last_error"] == "", health
    [appointment] = [a for a in world.crm_appointments(days=days) if a["subject"] == "Weekly planning"]
    assert "FREQ=WEEKLY" in appointment["rrule"] and appointment["time_zone"] == "Europe/Berlin"
    assert _starts(world, appointment["id"], days) == [berlin(monday, 9), berlin(monday + timedelta(days=7), 9),
                                                       berlin(after, 11)]
    stored = world.crm_get(appointment["id"]).json()  # the calendar's copy leaves the overrides out
    [override] = stored["overrides"]
    assert parse(override["recurrence_id"]) == berlin(after, 9) and parse(override["start"]) == berlin(after, 11)
    assert [parse(x) for x in stored["exdates"]] == [berlin(last, 9)]
    # Nothing changed since: the next round changes nothing.
    version = world.crm_get(appointment["id"]).json()["version"]
    world.sync()
    assert world.crm_get(appointment["id"]).json()["version"] == version


def test_a_crm_series_with_a_moved_and_a_cancelled_occurrence_across_daylight_saving(world, dst):
    change, monday, days = dst
    after, last = change + timedelta(days=1), change + timedelta(days=8)
    series = world.crm_create("Team breakfast", berlin(monday, 8), berlin(monday, 9), rrule="FREQ=WEEKLY;COUNT=4")
    moved = world.api.post(f"/appointments/{series['id']}/overrides", headers={"If-Match": f'"{series["version"]}"'},
                           json={"recurrence_id": berlin(after, 8).isoformat(), "start": berlin(after, 10).isoformat(),
                                 "end": berlin(after, 11).isoformat()})
    assert moved.status_code == 200, moved.text
    cancelled = world.api.post(f"/appointments/{series['id']}/cancel-occurrence",
                               headers={"If-Match": f'"{moved.json()["version"]}"'},
                               json={"recurrence_id": berlin(last, 8).isoformat()})
    assert cancelled.status_code == 200, cancelled.text

    health = world.sync()
    assert health["state"] == "idle" and health["pending_pushes"] == 0, health
    [master] = [e for e in world.outlook_events() if e.get("type") == "seriesMaster"]
    assert master["subject"] == "Team breakfast"
    assert master["recurrence"]["pattern"]["type"] == "weekly"
    instances = world.instances(master["id"], berlin(monday, 0), berlin(monday + timedelta(days=28), 0))
    assert [graph_instant(i["start"]) for i in instances] == [berlin(monday, 8), berlin(monday + timedelta(days=7), 8),
                                                              berlin(after, 10)]
    assert [i["type"] for i in instances] == ["occurrence", "occurrence", "exception"]
    # And back: the next round reads its own writes as no change.
    world.sync()
    assert world.crm_get(series["id"]).json()["version"] == cancelled.json()["version"]
    assert _starts(world, series["id"], days) == [berlin(monday, 8), berlin(monday + timedelta(days=7), 8),
                                                  berlin(after, 10)]


def test_a_changed_occurrence_of_a_private_series_stays_private(world, dst):
    change, monday, days = dst
    after = change + timedelta(days=1)
    master = world.outlook_create("Therapy", berlin(monday, 17), berlin(monday, 18), sensitivity="private",
                                  location={"displayName": "Praxis Dr. Weiss"}, recurrence={
        "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"], "firstDayOfWeek": "monday"},
        "range": {"type": "numbered", "numberOfOccurrences": 3, "startDate": monday.isoformat(),
                  "recurrenceTimeZone": "Europe/Berlin"}})
    instances = world.instances(master["id"], berlin(monday, 0), berlin(monday + timedelta(days=21), 0))
    # Outlook lets the occurrence look public and renames it: the CRM still keeps times and busy status only.
    world.outlook_update(instances[2]["id"], subject="Therapy (extra long)", sensitivity="normal",
                         start=graph_time(berlin(after, 16)), end=graph_time(berlin(after, 18)))
    world.sync()
    for reader in (world.api, world.as_user("org_manager")):
        items = [i for i in world.crm_occurrences(reader, days=days) if i["appointment"]["private"]]
        assert [parse(i["start"]) for i in items] == [berlin(monday, 17), berlin(monday + timedelta(days=7), 17),
                                                      berlin(after, 16)]
        stored = world.crm_get(items[0]["appointment"]["id"], api=reader)
        assert stored.status_code == 200
        for text in ("Therapy", "Praxis", "Weiss"):
            assert text not in stored.text and text not in str(items)
        [override] = stored.json()["overrides"]
        assert override["subject"] is None and override["location"] is None and override["notes"] is None


def test_windows_zone_names_from_outlook_arrive_as_iana_zones_on_both_sides_of_the_change(world, dst):
    change, monday, days = dst
    before, after = change - timedelta(days=2), change + timedelta(days=2)
    for day in (before, after):
        world.control("POST", f"/mailboxes/{world.upn}/events", json={
            "subject": f"Call {day.isoformat()}", "start": {"dateTime": f"{day.isoformat()}T09:00:00",
                                                            "timeZone": "W. Europe Standard Time"},
            "end": {"dateTime": f"{day.isoformat()}T09:30:00", "timeZone": "W. Europe Standard Time"}})
    world.sync()
    for day in (before, after):
        appointment = world.crm_find(f"Call {day.isoformat()}", days=days)
        assert appointment["time_zone"] == "Europe/Berlin"
        assert parse(appointment["start"]) == berlin(day, 9) and parse(appointment["end"]) == berlin(day, 9, 30)
