"""The companions of a company record over the gateway (REST) and contacts (gRPC): internal comments, address
pools, customer groups and traces; their visibility, rights and tenant isolation."""

from __future__ import annotations

import random
import uuid

import grpc
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kontor.protos.contacts.v1 import companions_pb2, companions_pb2_grpc, identity_pb2, identity_pb2_grpc

from kontor.contacts.groups import rules

from tests.integration.helpers import poll
from tests.integration.test_companies_api import Api, _fields, _problem


def _user(stack, tenant: uuid.UUID, subject: str, role: str) -> Api:
    """A user of ``tenant`` with one role and their own subject (Api names the subject after the role)."""
    api = Api(stack, tenant, roles=(role,))
    api.subject, api.token = subject, stack.token(tenant, subject=subject, roles=(role,))
    api.client.headers["Authorization"] = f"Bearer {api.token}"
    return api


def _ids(page: dict, key: str = "id") -> list[str]:
    return [item[key] for item in page["items"]]


def test_comments_newest_first_and_only_the_author_or_an_org_manager_changes_them(stack):
    manager = Api(stack)
    anna = _user(stack, manager.tenant, "anna", "sales_rep")
    ben = _user(stack, manager.tenant, "ben", "sales_rep")
    company = manager.company()
    path = f"/companies/{company['id']}/comments"
    first = anna.post(path, json={"body": "Ruft morgen zurück"})
    assert first.status_code == 201, first.text
    assert first.headers["ETag"] == '"1"' and first.headers["Location"] == f"/api/v1/comments/{first.json()['id']}"
    assert (first.json()["author"], first.json()["edited_at"]) == ("anna", None)
    second = ben.post(path, json={"body": "Angebot geschickt"}).json()
    page = anna.get(path, params={"page_size": 1}).json()
    assert _ids(page) == [second["id"]] and page["next_page_token"]
    rest = anna.get(path, params={"page_size": 1, "page_token": page["next_page_token"]}).json()
    assert _ids(rest) == [first.json()["id"]] and rest["next_page_token"] == ""

    comment = f"/comments/{first.json()['id']}"
    _problem(ben.patch(comment, json={"body": "mein Text"}, headers={"If-Match": '"1"'}), 403)
    _problem(ben.delete(comment, headers={"If-Match": '"1"'}), 403)
    _problem(anna.patch(comment, json={"body": "x"}), 428)
    edited = anna.patch(comment, json={"body": "Ruft Freitag zurück"}, headers={"If-Match": '"1"'})
    assert edited.status_code == 200 and edited.json()["version"] == 2 and edited.json()["edited_at"]
    _problem(anna.patch(comment, json={"body": "y"}, headers={"If-Match": '"1"'}), 412)
    assert manager.patch(comment, json={"body": "moderiert"}, headers={"If-Match": '"2"'}).status_code == 200
    assert _fields(_problem(anna.patch(comment, json={"body": "a" * 10_001}, headers={"If-Match": '"3"'}),
                            422)) == ["body"]
    assert anna.delete(comment, headers={"If-Match": '"3"'}).status_code == 204
    _problem(anna.get(comment), 404)
    assert _ids(manager.get(path).json()) == [second["id"]]

    person = manager.post(f"/companies/{company['id']}/persons", json={"last_name": "Muster"}).json()
    on_person = anna.post(f"/persons/{person['id']}/comments", json={"body": "nett"}).json()
    assert on_person["record_type"] == "contact_person" and on_person["record_id"] == person["id"]
    assert _ids(anna.get(f"/persons/{person['id']}/comments").json()) == [on_person["id"]]
    _problem(anna.get(f"/persons/{company['id']}/comments"), 404)  # a company id is no person
    assert _fields(_problem(anna.get("/companies/42/comments"), 422)) == ["company_id"]


