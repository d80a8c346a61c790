"""Recurring series: occurrences over daylight-saving changes, exceptions, cancelled occurrences, patterns."""

from __future__ import annotations

import pytest

from kontor.emulators.graph.testing import event_body

TZ = "W. Europe Standard Time"


def _series(graph, pattern, rng, start="2025-03-24T09:00:00", end="2025-03-24T10:00:00", subject="Series"):
    r = graph.post("/events", json=event_body(subject, start, end, TZ, recurrence={"pattern": pattern, "range": rng}))
    assert r.status_code == 201, r.text
    return r.json()


def _instances(graph, ev_id, start, end):
    r = graph.get(f"/events/{ev_id}/instances", params={"startDateTime": start, "endDateTime": end, "$top": "100"})
    assert r.status_code == 200, r.text
    return r.json()["value"]


def test_weekly_series_keeps_wall_clock_over_dst(graph):
    master = _series(graph, {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"], "firstDayOfWeek": "monday"},
                     {"type": "numbered", "startDate": "2025-03-24", "numberOfOccurrences": 3})
    assert master["type"] == "seriesMaster" and master["recurrence"]["pattern"]["type"] == "weekly"
    occ = _instances(graph, master["id"], "2025-03-01T00:00:00Z", "2025-05-01T00:00:00Z")
    assert [o["start"]["dateTime"] for o in occ] == [
        "2025-03-24T08:00:00.0000000",  # CET
        "2025-03-31T07:00:00.0000000",  # CEST after 30 March
        "2025-04-07T07:00:00.0000000",
    ]
    assert {o["type"] for o in occ} == {"occurrence"}
    assert {o["seriesMasterId"] for o in occ} == {master["id"]}
    assert occ[1]["originalStart"] == "2025-03-31T07:00:00Z"
    local = graph.get(f"/events/{occ[1]['id']}", headers={"Prefer": f'outlook.timezone="{TZ}"'}).json()
    assert local["start"]["dateTime"] == "2025-03-31T09:00:00.0000000"
    listed = graph.get("/events").json()["value"]
    assert [e["type"] for e in listed] == ["seriesMaster"]


def test_exception_and_cancelled_occurrence(graph):
    master = _series(graph, {"type": "daily", "interval": 1}, {"type": "endDate", "startDate": "2025-03-24", "endDate": "2025-03-28"})
    occ = _instances(graph, master["id"], "2025-03-24T00:00:00Z", "2025-03-29T00:00:00Z")
    assert len(occ) == 5
    moved = graph.patch(f"/events/{occ[1]['id']}", json={"subject": "Moved one",
                                                          "start": {"dateTime": "2025-03-25T14:00:00", "timeZone": TZ},
                                                          "end": {"dateTime": "2025-03-25T15:00:00", "timeZone": TZ}}).json()
    assert moved["type"] == "exception" and moved["id"] == occ[1]["id"]
    assert moved["originalStart"] == "2025-03-25T08:00:00Z" and moved["seriesMasterId"] == master["id"]
    assert graph.delete(f"/events/{occ[3]['id']}").status_code == 204
    after = _instances(graph, master["id"], "2025-03-24T00:00:00Z", "2025-03-29T00:00:00Z")
    assert [o["type"] for o in after] == ["occurrence", "exception", "occurrence", "occurrence"]
    assert after[1]["subject"] == "Moved one" and after[1]["start"]["dateTime"] == "2025-03-25T13:00:00.0000000"
    assert graph.get(f"/events/{occ[3]['id']}").status_code == 404
    view = graph.get("/calendarView", params={"startDateTime": "2025-03-24T00:00:00Z", "endDateTime": "2025-03-29T00:00:00Z"}).json()
    assert len(view["value"]) == 4


def test_delta_tracks_series_changes(graph):
    master = _series(graph, {"type": "daily", "interval": 1}, {"type": "numbered", "startDate": "2025-03-24", "numberOfOccurrences": 3})
    window = {"startDateTime": "2025-03-01T00:00:00Z", "endDateTime": "2025-04-01T00:00:00Z"}
    first = graph.get("/calendarView/delta", params=window, headers={"Prefer": "odata.maxpagesize=50"}).json()
    assert [e["type"] for e in first["value"]] == ["occurrence"] * 3
    occ = first["value"]
    assert len({e["iCalUId"] for e in occ}) == 3 and {e["uid"] for e in occ} == {master["uid"]}
    graph.delete(f"/events/{occ[2]['id']}")
    graph.patch(f"/events/{occ[0]['id']}", json={"subject": "exception"})
    nxt = graph.get(first["@odata.deltaLink"], headers={"Prefer": "odata.maxpagesize=50"}).json()["value"]
    removed = [e["id"] for e in nxt if "@removed" in e]
    changed = {e["id"]: e for e in nxt if "@removed" not in e}
    assert removed == [occ[2]["id"]]
    assert changed[occ[0]["id"]]["type"] == "exception"


def test_each_occurrence_has_its_own_ical_uid_and_the_series_shares_uid(graph):
    master = _series(graph, {"type": "daily", "interval": 1}, {"type": "numbered", "startDate": "2025-03-24", "numberOfOccurrences": 3})
    occ = _instances(graph, master["id"], "2025-03-24T00:00:00Z", "2025-03-27T00:00:00Z")
    changed = graph.patch(f"/events/{occ[1]['id']}", json={"subject": "exception"}).json()
    after = _instances(graph, master["id"], "2025-03-24T00:00:00Z", "2025-03-27T00:00:00Z")
    assert [o["type"] for o in after] == ["occurrence", "exception", "occurrence"]
    uids = [o["iCalUId"] for o in after]
    assert len(set(uids)) == 3 and master["iCalUId"] not in uids  # one per instance, none the master's
    assert changed["iCalUId"] == uids[1] == occ[1]["iCalUId"]  # an exception keeps its occurrence's
    assert {o["uid"] for o in after} == {master["uid"]} == {master["iCalUId"]}  # uid: the whole series
    # Exchange's global object id: the instance date (2025-03-25 = 07E9 03 19) in bytes 16-19, zero for the series.
    assert master["iCalUId"][32:40] == "00000000" and uids[1][32:40] == "07E90319"
    assert uids[1][:32] == master["iCalUId"][:32] and uids[1][40:] == master["iCalUId"][40:]
    found = graph.get("/calendarView", params={"startDateTime": "2025-03-24T00:00:00Z", "endDateTime": "2025-03-27T00:00:00Z",
                                               "$filter": f"iCalUId eq '{uids[2]}'"}).json()["value"]
    assert [e["id"] for e in found] == [after[2]["id"]]


@pytest.mark.parametrize("pattern, rng, expected", [
    ({"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
     {"type": "numbered", "startDate": "2025-01-31", "numberOfOccurrences": 3},
     ["2025-01-31", "2025-02-28", "2025-03-31"]),  # Outlook: the last day of shorter months
    ({"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["thursday"], "index": "last"},
     {"type": "numbered", "startDate": "2025-01-01", "numberOfOccurrences": 3},
     ["2025-01-30", "2025-02-27", "2025-03-27"]),
    ({"type": "absoluteYearly", "interval": 1, "dayOfMonth": 29, "month": 2},
     {"type": "numbered", "startDate": "2024-02-29", "numberOfOccurrences": 2},
     ["2024-02-29", "2025-02-28"]),
    ({"type": "weekly", "interval": 2, "daysOfWeek": ["monday", "friday"], "firstDayOfWeek": "monday"},
     {"type": "endDate", "startDate": "2025-03-03", "endDate": "2025-03-21"},
     ["2025-03-03", "2025-03-07", "2025-03-17", "2025-03-21"]),
])
def test_patterns(graph, pattern, rng, expected):
    start = f"{rng['startDate']}T09:00:00"
    master = _series(graph, pattern, rng, start=start, end=f"{rng['startDate']}T10:00:00")
    occ = _instances(graph, master["id"], "2024-01-01T00:00:00Z", "2029-01-01T00:00:00Z")
    assert [o["start"]["dateTime"][:10] for o in occ] == expected


def test_invalid_recurrence_is_400(graph):
    r = graph.post("/events", json=event_body("x", "2025-03-24T09:00:00", "2025-03-24T10:00:00", TZ,
                                             recurrence={"pattern": {"type": "weekly"}, "range": {"type": "noEnd", "startDate": "2025-03-24"}}))
    assert r.status_code == 400
