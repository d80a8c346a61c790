"""Access over the gateway (REST) and contacts (gRPC): assignments, hand-over audit, substitutes' notifications,
restricted access following billing's project events, the Permission API, rights and tenant isolation."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.empty_pb2 import Empty

from kontor.platform.events import build_event, subject_for
from kontor.protos.contacts.v1 import access_pb2, access_pb2_grpc
from kontor.protos.events.v1 import billing_pb2

from tests.integration.helpers import apoll
from tests.integration.natsutil import publish_raw, read_stream
from tests.integration.test_companies_api import Api, _problem


def _user_api(stack, tenant: uuid.UUID, role: str = "sales_rep") -> tuple[uuid.UUID, Api]:
    """An employee (a user id as token subject) of ``tenant`` with one role."""
    user_id = uuid.uuid4()
    api = Api(stack, tenant, roles=(role,))
    api.token = stack.token(tenant, subject=str(user_id), roles=(role,))
    api.client.headers["Authorization"] = f"Bearer {api.token}"
    return user_id, api


class Grpc:
    """contacts' access services as one caller sees them."""

    def __init__(self, stack, token: str):
        self.channel = grpc.aio.insecure_channel(stack.grpc("contacts"))
        self.metadata = (("authorization", f"Bearer {token}"),)
        self.access = access_pb2_grpc.AccessServiceStub(self.channel)
        self.assignments = access_pb2_grpc.AssignmentServiceStub(self.channel)
        self.rules = access_pb2_grpc.AssignmentRuleServiceStub(self.channel)
        self.substitutions = access_pb2_grpc.SubstitutionServiceStub(self.channel)
        self.handovers = access_pb2_grpc.HandoverServiceStub(self.channel)

    async def __call__(self, method, request):
        return await method(request, metadata=self.metadata, timeout=10)

    async def check(self, record_id: str, action: str = "read", record_type: str = "company") -> str:
        answer = await self(self.access.CheckAccess, access_pb2.CheckAccessRequest(
            action=action, resource=access_pb2.RecordRef(type=record_type, id=record_id)))
        assert answer.allowed == (answer.reason == "allowed")
        return answer.reason

    async def until(self, record_id: str, reason: str) -> None:
        async def reached():
            return await self.check(record_id) == reason

        await apoll(reached)

    async def close(self) -> None:
        await self.channel.close()


async def _events(stack, tenant: uuid.UUID, short_type: str, count: int) -> list[dict]:
    async def enough():
        messages = await read_stream(stack.topology.infra.nats_url, "KONTOR_CONTACTS",
                                     f"kontor.{tenant}.{short_type}")
        return messages if len(messages) >= count else None

    return [json.loads(m.data)["data"] for m in await apoll(enough)]


def _assign(api: Api, company_id: str, user_id: uuid.UUID, role: str = "account_manager"):
    return api.post(f"/companies/{company_id}/assignments", json={"user_id": str(user_id), "role": role})


async def test_handover_moves_every_assignment_notifies_and_is_audited(stack):
    boss = Api(stack)
    first, second = boss.company(), boss.company()
    a, b = uuid.uuid4(), uuid.uuid4()
    assert _assign(boss, first["id"], a).status_code == 201
    assert _assign(boss, second["id"], a).status_code == 201
    assert _assign(boss, second["id"], a, "technician").status_code == 201
    assert _problem(_assign(boss, first["id"], b), 409)["status"] == 409  # one account manager per record

    done = boss.post("/handovers", json={"from_user_id": str(a), "to_user_id": str(b), "records": [],
                                        "note": "Elternzeit ab Montag"})
    assert done.status_code == 201, done.text
    assert done.json()["moved"] == 3
    for company in (first, second):
        holders = {(x["user_id"], x["role"]) for x in boss.get(f"/companies/{company['id']}/assignments")
                   .json()["items"]}
        assert str(a) not in {user for user, _ in holders} and (str(b), "account_manager") in holders

    [entry] = boss.get("/audit-log").json()["items"]
    assert (entry["actor"], entry["action"], entry["from_user_id"], entry["to_user_id"], entry["note"]) == \
        ("user-org_manager", "handover", str(a), str(b), "Elternzeit ab Montag")
    assert sorted(r["id"] for r in entry["records"]) == sorted([first["id"], second["id"]])

    [event] = await _events(stack, boss.tenant, "contacts.handover.done", 1)
    assert (event["fromUserId"], event["toUserId"], event["notifyUserIds"]) == (str(a), str(b), [str(b)])
    changes = await _events(stack, boss.tenant, "contacts.assignment.changed", 3)
    assert {(e["userId"], e["role"], e["action"]) for e in changes} >= {(str(a), "technician", "assigned")}


