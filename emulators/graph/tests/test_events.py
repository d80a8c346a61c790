"""Events: create / get / list / update / delete, paging, ETags, transactionId, extended properties, time zones."""

from __future__ import annotations

from kontor.emulators.graph.testing import event_body

CRM_ID = "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name KontorAppointmentId"


def _create(graph, subject="Visit", start="2025-03-03T09:00:00", end="2025-03-03T10:00:00", tz="UTC", **extra):
    r = graph.post("/events", json=event_body(subject, start, end, tz, **extra))
    assert r.status_code == 201, r.text
    return r.json()


def test_create_get_and_shape(graph):
    ev = _create(graph, "Visit ACME", "2025-03-03T09:00:00", "2025-03-03T10:00:00", "W. Europe Standard Time",
                 attendees=[{"emailAddress": {"address": "bob@example.com", "name": "Bob"}, "type": "required"}])
    assert ev["type"] == "singleInstance"
    assert ev["@odata.etag"] == f'W/"{ev["changeKey"]}"'
    assert ev["start"] == {"dateTime": "2025-03-03T08:00:00.0000000", "timeZone": "UTC"}
    assert ev["originalStartTimeZone"] == "W. Europe Standard Time"
    assert ev["iCalUId"] and ev["isOrganizer"] is True
    assert ev["attendees"][0]["status"] == {"response": "none", "time": "0001-01-01T00:00:00Z"}
    got = graph.get(f"/events/{ev['id']}")
    assert got.status_code == 200 and got.json()["id"] == ev["id"]
    assert got.headers["ETag"] == ev["@odata.etag"]
    assert graph.get(f"/calendar/events/{ev['id']}").json()["subject"] == "Visit ACME"


def test_prefer_outlook_timezone(graph):
    ev = _create(graph, start="2025-07-01T09:00:00", end="2025-07-01T10:00:00", tz="Pacific Standard Time")
    r = graph.get(f"/events/{ev['id']}", headers={"Prefer": 'outlook.timezone="W. Europe Standard Time"'})
    assert r.json()["start"] == {"dateTime": "2025-07-01T18:00:00.0000000", "timeZone": "W. Europe Standard Time"}
    assert 'outlook.timezone="W. Europe Standard Time"' in r.headers["Preference-Applied"]
    iana = graph.get(f"/events/{ev['id']}", headers={"Prefer": 'outlook.timezone="Europe/Berlin"'})
    assert iana.json()["start"]["dateTime"] == "2025-07-01T18:00:00.0000000"
    bad = graph.post("/events", json=event_body("x", "2025-07-01T09:00:00", "2025-07-01T10:00:00", "Mars Standard Time"))
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "TimeZoneNotSupportedException"


def test_all_day_and_private(graph):
    ev = _create(graph, "Holiday", "2025-05-01T00:00:00", "2025-05-02T00:00:00", "W. Europe Standard Time",
                 isAllDay=True, sensitivity="private", showAs="oof")
    assert ev["isAllDay"] is True and ev["sensitivity"] == "private"
    assert ev["start"] == {"dateTime": "2025-05-01T00:00:00.0000000", "timeZone": "W. Europe Standard Time"}
    bad = graph.post("/events", json=event_body("x", "2025-05-01T10:00:00", "2025-05-02T00:00:00", "UTC", isAllDay=True))
    assert bad.status_code == 400


def test_list_pages_with_top_and_maxpagesize(graph):
    for i in range(5):
        _create(graph, f"E{i}", f"2025-03-0{i + 1}T09:00:00", f"2025-03-0{i + 1}T10:00:00")
    seen, url, pages = [], "/events", 0
    while url:
        r = graph.get(url, headers={"Prefer": "odata.maxpagesize=2"})
        body = r.json()
        seen += [e["subject"] for e in body["value"]]
        url = body.get("@odata.nextLink")
        pages += 1
    assert seen == ["E0", "E1", "E2", "E3", "E4"] and pages == 3
    top = graph.get("/events", params={"$top": "4"}).json()
    assert len(top["value"]) == 4 and "$skip=4" in top["@odata.nextLink"]
    view = graph.get("/calendarView", params={"startDateTime": "2025-03-02T00:00:00Z", "endDateTime": "2025-03-04T00:00:00Z"})
    assert [e["subject"] for e in view.json()["value"]] == ["E1", "E2"]


def test_patch_changes_change_key_and_if_match(graph):
    ev = _create(graph)
    r = graph.patch(f"/events/{ev['id']}", json={"subject": "Moved"}, headers={"If-Match": ev["@odata.etag"]})
    assert r.status_code == 200
    updated = r.json()
    assert updated["changeKey"] != ev["changeKey"] and updated["subject"] == "Moved"
    stale = graph.patch(f"/events/{ev['id']}", json={"subject": "Lost"}, headers={"If-Match": ev["@odata.etag"]})
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "ErrorIrresolvableConflict"
    same = graph.patch(f"/events/{ev['id']}", json={"subject": "Moved"}, headers={"If-Match": updated["@odata.etag"]})
    assert same.json()["changeKey"] != updated["changeKey"]  # every save is a new change key
    assert graph.get(f"/events/{ev['id']}").json()["subject"] == "Moved"


