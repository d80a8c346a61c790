"""Follow-ups and the team dashboard over the gateway (REST): CRUD with ETags, rights, visibility, tenant
isolation, and the dashboard's numbers for a small world whose every count is known."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import grpc
import pytest

from kontor.protos.contacts.v1 import identity_pb2, identity_pb2_grpc

from tests.integration.helpers import poll
from tests.integration.test_companies_api import Api, _fields, _problem

PASSWORD = "correct horse battery staple"


def _rpc(stack, token: str, stub_cls, method: str, request):
    with grpc.insecure_channel(stack.grpc("contacts")) as channel:
        return getattr(stub_cls(channel), method)(request, metadata=(("authorization", f"Bearer {token}"),),
                                                  timeout=30)


def _team(stack, boss: Api, name: str) -> str:
    return _rpc(stack, boss.token, identity_pb2_grpc.TeamServiceStub, "CreateTeam",
                identity_pb2.CreateTeamRequest(name=name)).id


def _employee(stack, boss: Api, name: str, team_ids: list[str]) -> tuple[str, Api]:
    """A sales rep of ``boss``'s tenant (a real user in the teams) and the gateway as they see it."""
    user = _rpc(stack, boss.token, identity_pb2_grpc.UserServiceStub, "CreateUser", identity_pb2.CreateUserRequest(
        email=f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.org", display_name=name,
        role=identity_pb2.ROLE_SALES_REP, team_ids=team_ids, password=PASSWORD, time_zone="Europe/Berlin",
        locale="de"))
    api = Api(stack, boss.tenant, roles=("sales_rep",))
    api.token = stack.token(boss.tenant, subject=user.id, roles=("sales_rep",))
    api.client.headers["Authorization"] = f"Bearer {api.token}"
    return user.id, api


def _grant_sales_reps_the_dashboard(stack, boss: Api) -> None:
    _rpc(stack, boss.token, identity_pb2_grpc.RightsServiceStub, "SetRight", identity_pb2.SetRightRequest(
        right=identity_pb2.Right(role=identity_pb2.ROLE_SALES_REP, entity_type="dashboard", read=True)))


