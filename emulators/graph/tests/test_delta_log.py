"""calendarView delta from the change log: a later round reports exactly the entries of what changed since the
token, series included (an exception keeps the id of the occurrence it replaced)."""

from __future__ import annotations

from kontor.emulators.graph.testing import event_body

WINDOW = {"startDateTime": "2025-03-01T00:00:00Z", "endDateTime": "2025-04-01T00:00:00Z"}
PAGE = {"Prefer": "odata.maxpagesize=50"}
WEEKLY = {"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"], "firstDayOfWeek": "monday"},
          "range": {"type": "numbered", "startDate": "2025-03-03", "numberOfOccurrences": 4}}


def _round(graph, url, params=None):
    entries, r = [], graph.get(url, params=params, headers=PAGE)
    while True:
        assert r.status_code == 200, r.text
        body = r.json()
        entries += body["value"]
        if "@odata.deltaLink" in body:
            return entries, body["@odata.deltaLink"]
        r = graph.get(body["@odata.nextLink"], headers=PAGE)


def _split(entries):
    return ({e["id"] for e in entries if "@removed" not in e}, {e["id"] for e in entries if "@removed" in e})


def test_a_round_lists_only_what_changed_since_the_token(graph):
    made = [graph.post("/events", json=event_body(f"E{i}", f"2025-03-{1 + i % 28:02d}T09:00:00",
                                                  f"2025-03-{1 + i % 28:02d}T10:00:00")).json() for i in range(120)]
    _, link = _round(graph, "/calendarView/delta", WINDOW)
    graph.patch(f"/events/{made[5]['id']}", json={"subject": "changed"})
    graph.patch(f"/events/{made[7]['id']}", json={"subject": "once"})
    graph.patch(f"/events/{made[7]['id']}", json={"subject": "twice"})
    graph.delete(f"/events/{made[9]['id']}")
    entries, link = _round(graph, link)
    upserts, removed = _split(entries)
    assert upserts == {made[5]["id"], made[7]["id"]} and removed == {made[9]["id"]}
    assert [e["subject"] for e in entries if e["id"] == made[7]["id"]] == ["twice"]
    assert _round(graph, link)[0] == []


def test_an_exception_keeps_its_occurrence_id_when_the_series_changes_later(graph):
    master = graph.post("/events", json=event_body("Weekly", "2025-03-03T09:00:00", "2025-03-03T10:00:00",
                                                  recurrence=WEEKLY)).json()
    full, link = _round(graph, "/calendarView/delta", WINDOW)
    occurrences = sorted((e for e in full if e.get("type") == "occurrence"), key=lambda e: e["start"]["dateTime"])
    assert len(occurrences) == 4
    second = occurrences[1]["id"]
    graph.patch(f"/events/{second}", json={"subject": "moved talk"})  # the occurrence becomes an exception
    entries, link = _round(graph, link)
    assert [(e["id"], e["type"]) for e in entries] == [(second, "exception")]
    graph.patch(f"/events/{master['id']}", json={"subject": "Weekly (renamed)"})  # the series itself changes
    entries, link = _round(graph, link)
    upserts, removed = _split(entries)
    assert upserts == {o["id"] for o in occurrences} - {second}  # the occurrences, not the exception
    assert removed == set()
    graph.delete(f"/events/{second}")  # the exception is cancelled: its entry goes
    entries, _ = _round(graph, link)
    upserts, removed = _split(entries)
    assert second in removed and second not in upserts
