"""The CRM calendar over the gateway (REST) against the real stack: appointments with ETags, series across
the DST change, the privacy rule checked in calendar-sync's database and in the published events, resource
double booking (also under concurrency), views filtered by contacts' visibility, and tenant isolation."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from kontor.platform.db import Database
from kontor.protos.contacts.v1 import identity_pb2, identity_pb2_grpc

from tests.integration.helpers import apoll, scalar
from tests.integration.natsutil import read_stream
from tests.integration.test_companies_api import Api, _fields, _problem
from tests.integration.test_followups_dashboard import _employee, _rpc, _team

SECRET = "Zahnarzt-Geheimnis-7f3a"
BERLIN_MONDAY = {"start": "2026-03-23T09:00:00+01:00", "end": "2026-03-23T10:00:00+01:00",
                 "time_zone": "Europe/Berlin"}


def _appointment(api: Api, **fields) -> dict:
    created = api.post("/appointments", json={**BERLIN_MONDAY, "subject": "Termin", **fields})
    assert created.status_code == 201, created.text
    return created.json()


def _resource(api: Api, **fields) -> dict:
    created = api.post("/resources", json={"name": f"Raum {uuid.uuid4().hex[:6]}", "kind": "room", **fields})
    assert created.status_code == 201, created.text
    return created.json()


async def _rows(stack, tenant: uuid.UUID, sql: str, **params) -> list[str]:
    """Rows of calendar-sync's own database as text, read in ``tenant`` (row-level security applies)."""
    db = Database(stack.database_url("calendar-sync"))
    try:
        async with db.unit_of_work(tenant) as session:
            return [str(row) for row in (await session.execute(sa.text(sql), params)).all()]
    finally:
        await db.dispose()


def test_appointment_crud_with_etags_and_offsets(stack):
    boss = Api(stack)
    owner = str(uuid.uuid4())
    created = boss.post("/appointments", json={
        **BERLIN_MONDAY, "owner_id": owner, "type": "activity", "activity": "visit", "subject": "Jahresgespräch",
        "location": "Hamburg", "notes": "Besuchsbericht folgt", "category": "Kunde",
        "participants": [{"kind": "employee", "id": str(uuid.uuid4()), "status": "accepted"}],
        "attachments": [{"name": "agenda.pdf", "size": 1200, "content_ref": "sha256:" + "b" * 64}]})
    assert created.status_code == 201, created.text
    appointment = created.json()
    path = f"/appointments/{appointment['id']}"
    assert created.headers["ETag"] == '"1"' and created.headers["Location"] == f"/api/v1{path}"
    assert appointment["start"] == "2026-03-23T09:00:00+01:00" and appointment["owner_id"] == owner
    assert (appointment["subject"], appointment["activity"], appointment["status"]) == ("Jahresgespräch", "visit",
                                                                                         "open")
    assert appointment["attachments"][0]["id"]
    assert boss.get(path).json() == appointment
    assert boss.get(path, params={"time_zone": "America/New_York"}).json()["start"] == "2026-03-23T04:00:00-04:00"

    _problem(boss.patch(path, json={"subject": "x"}), 428)
    moved = boss.patch(path, json={"start": "2026-03-30T09:00:00+02:00", "end": "2026-03-30T10:00:00+02:00",
                                   "status": "completed", "notes": None}, headers={"If-Match": '"1"'})
    assert moved.status_code == 200 and moved.headers["ETag"] == '"2"', moved.text
    assert (moved.json()["start"], moved.json()["status"], moved.json()["notes"]) == (
        "2026-03-30T09:00:00+02:00", "completed", "")
    stale = _problem(boss.patch(path, json={"subject": "y"}, headers={"If-Match": '"1"'}), 412)
    assert "version 2" in stale["detail"]
    same = boss.patch(path, json={"status": "completed"}, headers={"If-Match": '"2"'})
    assert same.json()["version"] == 2  # nothing changed: no new version
    invalid = _problem(boss.patch(path, json={"time_zone": "Mars/Olympus"}, headers={"If-Match": '"2"'}), 422)
    assert _fields(invalid) == ["time_zone"]
    _problem(boss.delete(path, headers={"If-Match": '"1"'}), 412)
    assert boss.delete(path, headers={"If-Match": '"2"'}).status_code == 204
    _problem(boss.get(path), 404)