async def test_a_substitute_gets_the_absent_employees_notifications_and_records(stack):
    boss = Api(stack)
    absent, absent_api = _user_api(stack, boss.tenant)
    substitute, substitute_api = _user_api(stack, boss.tenant)
    private = boss.company(access_level="private")
    assert _assign(boss, private["id"], absent, "sales_rep").status_code == 201
    _problem(substitute_api.get(f"/companies/{private['id']}/assignments"), 404)

    now = datetime.now(UTC)
    created = absent_api.post("/substitutions", json={
        "substitute_user_id": str(substitute), "starts_at": (now - timedelta(minutes=1)).isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat(), "note": "Urlaub"})
    assert created.status_code == 201, created.text
    assert created.json()["absent_user_id"] == str(absent)
    assert [s["id"] for s in substitute_api.get("/substitutions").json()["items"]] == [created.json()["id"]]
    assert substitute_api.get(f"/companies/{private['id']}/assignments").status_code == 200
    check = substitute_api.get("/access/check", params={"action": "read", "type": "company", "id": private["id"]})
    assert check.json() == {"allowed": True, "reason": "allowed"}

    assert _assign(boss, private["id"], absent, "technician").status_code == 201
    [*_, event] = await _events(stack, boss.tenant, "contacts.assignment.changed", 2)
    assert (event["role"], sorted(event["notifyUserIds"])) == ("technician", sorted([str(absent), str(substitute)]))

    cancelled = absent_api.post(f"/substitutions/{created.json()['id']}/cancel")
    assert cancelled.json()["cancelled"] is True
    _problem(substitute_api.get(f"/companies/{private['id']}/assignments"), 404)


async def _publish_project(stack, tenant: uuid.UUID, message) -> None:
    event = build_event(message, tenant_id=tenant, producer="billing", subject=message.project_id)
    await publish_raw(stack.topology.infra.nats_url, subject_for(tenant, event.short_type),
                      event.model_dump_json(exclude_none=True).encode(), headers={"Nats-Msg-Id": event.id})


async def test_restricted_access_follows_billing_project_events(stack):
    boss = Api(stack)
    rep, rep_api = _user_api(stack, boss.tenant)
    colleague, _ = _user_api(stack, boss.tenant)
    restricted = boss.company(access_level="restricted")
    assert _assign(boss, restricted["id"], rep, "sales_rep").status_code == 201
    rep_grpc = Grpc(stack, rep_api.token)
    colleague_grpc = Grpc(stack, stack.token(boss.tenant, subject=str(colleague), roles=("sales_rep",)))
    try:
        assert await rep_grpc.check(restricted["id"]) == "not_found"
        project = str(uuid.uuid4())
        members = [str(rep), str(colleague)]
        await _publish_project(stack, boss.tenant, billing_pb2.ProjectActivated(
            project_id=project, company_id=restricted["id"], member_user_ids=members))

        await rep_grpc.until(restricted["id"], "allowed")  # once the consumer handled the event
        page = await rep_grpc(rep_grpc.access.VisibleRecords, access_pb2.VisibleRecordsRequest(record_type="company"))
        assert restricted["id"] in page.record_ids and not page.all_visible
        assert await colleague_grpc.check(restricted["id"]) == "not_found"  # a member, but not assigned

        await _publish_project(stack, boss.tenant, billing_pb2.ProjectClosed(
            project_id=project, company_id=restricted["id"], member_user_ids=members))

        await rep_grpc.until(restricted["id"], "not_found")
    finally:
        await rep_grpc.close()
        await colleague_grpc.close()


async def test_check_access_reasons_and_visible_records(stack):
    boss = Api(stack)
    rep, rep_api = _user_api(stack, boss.tenant)
    open_company, private = boss.company(), boss.company(access_level="private")
    rep_grpc, boss_grpc = Grpc(stack, rep_api.token), Grpc(stack, boss.token)
    try:
        assert await rep_grpc.check(open_company["id"]) == "allowed"
        assert await rep_grpc.check(open_company["id"], "delete") == "no_right"  # sales reps may not delete
        assert await rep_grpc.check(private["id"], "delete") == "not_found"      # invisible beats missing right
        assert await rep_grpc.check(str(uuid.uuid4())) == "not_found"
        everything = await boss_grpc(boss_grpc.access.VisibleRecords,
                                     access_pb2.VisibleRecordsRequest(record_type="company"))
        assert everything.all_visible
        first = await rep_grpc(rep_grpc.access.VisibleRecords,
                               access_pb2.VisibleRecordsRequest(record_type="company", page_size=1))
        assert list(first.record_ids) == [open_company["id"]] and first.next_page_token == ""
        with pytest.raises(grpc.aio.AioRpcError) as exc:
            await rep_grpc.check(open_company["id"], "fly")
        assert exc.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "action" in exc.value.details()
    finally:
        await rep_grpc.close()
        await boss_grpc.close()