def test_comments_are_never_shown_to_portal_users(stack):
    manager = Api(stack)
    portal = _user(stack, manager.tenant, "kunde", "portal_client")
    company = manager.company()
    comment = manager.post(f"/companies/{company['id']}/comments", json={"body": "intern: zahlt spät"}).json()
    listed = portal.get(f"/companies/{company['id']}/comments")
    assert listed.status_code == 200 and listed.json()["items"] == []
    assert "zahlt" not in listed.text
    _problem(portal.get(f"/comments/{comment['id']}"), 404)
    _problem(portal.post(f"/companies/{company['id']}/comments", json={"body": "hallo"}), 404)
    _problem(portal.patch(f"/comments/{comment['id']}", json={"body": "x"}, headers={"If-Match": '"1"'}), 404)
    _problem(portal.delete(f"/comments/{comment['id']}", headers={"If-Match": '"1"'}), 404)
    # Even a tenant that granted portal clients the comment right shows them nothing.
    with grpc.insecure_channel(stack.grpc("contacts")) as channel:
        identity_pb2_grpc.RightsServiceStub(channel).SetRight(identity_pb2.SetRightRequest(right=identity_pb2.Right(
            role=identity_pb2.ROLE_PORTAL_CLIENT, entity_type="comment", read=True, create=True)),
            metadata=(("authorization", f"Bearer {manager.token}"),), timeout=10)
    assert portal.get(f"/companies/{company['id']}/comments").json()["items"] == []
    _problem(portal.get(f"/comments/{comment['id']}"), 404)


def test_private_pools_are_their_owners_and_members_are_what_the_caller_sees(stack):
    manager = Api(stack)
    anna = _user(stack, manager.tenant, "anna", "sales_rep")
    ben = _user(stack, manager.tenant, "ben", "sales_rep")
    kept, gone = manager.company(), manager.company()
    private = anna.post("/pools", json={"name": "Meine Messe-Kontakte"})
    assert private.status_code == 201 and private.json()["visibility"] == "private", private.text
    public = anna.post("/pools", json={"name": "Alle Messe-Kontakte", "visibility": "public"}).json()
    pool = f"/pools/{private.json()['id']}"
    for company in (kept, gone):
        assert anna.put(f"{pool}/members/{company['id']}").status_code == 204
    assert anna.put(f"{pool}/members/{kept['id']}").status_code == 204  # idempotent

    _problem(ben.get(pool), 404)
    _problem(ben.get(f"{pool}/members"), 404)
    _problem(ben.put(f"{pool}/members/{kept['id']}"), 404)
    assert _ids(ben.get("/pools").json()) == [public["id"]]
    assert set(_ids(anna.get("/pools").json())) == {public["id"], private.json()["id"]}
    _problem(ben.put(f"/pools/{public['id']}/members/{kept['id']}"), 403)  # public, but anna maintains it
    _problem(manager.get(pool), 404)  # private means private, also for managers

    assert set(_ids(anna.get(f"{pool}/members").json(), "company_id")) == {kept["id"], gone["id"]}
    assert manager.delete(f"/companies/{gone['id']}", headers={"If-Match": '"1"'}).status_code == 204
    assert _ids(anna.get(f"{pool}/members").json(), "company_id") == [kept["id"]]
    _problem(anna.put(f"{pool}/members/{gone['id']}"), 404)
    assert anna.delete(f"{pool}/members/{kept['id']}").status_code == 204
    assert anna.get(f"{pool}/members").json()["items"] == []

    renamed = anna.patch(pool, json={"visibility": "public"}, headers={"If-Match": '"1"'})
    assert renamed.status_code == 200 and renamed.json()["version"] == 2
    assert ben.get(pool).status_code == 200
    _problem(ben.delete(pool, headers={"If-Match": '"2"'}), 403)
    assert anna.delete(pool, headers={"If-Match": '"2"'}).status_code == 204
    _problem(anna.get(pool), 404)