def test_invalid_input_names_the_field(stack):
    boss = Api(stack)
    owner = str(uuid.uuid4())
    cases = [
        ({"end": "2026-03-23T08:00:00+01:00"}, "end"),
        ({"rrule": "FREQ=SECONDLY"}, "rrule"),
        ({"links": [{"type": "company", "id": str(uuid.uuid4())}]}, "links[0].id"),
        ({"resource_ids": [str(uuid.uuid4())]}, "resource_ids[0]"),
    ]
    for fields, field in cases:
        answer = _problem(boss.post("/appointments", json={**BERLIN_MONDAY, "owner_id": owner, **fields}), 422)
        assert _fields(answer) == [field], answer
    _problem(boss.get("/appointments/not-a-uuid"), 422)


def test_a_weekly_series_keeps_its_wall_time_across_the_dst_change_with_exdates_and_overrides(stack):
    boss = Api(stack)
    owner = str(uuid.uuid4())
    series = _appointment(boss, owner_id=owner, rrule="FREQ=WEEKLY;COUNT=5")
    path = f"/appointments/{series['id']}"
    cancelled = boss.post(f"{path}/cancel-occurrence", json={"recurrence_id": "2026-04-06T09:00:00+02:00"},
                          headers={"If-Match": '"1"'})
    assert cancelled.status_code == 200, cancelled.text
    moved = boss.post(f"{path}/overrides", headers={"If-Match": '"2"'}, json={
        "recurrence_id": "2026-04-13T09:00:00+02:00", "start": "2026-04-14T15:00:00+02:00",
        "end": "2026-04-14T16:00:00+02:00", "subject": "Verschoben"})
    assert moved.status_code == 200 and moved.json()["version"] == 3, moved.text
    _problem(boss.post(f"{path}/overrides", headers={"If-Match": '"3"'}, json={
        "recurrence_id": "2026-04-13T10:00:00+02:00", "start": "2026-04-14T15:00:00+02:00",
        "end": "2026-04-14T16:00:00+02:00"}), 422)

    page = boss.get(f"/calendars/users/{owner}", params={
        "from": "2026-03-01T00:00:00+01:00", "to": "2026-05-01T00:00:00+02:00", "time_zone": "Europe/Berlin"})
    assert page.status_code == 200, page.text
    items = page.json()["items"]
    assert [(i["start"], i["subject"], i["overridden"]) for i in items] == [
        ("2026-03-23T09:00:00+01:00", "Termin", False),
        ("2026-03-30T09:00:00+02:00", "Termin", False),
        ("2026-04-14T15:00:00+02:00", "Verschoben", True),
        ("2026-04-20T09:00:00+02:00", "Termin", False),
    ]
    first = boss.get(f"/calendars/users/{owner}", params={
        "from": "2026-03-01T00:00:00Z", "to": "2026-05-01T00:00:00Z", "page_size": 3}).json()
    rest = boss.get(f"/calendars/users/{owner}", params={
        "from": "2026-03-01T00:00:00Z", "to": "2026-05-01T00:00:00Z", "page_size": 3,
        "page_token": first["next_page_token"]}).json()
    assert [i["start"] for i in first["items"] + rest["items"]] == [i["start"] for i in items]
    assert rest["next_page_token"] == ""