def test_rights_answer_403_on_visible_records_and_404_on_invisible_ones(stack):
    boss = Api(stack)
    _, technician = _user_api(stack, boss.tenant, "technician")
    _, rep = _user_api(stack, boss.tenant)
    visible, private = boss.company(), boss.company(access_level="private")
    _problem(_assign(technician, visible["id"], uuid.uuid4()), 403)
    _problem(rep.post("/handovers", json={"from_user_id": str(uuid.uuid4()), "to_user_id": str(uuid.uuid4())}), 403)
    _problem(rep.post("/assignment-rules", json={"name": "x", "priority": 1, "kind": "round_robin",
                                                  "team_id": str(uuid.uuid4())}), 403)
    _problem(rep.get(f"/companies/{private['id']}/assignments"), 404)
    now = datetime.now(UTC)
    someone_elses = {"absent_user_id": str(uuid.uuid4()), "substitute_user_id": str(uuid.uuid4()),
                     "starts_at": now.isoformat(), "ends_at": (now + timedelta(hours=1)).isoformat()}
    _problem(rep.post("/substitutions", json=someone_elses), 403)  # arranging others' takes the hand-over right
    assert boss.post("/substitutions", json=someone_elses).status_code == 201


def test_rules_over_rest_with_versions_and_field_errors(stack):
    boss = Api(stack)
    body = {"name": "Wien", "priority": 1, "kind": "postal_code", "postal_code_from": "1000",
            "postal_code_to": "1999", "user_id": str(uuid.uuid4())}
    created = boss.post("/assignment-rules", json=body)
    assert created.status_code == 201, created.text
    rule = created.json()
    assert created.headers["ETag"] == '"1"' and rule["role"] == "account_manager"
    bad = _problem(boss.post("/assignment-rules", json=body | {"priority": 2, "postal_code_to": "199"}), 422)
    assert [e["field"] for e in bad["errors"]] == ["postal_code_from"]
    _problem(boss.post("/assignment-rules", json=body), 409)  # priority taken
    path = f"/assignment-rules/{rule['id']}"
    _problem(boss.put(path, json=body), 428)
    updated = boss.put(path, json=body | {"name": "Wien & NÖ", "postal_code_to": "3999"}, headers={"If-Match": '"1"'})
    assert updated.json()["version"] == 2 and updated.json()["postal_code_to"] == "3999"
    _problem(boss.put(path, json=body, headers={"If-Match": '"1"'}), 412)
    assert [r["name"] for r in boss.get("/assignment-rules").json()["items"]] == ["Wien & NÖ"]
    assert boss.delete(path, headers={"If-Match": '"2"'}).status_code == 204
    assert boss.get("/assignment-rules").json()["items"] == []