def test_a_dynamic_group_follows_a_company_update_immediately(stack):
    manager = Api(stack)
    rule = {"conditions": [{"field": "city", "op": "eq", "value": "berlin"},
                           {"field": "revenue_tier", "op": "gte", "value": "100k-1m"}]}
    group = manager.post("/groups", json={"name": "Große in Berlin", "kind": "dynamic", "rule": rule})
    assert group.status_code == 201, group.text
    assert group.json()["rule"]["conditions"][0] == {"field": "city", "op": "eq", "value": "berlin"}
    members = f"/groups/{group.json()['id']}/members"
    big = manager.company(city="Hamburg", revenue_tier=">1m")
    manager.company(city="Berlin", revenue_tier="<10k")
    assert manager.get(members).json()["items"] == []
    moved = manager.patch(f"/companies/{big['id']}", json={"city": "Berlin"}, headers={"If-Match": '"1"'})
    assert moved.status_code == 200
    assert _ids(manager.get(members).json(), "company_id") == [big["id"]]
    _problem(manager.put(f"{members}/{big['id']}"), 409)  # the rule decides

    bad = {"conditions": [rule["conditions"][0], {"field": "colour", "op": "eq", "value": "rot"}]}
    assert _fields(_problem(manager.post("/groups", json={"name": "x", "kind": "dynamic", "rule": bad}), 422)) \
        == ["rule.conditions[1].field"]
    assert _fields(_problem(manager.patch(f"/groups/{group.json()['id']}", json={"rule": {"conditions": []}},
                                          headers={"If-Match": '"1"'}), 422)) == ["rule.conditions"]

    static = manager.post("/groups", json={"name": "Stammkunden", "kind": "static"}).json()
    assert static["rule"] is None
    assert manager.put(f"/groups/{static['id']}/members/{big['id']}").status_code == 204
    assert _ids(manager.get(f"/groups/{static['id']}/members").json(), "company_id") == [big["id"]]
    rep = _user(stack, manager.tenant, "rep", "sales_rep")
    assert _ids(rep.get(f"/groups/{static['id']}/members").json(), "company_id") == [big["id"]]
    _problem(rep.post("/groups", json={"name": "meins", "kind": "static"}), 403)  # sales reps only read groups


_VALUES = {
    "revenue_tier": list(rules.REVENUE_TIERS), "industry": ["IT", "it", "Bau"], "region": ["Bayern", "BAYERN", "Nord"],
    "country": ["DE", "at"], "city": ["Berlin", "berlin ", "Köln"], "postal_code": ["1", "10", "101", "2"],
    "kind": list(rules.KINDS),
}
_CONDITION = st.sampled_from(sorted(rules.OPERATORS)).flatmap(lambda field: st.fixed_dictionaries({
    "field": st.just(field), "op": st.sampled_from(rules.OPERATORS[field]), "value": st.sampled_from(_VALUES[field]),
}))


@pytest.fixture(scope="module")
def rule_world(stack):
    """A tenant with companies spread over every field a rule can test."""
    api = Api(stack)
    spread = random.Random(3)  # fixed: the same companies every run
    for _ in range(30):
        api.company(
            kind=spread.choice(rules.KINDS), revenue_tier=spread.choice(["", *rules.REVENUE_TIERS]),
            industry=spread.choice(["IT", "it", "Bau", ""]), region=spread.choice(["Bayern", "bayern", "Nord", ""]),
            country=spread.choice(["DE", "AT", ""]), city=spread.choice(["Berlin", "BERLIN", "Köln", "köln", ""]),
            postal_code=spread.choice(["10115", "1011", "20095", ""]),
        )
    companies = api.get("/companies", params={"page_size": 200}).json()["items"]
    assert len(companies) == 30
    return api, companies


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(conditions=st.lists(_CONDITION, min_size=1, max_size=3))
def test_a_random_rule_selects_in_sql_what_it_means_in_python(rule_world, conditions):
    api, companies = rule_world
    created = api.post("/groups", json={"name": "zufällig", "kind": "dynamic", "rule": {"conditions": conditions}})
    assert created.status_code == 201, created.text
    in_sql = set(_ids(api.get(f"/groups/{created.json()['id']}/members", params={"page_size": 200}).json(),
                      "company_id"))
    parsed = rules.parse({"conditions": conditions})
    in_python = {c["id"] for c in companies if rules.matches(parsed, c)}
    assert in_sql == in_python, conditions
    api.delete(f"/groups/{created.json()['id']}", headers={"If-Match": '"1"'})