def test_delete_then_404(graph):
    ev = _create(graph)
    stale = graph.delete(f"/events/{ev['id']}", headers={"If-Match": 'W/"stale"'})
    assert stale.status_code == 412
    assert graph.delete(f"/events/{ev['id']}").status_code == 204
    r = graph.get(f"/events/{ev['id']}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "ErrorItemNotFound"
    assert graph.delete(f"/events/{ev['id']}").status_code == 404


def test_transaction_id_makes_create_idempotent(graph, tenant):
    body = event_body("Once", "2025-03-03T09:00:00", "2025-03-03T10:00:00", transactionId="crm-push-42")
    first = graph.post("/events", json=body).json()
    again = graph.post("/events", json=body)
    assert again.status_code == 201 and again.json()["id"] == first["id"]
    assert first["transactionId"] == "crm-push-42"
    assert len(graph.get("/events").json()["value"]) == 1
    graph.patch(f"/events/{first['id']}", json={"transactionId": "other"})
    assert graph.get(f"/events/{first['id']}").json()["transactionId"] == "crm-push-42"


def test_extended_properties_round_trip(graph):
    ev = _create(graph, singleValueExtendedProperties=[{"id": CRM_ID, "value": "appt-1"}])
    assert "singleValueExtendedProperties" not in ev
    plain = graph.get(f"/events/{ev['id']}").json()
    assert "singleValueExtendedProperties" not in plain
    expanded = graph.get(f"/events/{ev['id']}", params={"$expand": f"singleValueExtendedProperties($filter=id eq '{CRM_ID}')"}).json()
    assert expanded["singleValueExtendedProperties"] == [{"id": CRM_ID, "value": "appt-1"}]
    upper = CRM_ID.replace("66f5a359", "66F5A359")
    found = graph.get("/events", params={"$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{upper}' and ep/value eq 'appt-1')"})
    assert [e["id"] for e in found.json()["value"]] == [ev["id"]]
    graph.patch(f"/events/{ev['id']}", json={"singleValueExtendedProperties": [{"id": CRM_ID, "value": "appt-2"}]})
    again = graph.get(f"/events/{ev['id']}", params={"$expand": f"singleValueExtendedProperties($filter=id eq '{CRM_ID}')"}).json()
    assert again["singleValueExtendedProperties"][0]["value"] == "appt-2"


def test_outlook_user_changes_through_control(graph, tenant):
    ev = _create(graph, attendees=[{"emailAddress": {"address": "bob@example.com"}, "type": "required"}])
    tenant.control.put(f"/mailboxes/{tenant.upn}/events/{ev['id']}/attendees/bob@example.com", json={"response": "accepted"})
    got = graph.get(f"/events/{ev['id']}").json()
    assert got["attendees"][0]["status"]["response"] == "accepted"
    assert got["changeKey"] != ev["changeKey"]
    tenant.control.patch(f"/mailboxes/{tenant.upn}/events/{ev['id']}", json={"sensitivity": "private"})
    assert graph.get(f"/events/{ev['id']}").json()["sensitivity"] == "private"
    sent = tenant.control.get(f"/mailboxes/{tenant.upn}/sent").json()["value"]
    assert [s["kind"] for s in sent] == ["meetingRequest"]
    tenant.control.post(f"/mailboxes/{tenant.upn}/events/{ev['id']}/cancel")
    assert graph.get(f"/events/{ev['id']}").status_code == 404
    assert tenant.control.get(f"/mailboxes/{tenant.upn}/sent").json()["value"][-1]["kind"] == "meetingCancellation"


def test_same_meeting_in_two_mailboxes_shares_ical_uid(tenant):
    bob = f"bob@{tenant.domain}"
    tenant.add_mailbox(bob)
    uid = "040000008200E00074C5B7101A82E008000000000000000000000000000000000000000000000001"
    organizer = {"emailAddress": {"address": tenant.upn, "name": "Anna"}}
    for upn in (tenant.upn, bob):
        tenant.control.post(f"/mailboxes/{upn}/events",
                            json=event_body("Board", "2025-03-03T09:00:00", "2025-03-03T10:00:00", iCalUId=uid, organizer=organizer))
    a, b = (tenant.graph(upn).get("/events").json()["value"][0] for upn in (tenant.upn, bob))
    assert a["iCalUId"] == b["iCalUId"] == uid and a["id"] != b["id"]
    assert a["isOrganizer"] is True and b["isOrganizer"] is False