async def test_another_tenants_ids_answer_not_found_or_nothing(stack):
    owner = Api(stack)
    rep, rep_api = _user_api(stack, owner.tenant)
    company = owner.company()
    assert _assign(owner, company["id"], rep).status_code == 201
    rule = owner.post("/assignment-rules", json={"name": "IT", "priority": 1, "kind": "industry", "values": ["IT"],
                                                  "user_id": str(rep)}).json()
    now = datetime.now(UTC)
    substitution = rep_api.post("/substitutions", json={
        "substitute_user_id": str(uuid.uuid4()), "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(hours=1)).isoformat()}).json()
    assert owner.post("/handovers", json={"from_user_id": str(rep), "to_user_id": str(uuid.uuid4())}).status_code \
        == 201

    stranger = Api(stack)  # org manager of another tenant
    record = access_pb2.RecordRef(type="company", id=company["id"])
    rpc = Grpc(stack, stranger.token)
    try:
        assert await rpc.check(company["id"]) == "not_found"
        calls = [
            (rpc.assignments.ListAssignments, access_pb2.ListAssignmentsRequest(record=record)),
            (rpc.assignments.Assign, access_pb2.AssignRequest(record=record, user_id=str(rep), role="sales_rep")),
            (rpc.assignments.Unassign, access_pb2.UnassignRequest(record=record, user_id=str(rep),
                                                                  role="account_manager")),
            (rpc.rules.UpdateRule, access_pb2.AssignmentRule(id=rule["id"], name="x", priority=5, kind="industry",
                                                             values=["x"], user_id=str(rep), version=1)),
            (rpc.rules.DeleteRule, access_pb2.DeleteRuleRequest(id=rule["id"], expected_version=1)),
            (rpc.substitutions.CancelSubstitution, access_pb2.CancelSubstitutionRequest(id=substitution["id"])),
            (rpc.handovers.HandOver, access_pb2.HandOverRequest(from_user_id=str(rep), to_user_id=str(uuid.uuid4()),
                                                                records=[record])),
        ]
        for method, request in calls:
            with pytest.raises(grpc.aio.AioRpcError) as exc:
                await rpc(method, request)
            assert exc.value.code() == grpc.StatusCode.NOT_FOUND, method
        assert list((await rpc(rpc.rules.ListRules, Empty())).rules) == []
        assert list((await rpc(rpc.handovers.ListAuditLog, access_pb2.ListAuditLogRequest())).entries) == []
        assert list((await rpc(rpc.substitutions.ListMySubstitutions, Empty())).substitutions) == []
    finally:
        await rpc.close()
    for response in (
        stranger.get(f"/companies/{company['id']}/assignments"),
        _assign(stranger, company["id"], rep, "sales_rep"),
        stranger.delete(f"/companies/{company['id']}/assignments/{rep}/account_manager"),
        stranger.put(f"/assignment-rules/{rule['id']}", json={"name": "x", "priority": 9, "kind": "industry",
                                                             "values": ["x"], "user_id": str(rep)},
                     headers={"If-Match": '"1"'}),
        stranger.post(f"/substitutions/{substitution['id']}/cancel"),
    ):
        _problem(response, 404)
    assert stranger.get("/audit-log").json()["items"] == []
    assert stranger.get("/access/check", params={"action": "read", "type": "company", "id": company["id"]}).json() \
        == {"allowed": False, "reason": "not_found"}


def test_contact_persons_have_their_own_assignments(stack):
    boss = Api(stack)
    company = boss.company()
    person = boss.post(f"/companies/{company['id']}/persons", json={"last_name": "Mustermann"})
    assert person.status_code == 201, person.text
    path = f"/persons/{person.json()['id']}/assignments"
    technician = uuid.uuid4()
    made = boss.post(path, json={"user_id": str(technician), "role": "technician"})
    assert made.status_code == 201, made.text
    assert made.json()["record"] == {"type": "contact_person", "id": person.json()["id"]}
    assert [a["user_id"] for a in boss.get(path).json()["items"]] == [str(technician)]
    assert boss.delete(f"{path}/{technician}/technician").status_code == 204
    _problem(boss.delete(f"{path}/{technician}/technician"), 404)
    _problem(boss.post(path, json={"user_id": "nobody", "role": "technician"}), 422)


def test_a_person_is_visible_exactly_when_its_company_is(stack):
    boss = Api(stack)
    _, rep = _user_api(stack, boss.tenant)
    for level, reason in (("company", "allowed"), ("private", "not_found")):
        company = boss.company(access_level=level)
        person = boss.post(f"/companies/{company['id']}/persons", json={"last_name": f"Person {level}"}).json()
        params = {"action": "read", "type": "contact_person", "id": person["id"]}
        assert rep.get("/access/check", params=params).json()["reason"] == reason
        assert boss.get("/access/check", params=params).json()["reason"] == "allowed"


def test_company_reads_follow_the_access_rules(stack):
    boss = Api(stack)
    rep_id, rep = _user_api(stack, boss.tenant)
    private = boss.company(access_level="private")
    person = boss.post(f"/companies/{private['id']}/persons", json={"last_name": "Geheim"}).json()
    _problem(rep.get(f"/companies/{private['id']}"), 404)
    _problem(rep.get(f"/persons/{person['id']}"), 404)
    assert private["id"] not in {c["id"] for c in rep.get("/companies", params={"page_size": 200}).json()["items"]}

    assert _assign(boss, private["id"], rep_id, "sales_rep").status_code == 201
    assert rep.get(f"/companies/{private['id']}").status_code == 200
    assert rep.get(f"/persons/{person['id']}").status_code == 200

    # A rep's own private record stays theirs: with no rule deciding, the creator becomes account manager.
    own = rep.company(access_level="private")
    [assignment] = rep.get(f"/companies/{own['id']}/assignments").json()["items"]
    assert (assignment["user_id"], assignment["role"], assignment["rule_id"]) == (str(rep_id), "account_manager", "")
    assert rep.get(f"/companies/{own['id']}").status_code == 200


def test_the_rules_assign_companies_created_over_rest(stack):
    boss = Api(stack)
    vienna = uuid.uuid4()
    rule = boss.post("/assignment-rules", json={"name": "Wien", "priority": 1, "kind": "postal_code",
                                                 "postal_code_from": "1000", "postal_code_to": "1999",
                                                 "user_id": str(vienna)}).json()
    company = boss.company(postal_code="1010", city="Wien")
    [assignment] = boss.get(f"/companies/{company['id']}/assignments").json()["items"]
    assert (assignment["user_id"], assignment["rule_id"]) == (str(vienna), rule["id"])
    assert boss.get(f"/companies/{boss.company(postal_code='8010')['id']}/assignments").json()["items"] == []