def test_traces_record_enabled_events_only_and_are_queryable_per_employee(stack):
    tenant = uuid.uuid4()
    manager = _user(stack, tenant, f"chefin-{uuid.uuid4().hex[:6]}", "org_manager")
    settings_ = manager.get("/trace-settings")
    assert settings_.headers["ETag"] == '"0"'
    assert "contacts.company.created" not in settings_.json()["enabled_event_types"]
    first = manager.company(city="Bonn")
    manager.patch(f"/companies/{first['id']}", json={"city": "Köln"}, headers={"If-Match": '"1"'})
    traced = poll(lambda: manager.get(f"/companies/{first['id']}/traces").json()["items"])
    assert [(t["event_type"], t["actor"]) for t in traced] == [("contacts.company.updated", manager.subject)]
    assert traced[0]["details"]["city"] == "Köln"  # the event as partners receive it

    _problem(manager.put("/trace-settings", json={"enabled_event_types": ["contacts.company.created"]}), 428)
    assert _fields(_problem(manager.put("/trace-settings", json={"enabled_event_types": ["contacts.nope.x"]},
                                        headers={"If-Match": '"0"'}), 422)) == ["enabled_event_types[0]"]
    chosen = manager.put("/trace-settings", json={"enabled_event_types": ["contacts.company.created"]},
                         headers={"If-Match": '"0"'})
    assert chosen.status_code == 200 and chosen.headers["ETag"] == '"1"', chosen.text
    second = manager.company()
    manager.patch(f"/companies/{second['id']}", json={"city": "Ulm"}, headers={"If-Match": '"1"'})
    person = manager.post(f"/companies/{second['id']}/persons", json={"last_name": "Muster"})
    assert person.status_code == 201
    # A later traced event seen means everything before it was handled (the feed handles events in order).
    third = manager.company()
    poll(lambda: manager.get(f"/companies/{third['id']}/traces").json()["items"])
    assert [t["event_type"] for t in manager.get(f"/companies/{second['id']}/traces").json()["items"]] == [
        "contacts.company.created"]  # its update and its person were not traced any more
    assert [t["event_type"] for t in manager.get(f"/companies/{first['id']}/traces").json()["items"]] == [
        "contacts.company.updated"]  # its creation was not traced yet
    mine = manager.get(f"/users/{manager.subject}/traces").json()["items"]
    assert [(t["company_id"], t["event_type"]) for t in mine] == [
        (third["id"], "contacts.company.created"), (second["id"], "contacts.company.created"),
        (first["id"], "contacts.company.updated")]
    assert manager.get("/users/someone-else/traces").json()["items"] == []
    paged = manager.get(f"/users/{manager.subject}/traces", params={"page_size": 1}).json()
    assert len(paged["items"]) == 1 and paged["next_page_token"]

    boss = _user(stack, tenant, "boss", "sales_manager")
    assert boss.get("/trace-settings").status_code == 200
    _problem(boss.put("/trace-settings", json={"enabled_event_types": []}, headers={"If-Match": '"1"'}), 403)


