"""calendarView delta: paging with odata.maxpagesize, later rounds, @removed, 410 on an expired token."""

from __future__ import annotations

from kontor.emulators.graph.testing import event_body

WINDOW = {"startDateTime": "2025-03-01T00:00:00Z", "endDateTime": "2025-04-01T00:00:00Z"}
PAGE2 = {"Prefer": "odata.maxpagesize=2"}


def _round(graph, first_url, params=None, headers=PAGE2):
    """Follow nextLinks to the deltaLink; returns (entries, deltaLink, requests used)."""
    entries, url, requests = [], first_url, 0
    r = graph.get(url, params=params, headers=headers)
    while True:
        requests += 1
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["value"]) <= 2
        entries += body["value"]
        if "@odata.deltaLink" in body:
            assert "@odata.nextLink" not in body
            return entries, body["@odata.deltaLink"], requests
        r = graph.get(body["@odata.nextLink"], headers=headers)


def _make(graph, n, day0=1):
    return [graph.post("/events", json=event_body(f"E{i}", f"2025-03-{day0 + i:02d}T09:00:00", f"2025-03-{day0 + i:02d}T10:00:00")).json()
            for i in range(n)]


def test_full_round_pages_and_ends_in_delta_link(graph):
    made = _make(graph, 5)
    entries, delta_link, requests = _round(graph, "/calendarView/delta", WINDOW)
    assert requests == 3
    assert sorted(e["id"] for e in entries) == sorted(e["id"] for e in made)
    assert all(e["@odata.type"] == "#microsoft.graph.event" and "@odata.etag" in e for e in entries)
    assert "$deltatoken=" in delta_link
    again, _, requests = _round(graph, delta_link)
    assert again == [] and requests == 1


def test_next_round_reports_changes_and_removals(graph, tenant):
    made = _make(graph, 4)
    _, delta_link, _ = _round(graph, "/calendarView/delta", WINDOW)
    graph.patch(f"/events/{made[0]['id']}", json={"subject": "changed"})
    graph.delete(f"/events/{made[1]['id']}")
    tenant.control.patch(f"/mailboxes/{tenant.upn}/events/{made[2]['id']}",  # moved out of the window in Outlook
                         json={"start": {"dateTime": "2025-06-01T09:00:00", "timeZone": "UTC"},
                               "end": {"dateTime": "2025-06-01T10:00:00", "timeZone": "UTC"}})
    added = graph.post("/events", json=event_body("new", "2025-03-20T09:00:00", "2025-03-20T10:00:00")).json()
    entries, delta_link, _ = _round(graph, delta_link)
    changed = {e["id"]: e for e in entries if "@removed" not in e}
    removed = {e["id"]: e["@removed"] for e in entries if "@removed" in e}
    assert set(changed) == {made[0]["id"], added["id"]}
    assert changed[made[0]["id"]]["subject"] == "changed"
    assert removed == {made[1]["id"]: {"reason": "deleted"}, made[2]["id"]: {"reason": "deleted"}}
    assert _round(graph, delta_link)[0] == []


def test_changes_outside_the_window_come_as_removed(graph):
    _, delta_link, _ = _round(graph, "/calendarView/delta", WINDOW)
    outside = graph.post("/events", json=event_body("later", "2025-09-01T09:00:00", "2025-09-01T10:00:00")).json()
    entries, _, _ = _round(graph, delta_link)
    assert entries == [{"@odata.type": "#microsoft.graph.event", "id": outside["id"], "@removed": {"reason": "deleted"}}]


def test_expired_token_answers_410_sync_state_not_found(graph, tenant):
    _make(graph, 3)
    _, delta_link, _ = _round(graph, "/calendarView/delta", WINDOW)
    r = graph.get("/calendarView/delta", params=WINDOW, headers=PAGE2)  # a round in progress
    next_link = r.json()["@odata.nextLink"]
    assert tenant.control.post(f"/mailboxes/{tenant.upn}/delta/expire", json={}).json()["expired"] >= 1
    for url in (delta_link, next_link):
        gone = graph.get(url)
        assert gone.status_code == 410
        assert gone.json()["error"]["code"] == "SyncStateNotFound"
    entries, _, _ = _round(graph, "/calendarView/delta", WINDOW)  # a full resync works
    assert len(entries) == 3


def test_delta_refuses_unsupported_query_options(graph):
    r = graph.get("/calendarView/delta", params={**WINDOW, "$select": "subject"})
    assert r.status_code == 400
    r = graph.get("/calendarView/delta", params={**WINDOW, "$expand": "singleValueExtendedProperties"})
    assert r.status_code == 400


def test_delta_honours_outlook_timezone(graph):
    _make(graph, 1)
    body = graph.get("/calendarView/delta", params=WINDOW, headers={"Prefer": 'outlook.timezone="Eastern Standard Time", odata.maxpagesize=5'}).json()
    assert body["value"][0]["start"] == {"dateTime": "2025-03-01T04:00:00.0000000", "timeZone": "Eastern Standard Time"}