async def test_a_private_appointment_is_stored_and_published_without_its_details(stack):
    boss = Api(stack)
    team = _team(stack, boss, "Vertrieb")
    anna_id, anna = _employee(stack, boss, "Anna", [team])
    company = boss.company()
    created = anna.post("/appointments", json={
        **BERLIN_MONDAY, "private": True, "show_as": "out_of_office", "subject": SECRET, "location": SECRET,
        "notes": SECRET, "category": SECRET, "rrule": "FREQ=WEEKLY;COUNT=3",
        "participants": [{"kind": "employee", "id": str(uuid.uuid4())}],
        "links": [{"type": "company", "id": company["id"]}],
        "attachments": [{"name": SECRET, "size": 1, "content_ref": "sha256:" + "c" * 64}]})
    assert created.status_code == 201, created.text
    private = created.json()
    path = f"/appointments/{private['id']}"
    for reader in (anna, boss):  # the owner and an org manager alike
        shown = reader.get(path).json()
        assert SECRET not in str(shown)
        assert (shown["subject"], shown["location"], shown["notes"], shown["category"], shown["type"]) == (
            None, None, None, None, "")
        assert (shown["participants"], shown["links"], shown["attachments"]) == ([], [], [])
        assert (shown["start"], shown["show_as"], shown["rrule"]) == (
            "2026-03-23T09:00:00+01:00", "out_of_office", "FREQ=WEEKLY;COUNT=3")
    changed = anna.patch(path, json={"subject": SECRET, "notes": SECRET}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200 and changed.json()["subject"] is None
    occurrence = anna.post(f"{path}/overrides", headers={"If-Match": '"1"'}, json={
        "recurrence_id": "2026-03-30T09:00:00+02:00", "start": "2026-03-30T11:00:00+02:00",
        "end": "2026-03-30T12:00:00+02:00", "subject": SECRET, "location": SECRET})
    assert occurrence.status_code == 200, occurrence.text
    assert SECRET not in occurrence.text

    # A public appointment made private loses its details in the database too.
    public = _appointment(anna, subject=SECRET, notes=SECRET, links=[{"type": "company", "id": company["id"]}])
    public_path = f"/appointments/{public['id']}"
    assert anna.post(f"{public_path}/overrides", headers={"If-Match": '"1"'}, json={
        "recurrence_id": "2026-03-23T09:00:00+01:00", "start": "2026-03-23T09:00:00+01:00",
        "end": "2026-03-23T10:00:00+01:00", "subject": SECRET}).status_code == 422  # not a series
    hidden = anna.patch(public_path, json={"private": True}, headers={"If-Match": '"1"'})
    assert hidden.status_code == 200 and SECRET not in hidden.text, hidden.text

    views = anna.get(f"/calendars/users/{anna_id}", params={"from": "2026-03-01T00:00:00Z",
                                                            "to": "2026-05-01T00:00:00Z"})
    assert views.status_code == 200 and len(views.json()["items"]) == 4 and SECRET not in views.text
    busy = boss.get("/freebusy", params={"user_id": anna_id, "from": "2026-03-23T00:00:00Z",
                                         "to": "2026-03-24T00:00:00Z", "time_zone": "Europe/Berlin"}).json()
    assert sorted((b["start"], b["end"], b["show_as"]) for b in busy["schedules"][0]["busy"]) == [
        ("2026-03-23T09:00:00+01:00", "2026-03-23T10:00:00+01:00", "busy"),
        ("2026-03-23T09:00:00+01:00", "2026-03-23T10:00:00+01:00", "out_of_office")]
    # Private appointments keep no links, so no company calendar shows them.
    assert boss.get(f"/calendars/companies/{company['id']}", params={
        "from": "2026-03-01T00:00:00Z", "to": "2026-05-01T00:00:00Z"}).json()["items"] == []

    # Scan every stored row of the tenant and every event: the secret is nowhere.
    for table in ("appointments", "appointment_overrides"):
        rows = await _rows(stack, boss.tenant, f"SELECT t::text FROM {table} t")
        assert rows and not [row for row in rows if SECRET[:8] in row], table
    stored = await _rows(stack, boss.tenant, "SELECT subject, notes, participants::text, links::text FROM "
                                             "appointments WHERE id = :i", i=private["id"])
    assert stored == ["(None, None, '[]', '[]')"]
    assert await scalar(stack.database_url("calendar-sync"),
                        "SELECT count(*) FROM outbox WHERE tenant_id = :t", t=boss.tenant) == 4
    assert await scalar(stack.database_url("calendar-sync"),
                        "SELECT count(*) FROM outbox WHERE tenant_id = :t AND payload::text LIKE :s",
                        t=boss.tenant, s=f"%{SECRET[:8]}%") == 0

    async def published():
        messages = await read_stream(stack.topology.infra.nats_url, "KONTOR_CALENDAR", f"kontor.{boss.tenant}.>")
        return messages if len(messages) >= 4 else None

    messages = await apoll(published)
    assert {m.subject.rsplit(".", 1)[-1] for m in messages} >= {"created", "updated"}
    assert not [m for m in messages if SECRET[:8].encode() in m.data]


def test_double_booking_is_refused_naming_the_slot_unless_the_resource_allows_it(stack):
    boss = Api(stack)
    owner = str(uuid.uuid4())
    room = _resource(boss, name="Besprechungsraum Elbe", capacity=8)
    first = _appointment(boss, owner_id=owner, resource_ids=[room["id"]])
    clash = _problem(boss.post("/appointments", json={
        "owner_id": owner, "start": "2026-03-23T09:30:00+01:00", "end": "2026-03-23T11:00:00+01:00",
        "time_zone": "Europe/Berlin", "resource_ids": [room["id"]]}), 409)
    assert "Besprechungsraum Elbe" in clash["detail"]
    assert clash["conflict"] == {"resource_id": room["id"], "start": "2026-03-23T08:00:00+00:00",
                                 "end": "2026-03-23T09:00:00+00:00"}
    # Back to back is no clash; a series clashing in its third week is refused too.
    _appointment(boss, owner_id=owner, start="2026-03-23T10:00:00+01:00", end="2026-03-23T11:00:00+01:00",
                 resource_ids=[room["id"]])
    series = _problem(boss.post("/appointments", json={
        "owner_id": owner, "start": "2026-03-09T09:15:00+01:00", "end": "2026-03-09T09:45:00+01:00",
        "time_zone": "Europe/Berlin", "rrule": "FREQ=WEEKLY", "resource_ids": [room["id"]]}), 409)
    assert series["conflict"]["start"] == "2026-03-23T08:00:00+00:00"
    # Moving the first one away frees the slot.
    moved = boss.patch(f"/appointments/{first['id']}", json={"start": "2026-03-24T09:00:00+01:00",
                                                             "end": "2026-03-24T10:00:00+01:00"},
                       headers={"If-Match": '"1"'})
    assert moved.status_code == 200, moved.text
    _appointment(boss, owner_id=owner, start="2026-03-23T09:30:00+01:00", end="2026-03-23T09:45:00+01:00",
                 resource_ids=[room["id"]])

    shared = _resource(boss, name="Beamer", kind="equipment", allow_double_booking=True)
    _appointment(boss, owner_id=owner, resource_ids=[shared["id"]])
    _appointment(boss, owner_id=owner, resource_ids=[shared["id"]])
    forbid = _problem(boss.patch(f"/resources/{shared['id']}", json={"allow_double_booking": False},
                                 headers={"If-Match": '"1"'}), 409)
    assert "double-booked" in forbid["detail"]
    view = boss.get(f"/calendars/resources/{shared['id']}", params={"from": "2026-03-23T00:00:00Z",
                                                                   "to": "2026-03-24T00:00:00Z"}).json()
    assert len(view["items"]) == 2
    busy = boss.get("/freebusy", params={"resource_id": room["id"], "from": "2026-03-23T00:00:00Z",
                                         "to": "2026-03-25T00:00:00Z"}).json()["schedules"][0]["busy"]
    assert [b["start"] for b in busy] == ["2026-03-23T08:30:00Z", "2026-03-23T09:00:00Z", "2026-03-24T08:00:00Z"]


def test_concurrent_bookings_of_one_slot_cannot_both_win(stack):
    boss = Api(stack)
    room = _resource(boss)
    owner = str(uuid.uuid4())

    def book(minute: int):
        return boss.post("/appointments", json={
            "owner_id": owner, "start": f"2026-06-01T09:{minute:02d}:00+02:00",
            "end": f"2026-06-01T10:{minute:02d}:00+02:00", "time_zone": "Europe/Berlin",
            "resource_ids": [room["id"]]}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(book, range(0, 16, 2)))
    assert sorted(codes) == [201] + [409] * 7, codes


def test_company_view_shows_what_the_caller_may_see(stack):
    boss = Api(stack)
    team = _team(stack, boss, "Außendienst")
    anna_id, anna = _employee(stack, boss, "Anna", [team])
    ben_id, ben = _employee(stack, boss, "Ben", [])
    open_company = boss.company()
    bens = ben.company(access_level="private")  # ben becomes its account manager
    window = {"from": "2026-03-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"}

    with_open = _appointment(ben, links=[{"type": "company", "id": open_company["id"]}], subject="Offen")
    only_bens = _appointment(ben, links=[{"type": "company", "id": bens["id"]}], subject="Nur Ben")
    both = _appointment(ben, links=[{"type": "company", "id": open_company["id"]},
                                    {"type": "company", "id": bens["id"]}], subject="Beide")

    seen = anna.get(f"/calendars/companies/{open_company['id']}", params=window)
    assert seen.status_code == 200, seen.text
    assert sorted(i["appointment_id"] for i in seen.json()["items"]) == sorted([with_open["id"], both["id"]])
    both_for_anna = anna.get(f"/appointments/{both['id']}").json()
    assert both_for_anna["links"] == [{"type": "company", "id": open_company["id"]}]  # ben's private one left out
    _problem(anna.get(f"/calendars/companies/{bens['id']}", params=window), 404)
    _problem(anna.get(f"/appointments/{only_bens['id']}"), 404)
    _problem(anna.patch(f"/appointments/{with_open['id']}", json={"subject": "x"}, headers={"If-Match": '"1"'}), 403)
    # Ben's own calendar as anna sees it: only what she may see (private ones would show as busy).
    bens_calendar = anna.get(f"/calendars/users/{ben_id}", params=window).json()
    assert sorted(i["appointment_id"] for i in bens_calendar["items"]) == sorted([with_open["id"], both["id"]])
    assert len(ben.get(f"/calendars/companies/{bens['id']}", params=window).json()["items"]) == 2
    assert len(boss.get(f"/calendars/companies/{bens['id']}", params=window).json()["items"]) == 2
    # Ben replacing the links keeps nothing hidden from him; anna linking ben's company is refused.
    _problem(anna.post("/appointments", json={**BERLIN_MONDAY, "links": [{"type": "company", "id": bens["id"]}]}),
             422)
    assert anna_id


def test_rights_and_other_tenants(stack):
    a, b = Api(stack), Api(stack)
    owner = str(uuid.uuid4())
    appointment = _appointment(a, owner_id=owner)
    room = _resource(a)
    for path in (f"/appointments/{appointment['id']}", f"/resources/{room['id']}"):
        _problem(b.get(path), 404)
        _problem(b.patch(path, json={"name": "x"} if "resources" in path else {"subject": "x"},
                         headers={"If-Match": '"1"'}), 404)
        _problem(b.delete(path, headers={"If-Match": '"1"'}), 404)
    _problem(b.get(f"/calendars/resources/{room['id']}", params={"from": "2026-03-01T00:00:00Z",
                                                               "to": "2026-04-01T00:00:00Z"}), 404)
    assert b.get(f"/calendars/users/{owner}", params={"from": "2026-03-01T00:00:00Z",
                                                     "to": "2026-04-01T00:00:00Z"}).json()["items"] == []
    assert b.get("/freebusy", params={"user_id": owner, "from": "2026-03-23T00:00:00Z",
                                      "to": "2026-03-24T00:00:00Z"}).json()["schedules"][0]["busy"] == []
    _problem(b.get("/freebusy", params={"resource_id": room["id"], "from": "2026-03-23T00:00:00Z",
                                        "to": "2026-03-24T00:00:00Z"}), 404)
    _problem(b.post("/appointments", json={**BERLIN_MONDAY, "owner_id": owner, "resource_ids": [room["id"]]}), 422)

    portal = Api(stack, a.tenant, roles=("portal_client",))
    _problem(portal.get(f"/appointments/{appointment['id']}"), 403)
    _problem(portal.post("/resources", json={"name": "x"}), 403)
    rep = Api(stack, a.tenant, roles=("sales_rep",))
    _problem(rep.post("/resources", json={"name": "x"}), 403)  # sales reps read resources, managers keep them
    assert rep.get("/resources").status_code == 200
    # The tenant's own rights table (contacts) decides: granted there, the rep may keep rooms too.
    _rpc(stack, a.token, identity_pb2_grpc.RightsServiceStub, "SetRight", identity_pb2.SetRightRequest(
        right=identity_pb2.Right(role=identity_pb2.ROLE_SALES_REP, entity_type="resource", create=True, read=True)))
    assert rep.post("/resources", json={"name": "Werkstattwagen", "kind": "equipment"}).status_code == 201