def _at(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat()


def _follow_up(api: Api, record_type: str, record_id: str, due: timedelta, **fields) -> dict:
    created = api.post("/followups", json={"record_type": record_type, "record_id": record_id,
                                           "due_at": _at(due), **fields})
    assert created.status_code == 201, created.text
    return created.json()


def _assign(boss: Api, collection: str, record_id: str, user_id: str) -> None:
    assigned = boss.post(f"/{collection}/{record_id}/assignments", json={"user_id": user_id,
                                                                        "role": "account_manager"})
    assert assigned.status_code == 201, assigned.text


def _person(boss: Api, company_id: str, last_name: str, birthday: date | None) -> dict:
    created = boss.post(f"/companies/{company_id}/persons", json={
        "last_name": last_name, "birthday": birthday.isoformat() if birthday else None})
    assert created.status_code == 201, created.text
    return created.json()


def _ids(page: dict) -> list[str]:
    return [item["id"] for item in page["items"]]


def test_follow_up_crud_with_etags_rights_and_validation(stack):
    boss = Api(stack)
    team = _team(stack, boss, "Innendienst")
    anna_id, anna = _employee(stack, boss, "Anna", [team])
    ben_id, ben = _employee(stack, boss, "Ben", [team])
    company = boss.company()
    person = _person(boss, company["id"], "Muster", None)

    created = anna.post("/followups", json={
        "record_type": "company", "record_id": company["id"], "note": "Angebot nachfassen",
        "due_at": "2030-03-02T09:00:00+01:00", "time_zone": "Europe/Vienna"})
    assert created.status_code == 201, created.text
    first = created.json()
    assert created.headers["ETag"] == '"1"' and created.headers["Location"] == f"/api/v1/followups/{first['id']}"
    assert (first["assignee_id"], first["created_by"], first["done"], first["done_at"]) == (anna_id, anna_id, False,
                                                                                             None)
    assert first["due_at"] == "2030-03-02T08:00:00Z" and first["time_zone"] == "Europe/Vienna"
    later = _follow_up(anna, "contact_person", person["id"], timedelta(days=5000))
    earlier = _follow_up(anna, "company", company["id"], timedelta(days=-1), note="überfällig")
    for_ben = _follow_up(boss, "company", company["id"], timedelta(days=2), assignee_id=ben_id)

    fetched = anna.get(f"/followups/{first['id']}")
    assert fetched.json() == first and fetched.headers["ETag"] == '"1"'
    page = anna.get("/followups", params={"mine": True, "page_size": 2}).json()
    assert _ids(page) == [earlier["id"], first["id"]] and page["next_page_token"]
    rest = anna.get("/followups", params={"mine": True, "page_size": 2, "page_token": page["next_page_token"]}).json()
    assert _ids(rest) == [later["id"]] and rest["next_page_token"] == ""
    assert _ids(anna.get("/followups").json()) == [earlier["id"], for_ben["id"], first["id"], later["id"]]
    assert _ids(anna.get("/followups", params={"assignee_id": ben_id}).json()) == [for_ben["id"]]
    assert _ids(anna.get("/followups", params={"record_type": "contact_person", "record_id": person["id"]})
                .json()) == [later["id"]]
    assert _ids(anna.get("/followups", params={"due_before": _at(timedelta(0))}).json()) == [earlier["id"]]

    path = f"/followups/{earlier['id']}"
    _problem(anna.post(f"{path}/complete"), 428)
    _problem(anna.post(f"{path}/complete", headers={"If-Match": '"2"'}), 412)
    _problem(ben.post(f"{path}/complete", headers={"If-Match": '"1"'}), 403)  # neither assignee nor creator
    done = anna.post(f"{path}/complete", headers={"If-Match": '"1"'})
    assert done.status_code == 200 and done.headers["ETag"] == '"2"', done.text
    assert (done.json()["done"], done.json()["done_by"], done.json()["version"]) == (True, anna_id, 2)
    assert done.json()["done_at"] is not None
    again = anna.post(f"{path}/complete", headers={"If-Match": '"2"'})
    assert again.json()["version"] == 2  # done stays done, no new version
    assert earlier["id"] not in _ids(anna.get("/followups", params={"mine": True}).json())
    assert earlier["id"] in _ids(anna.get("/followups", params={"mine": True, "include_done": True}).json())

    _problem(anna.delete(path), 428)
    _problem(anna.delete(path, headers={"If-Match": '"1"'}), 412)
    _problem(ben.delete(path, headers={"If-Match": '"2"'}), 403)
    assert anna.delete(path, headers={"If-Match": '"2"'}).status_code == 204
    _problem(anna.get(path), 404)
    assert boss.delete(f"/followups/{later['id']}", headers={"If-Match": '"1"'}).status_code == 204  # a manager

    due = {"record_type": "company", "record_id": company["id"], "due_at": _at(timedelta(days=1))}
    for body, field in [({**due, "record_type": "deal"}, "record_type"), ({**due, "due_at": "2030-03-02T09:00:00"},
                        "due_at"), ({**due, "time_zone": "Mars/Olympus"}, "time_zone"),
                        ({**due, "assignee_id": str(uuid.uuid4())}, "assignee_id"), ({**due, "record_id": "42"},
                        "record_id"), ({**due, "note": "x" * 2001}, "note")]:
        assert _fields(_problem(anna.post("/followups", json=body), 422)) == [field], body
    assert _fields(_problem(anna.get("/followups/nope"), 422)) == ["follow_up_id"]
    _problem(anna.post("/followups", json={**due, "record_id": str(uuid.uuid4())}), 404)
    portal = Api(stack, boss.tenant, roles=("portal_client",))
    _problem(portal.get(f"/followups/{first['id']}"), 403)


def test_another_tenant_gets_not_found_for_follow_ups_and_teams(stack):
    owner = Api(stack)
    team = _team(stack, owner, "Vertrieb")
    company = owner.company()
    follow_up = _follow_up(owner, "company", company["id"], timedelta(days=1), assignee_id=_employee(
        stack, owner, "Olga", [team])[0])
    stranger = Api(stack)
    path = f"/followups/{follow_up['id']}"
    _problem(stranger.get(path), 404)
    _problem(stranger.post(f"{path}/complete", headers={"If-Match": '"1"'}), 404)
    _problem(stranger.delete(path, headers={"If-Match": '"1"'}), 404)
    _problem(stranger.post("/followups", json={"record_type": "company", "record_id": company["id"],
                                               "due_at": _at(timedelta(days=1))}), 404)
    _problem(stranger.get("/followups", params={"record_type": "company", "record_id": company["id"]}), 404)
    assert stranger.get("/followups").json()["items"] == []
    _problem(stranger.get("/dashboard/team", params={"team_id": team}), 404)
    assert owner.get(path).status_code == 200


def test_team_dashboard_numbers_for_a_small_world(stack):
    boss = Api(stack)
    nord, sued = _team(stack, boss, "Vertrieb Nord"), _team(stack, boss, "Vertrieb Süd")
    anna_id, anna = _employee(stack, boss, "Anna", [nord])
    ben_id, ben = _employee(stack, boss, "Ben", [nord])
    carl_id, _ = _employee(stack, boss, "Carl", [sued])
    c1, c2 = boss.company(), boss.company()
    c3 = boss.company(access_level="private")
    for company, user in ((c1, anna_id), (c2, anna_id), (c3, ben_id)):
        _assign(boss, "companies", company["id"], user)

    today = datetime.now(UTC).date()

    def born(days: int) -> date:
        return date(1980, *(today + timedelta(days=days)).timetuple()[1:3])

    p1 = _person(boss, c1["id"], "Eins", born(3))  # anna's through her company
    _person(boss, c1["id"], "Zwei", born(20))  # outside the 14 days
    p3 = _person(boss, c3["id"], "Drei", born(1))  # ben's, on his private company
    p4 = _person(boss, c2["id"], "Vier", born(0))  # ben is its own account manager, on anna's company
    _person(boss, c2["id"], "Fünf", None)
    _assign(boss, "persons", p4["id"], ben_id)

    _follow_up(anna, "company", c1["id"], timedelta(days=-1))  # overdue
    _follow_up(anna, "contact_person", p1["id"], timedelta(days=3))  # due soon
    _follow_up(anna, "company", c1["id"], timedelta(days=10))  # later
    finished = _follow_up(anna, "company", c2["id"], timedelta(days=-2))
    assert anna.post(f"/followups/{finished['id']}/complete", headers={"If-Match": '"1"'}).status_code == 200
    _problem(anna.post("/followups", json={"record_type": "company", "record_id": c3["id"],
                                           "due_at": _at(timedelta(days=1))}), 404)  # c3 is private to ben
    _follow_up(ben, "company", c3["id"], timedelta(days=2))  # due soon
    _follow_up(boss, "company", c2["id"], timedelta(hours=-1), assignee_id=carl_id)  # overdue, team Süd

    for api, record in ((anna, f"/companies/{c1['id']}"), (anna, f"/companies/{c1['id']}"),
                        (ben, f"/persons/{p3['id']}"), (boss, f"/companies/{c2['id']}")):
        assert api.post(f"{record}/comments", json={"body": "notiert"}).status_code == 201
    for api, company in ((anna, c1), (ben, c3)):
        assert api.patch(f"/companies/{company['id']}", json={"city": "Kiel"},
                         headers={"If-Match": '"1"'}).status_code == 200
    for company in (c1, c3):  # the trace feed is asynchronous: wait until both updates are traced
        poll(lambda company=company: [t for t in boss.get(f"/companies/{company['id']}/traces").json()["items"]
                                      if t["event_type"] == "contacts.company.updated"])

    _problem(anna.get("/dashboard/team"), 403)  # sales reps have no dashboard right by default
    board = boss.get("/dashboard/team", params={"team_id": nord, "time_zone": "UTC"})
    assert board.status_code == 200, board.text
    data = board.json()
    assert data["teams"] == [{"id": nord, "name": "Vertrieb Nord"}]
    assert (data["revenue_available"], data["revenue_note"]) == (False,
                                                                 "not available until billing publishes invoices")
    assert (data["today"], data["birthday_days"], data["time_zone"]) == (today.isoformat(), 14, "UTC")
    stats = {e["display_name"]: e for e in data["employees"]}
    assert list(stats) == ["Anna", "Ben"]
    numbers = ("companies", "contact_persons", "traces", "comments", "activities", "follow_ups_overdue",
               "follow_ups_due_soon", "birthdays")
    assert {name: tuple(e[k] for k in numbers) for name, e in stats.items()} == {
        "Anna": (2, 0, 1, 2, 3, 1, 1, 1),
        "Ben": (1, 1, 1, 1, 2, 0, 1, 2),
    }
    assert [(b["person_id"], b["days_until"], b["user_id"]) for b in data["birthdays"]] == [
        (p4["id"], 0, ben_id), (p3["id"], 1, ben_id), (p1["id"], 3, anna_id)]
    assert data["birthdays"][0]["age"] == today.year - 1980 and data["birthdays"][0]["date"] == today.isoformat()

    longer = boss.get("/dashboard/team", params={"team_id": nord, "time_zone": "UTC", "birthday_days": 21}).json()
    assert [e["birthdays"] for e in longer["employees"]] == [2, 2]
    past = boss.get("/dashboard/team", params={"team_id": nord, "period_end": _at(timedelta(days=-1))}).json()
    assert [(e["traces"], e["comments"]) for e in past["employees"]] == [(0, 0), (0, 0)]
    everyone = boss.get("/dashboard/team").json()  # no team of their own: the whole tenant
    assert [t["name"] for t in everyone["teams"]] == ["Vertrieb Nord", "Vertrieb Süd"]
    assert [(e["display_name"], e["follow_ups_overdue"]) for e in everyone["employees"]] == [
        ("Anna", 1), ("Ben", 0), ("Carl", 1)]

    # A sales rep given the right sees their own team, counted over what they may see: not ben's private c3.
    _grant_sales_reps_the_dashboard(stack, boss)
    own = anna.get("/dashboard/team", params={"time_zone": "UTC"}).json()
    assert [t["id"] for t in own["teams"]] == [nord]
    assert {e["display_name"]: tuple(e[k] for k in numbers) for e in own["employees"]} == {
        "Anna": (2, 0, 1, 2, 3, 1, 1, 1),
        "Ben": (0, 1, 0, 0, 0, 0, 0, 1),
    }
    assert [b["person_id"] for b in own["birthdays"]] == [p4["id"], p1["id"]]
    _problem(anna.get("/dashboard/team", params={"team_id": sued}), 403)
    _problem(anna.get("/dashboard/team", params={"team_id": str(uuid.uuid4())}), 404)


@pytest.mark.parametrize(("params", "field"), [
    ({"team_id": "nope"}, "team_id"), ({"birthday_days": 0}, "query.birthday_days"),
    ({"time_zone": "Mars/Olympus"}, "time_zone"), ({"period_start": "2026-01-01T00:00:00"}, "query.period_start"),
    ({"period_start": "2026-02-01T00:00:00Z", "period_end": "2026-01-01T00:00:00Z"}, "period_end"),
])
def test_dashboard_inputs_name_the_field(stack, params, field):
    assert _fields(_problem(Api(stack).get("/dashboard/team", params=params), 422)) == [field]