async def test_another_tenants_ids_are_not_found_everywhere(stack):
    owner = _user(stack, uuid.uuid4(), "owner", "org_manager")
    stranger = Api(stack)
    company = owner.company()
    person = owner.post(f"/companies/{company['id']}/persons", json={"last_name": "Muster"}).json()
    comment = owner.post(f"/companies/{company['id']}/comments", json={"body": "intern"}).json()
    pool = owner.post("/pools", json={"name": "P", "visibility": "public"}).json()
    group = owner.post("/groups", json={"name": "G", "kind": "static"}).json()
    owner.put(f"/pools/{pool['id']}/members/{company['id']}")
    owner.put(f"/groups/{group['id']}/members/{company['id']}")
    if_match = {"If-Match": '"1"'}
    for method, path, kwargs in [
        ("get", f"/companies/{company['id']}/comments", {}),
        ("post", f"/companies/{company['id']}/comments", {"json": {"body": "x"}}),
        ("get", f"/persons/{person['id']}/comments", {}),
        ("post", f"/persons/{person['id']}/comments", {"json": {"body": "x"}}),
        ("get", f"/comments/{comment['id']}", {}),
        ("patch", f"/comments/{comment['id']}", {"json": {"body": "x"}, "headers": if_match}),
        ("delete", f"/comments/{comment['id']}", {"headers": if_match}),
        ("get", f"/companies/{company['id']}/traces", {}),
        ("get", f"/pools/{pool['id']}", {}), ("get", f"/pools/{pool['id']}/members", {}),
        ("patch", f"/pools/{pool['id']}", {"json": {"name": "x"}, "headers": if_match}),
        ("delete", f"/pools/{pool['id']}", {"headers": if_match}),
        ("put", f"/pools/{pool['id']}/members/{company['id']}", {}),
        ("delete", f"/pools/{pool['id']}/members/{company['id']}", {}),
        ("get", f"/groups/{group['id']}", {}), ("get", f"/groups/{group['id']}/members", {}),
        ("patch", f"/groups/{group['id']}", {"json": {"name": "x"}, "headers": if_match}),
        ("delete", f"/groups/{group['id']}", {"headers": if_match}),
        ("put", f"/groups/{group['id']}/members/{company['id']}", {}),
        ("delete", f"/groups/{group['id']}/members/{company['id']}", {}),
    ]:
        _problem(getattr(stranger, method)(path, **kwargs), 404)
    # The stranger's own pool or group cannot take the owner's company either.
    own_pool = stranger.post("/pools", json={"name": "S"}).json()
    _problem(stranger.put(f"/pools/{own_pool['id']}/members/{company['id']}"), 404)
    assert stranger.get(f"/users/{owner.subject}/traces").json()["items"] == []
    assert stranger.get("/pools").json()["items"] == [own_pool]
    assert stranger.get("/groups").json()["items"] == []

    metadata = (("authorization", f"Bearer {stranger.token}"),)
    async with grpc.aio.insecure_channel(stack.grpc("contacts")) as channel:
        comments = companions_pb2_grpc.CommentServiceStub(channel)
        pools = companions_pb2_grpc.PoolServiceStub(channel)
        groups = companions_pb2_grpc.GroupServiceStub(channel)
        traces = companions_pb2_grpc.TraceServiceStub(channel)
        for method, request in [
            (comments.GetComment, companions_pb2.GetCommentRequest(id=comment["id"])),
            (comments.ListComments, companions_pb2.ListCommentsRequest(record_type="company",
                                                                       record_id=company["id"])),
            (comments.UpdateComment, companions_pb2.UpdateCommentRequest(id=comment["id"], expected_version=1,
                                                                         body="x")),
            (comments.DeleteComment, companions_pb2.DeleteCommentRequest(id=comment["id"], expected_version=1)),
            (pools.GetPool, companions_pb2.GetPoolRequest(id=pool["id"])),
            (pools.ListPoolMembers, companions_pb2.ListMembersRequest(id=pool["id"])),
            (pools.AddPoolMember, companions_pb2.PoolMemberRequest(pool_id=pool["id"], company_id=company["id"])),
            (groups.GetGroup, companions_pb2.GetGroupRequest(id=group["id"])),
            (groups.ListGroupMembers, companions_pb2.ListMembersRequest(id=group["id"])),
            (groups.RemoveGroupMember, companions_pb2.GroupMemberRequest(group_id=group["id"],
                                                                         company_id=company["id"])),
            (traces.ListCompanyTraces, companions_pb2.ListCompanyTracesRequest(company_id=company["id"])),
        ]:
            with pytest.raises(grpc.aio.AioRpcError) as exc:
                await method(request, metadata=metadata, timeout=10)
            assert exc.value.code() == grpc.StatusCode.NOT_FOUND, method
    # The owner's records are untouched.
    assert owner.get(f"/comments/{comment['id']}").json()["body"] == "intern"
    assert _ids(owner.get(f"/groups/{group['id']}/members").json(), "company_id") == [company["id"]]


def test_a_missing_right_answers_403(stack):
    manager = Api(stack)
    company = manager.company()
    portal = _user(stack, manager.tenant, "kunde", "portal_client")
    technician = _user(stack, manager.tenant, "tech", "technician")
    for path in ("/pools", "/groups", f"/companies/{company['id']}/traces", "/trace-settings"):
        _problem(portal.get(path), 403)
    _problem(technician.post("/pools", json={"name": "x"}), 403)
    _problem(technician.post("/groups", json={"name": "x", "kind": "static"}), 403)
    comment = manager.post(f"/companies/{company['id']}/comments", json={"body": "x"}).json()
    _problem(_user(stack, manager.tenant, "t2", "technician").delete(
        f"/comments/{comment['id']}", headers={"If-Match": '"1"'}), 403)  # not the author
