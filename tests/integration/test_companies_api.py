"""Companies over the gateway (REST) and contacts (gRPC): CRUD, versions, duplicates, conversion, rights, events."""

from __future__ import annotations

import asyncio
import json
import uuid

import grpc
import httpx
import pytest
import sqlalchemy as sa

from kontor.platform.db import Database
from kontor.protos.contacts.v1 import contacts_pb2, contacts_pb2_grpc

from tests.integration.helpers import apoll
from tests.integration.natsutil import read_stream

FULL = {"name": "Muster GmbH", "kind": "lead", "street": "Hauptstr. 1", "postal_code": "10115", "city": "Berlin",
        "region": "Berlin", "country": "de", "industry": "IT", "revenue_tier": "100k-1m",
        "website": "https://www.muster.de", "email": "info@muster.de", "notes": "Messe 2026"}


class Api:
    """The gateway as one tenant's user sees it."""

    def __init__(self, stack, tenant: uuid.UUID | None = None, roles: tuple[str, ...] = ("org_manager",)):
        self.tenant = tenant or uuid.uuid4()
        self.base = f"{stack.http('gateway')}/api/v1"
        self.token = stack.token(self.tenant, subject=f"user-{roles[0]}", roles=roles)
        self.client = httpx.Client(headers={"Authorization": f"Bearer {self.token}"}, timeout=15)

    def __getattr__(self, method):  # api.get("/companies"), api.post(...), ...
        return lambda path, **kwargs: self.client.request(method.upper(), self.base + path, **kwargs)

    def company(self, **fields) -> dict:
        created = self.post("/companies", json={"name": f"Firma {uuid.uuid4().hex[:8]}", **fields})
        assert created.status_code == 201, created.text
        return created.json()


def _problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def _fields(problem: dict) -> list[str]:
    return [error["field"] for error in problem.get("errors", [])]


def test_company_crud_with_etags(stack):
    api = Api(stack)
    created = api.post("/companies", json=FULL)
    assert created.status_code == 201, created.text
    company = created.json()
    assert created.headers["ETag"] == '"1"' and created.headers["Location"] == f"/api/v1/companies/{company['id']}"
    assert {k: company[k] for k in FULL} == FULL | {"country": "DE"}
    assert company["access_level"] == "company" and company["version"] == 1
    path = f"/companies/{company['id']}"

    fetched = api.get(path)
    assert fetched.json() == company and fetched.headers["ETag"] == '"1"'

    missing = _problem(api.patch(path, json={"city": "Hamburg"}), 428)
    assert "If-Match" in missing["detail"]
    updated = api.patch(path, json={"city": "Hamburg", "postal_code": "20095", "notes": None},
                        headers={"If-Match": '"1"'})
    assert updated.status_code == 200, updated.text
    assert (updated.json()["city"], updated.json()["notes"], updated.json()["version"]) == ("Hamburg", FULL["notes"], 2)
    assert updated.headers["ETag"] == '"2"'
    stale = _problem(api.patch(path, json={"city": "Bremen"}, headers={"If-Match": '"1"'}), 412)
    assert "version 2" in stale["detail"]
    unchanged = api.patch(path, json={"city": "Hamburg"}, headers={"If-Match": 'W/"2"'})
    assert unchanged.json()["version"] == 2  # nothing changed, no new version

    assert _fields(_problem(api.patch(path, json={"country": "Deutschland"}, headers={"If-Match": '"2"'}), 422)) \
        == ["country"]
    assert _fields(_problem(api.patch(path, json={"kind": "customer"}, headers={"If-Match": '"2"'}), 422)) == ["kind"]
    assert _fields(_problem(api.patch(path, json={}, headers={"If-Match": "two"}), 422)) == ["If-Match"]

    _problem(api.delete(path), 428)
    _problem(api.delete(path, headers={"If-Match": '"1"'}), 412)
    assert api.delete(path, headers={"If-Match": '"2"'}).status_code == 204
    _problem(api.get(path), 404)
    _problem(api.get(f"{path}/history"), 404)
    assert company["id"] not in [c["id"] for c in api.get("/companies").json()["items"]]


async def test_a_deleted_company_keeps_its_row_and_history(stack):
    api = Api(stack)
    company = api.company(city="Köln")
    api.patch(f"/companies/{company['id']}", json={"industry": "Bau"}, headers={"If-Match": '"1"'})
    assert api.delete(f"/companies/{company['id']}", headers={"If-Match": '"2"'}).status_code == 204
    db = Database(stack.database_url("contacts"))
    try:
        async with db.unit_of_work(api.tenant) as session:
            deleted_at = await session.scalar(sa.text("SELECT deleted_at FROM companies WHERE id = :i"),
                                              {"i": company["id"]})
            fields = (await session.scalars(sa.text(
                "SELECT field FROM company_history WHERE company_id = :i ORDER BY version, field"),
                {"i": company["id"]})).all()
    finally:
        await db.dispose()
    assert deleted_at is not None
    assert fields == ["created", "industry", "deleted"]


def test_invalid_ids_and_inputs_name_the_field(stack):
    api = Api(stack)
    for method, path in [("get", "/companies/nope"), ("patch", "/companies/nope"), ("delete", "/companies/nope"),
                         ("post", "/companies/nope/convert"), ("get", "/companies/nope/history"),
                         ("get", "/companies/nope/persons")]:
        response = getattr(api, method)(path, json={}, headers={"If-Match": '"1"'})
        assert _fields(_problem(response, 422)) == ["company_id"], (method, path)
    for body, field in [({"name": "x", "website": "nicht da"}, "website"), ({"name": "x", "email": "x@"}, "email"),
                        ({"name": "x", "revenue_tier": "viel"}, "revenue_tier"), ({"name": ""}, "name"),
                        ({"name": "x", "postal_code": "1%"}, "postal_code")]:
        assert _fields(_problem(api.post("/companies", json=body), 422)) == [field], body
    assert _fields(_problem(api.get("/companies", params={"sort": "city"}), 422)) == ["sort"]
    assert _fields(_problem(api.get("/companies", params={"page_token": "abc"}), 422)) == ["page_token"]


def test_duplicates_answer_409_with_a_link_unless_confirmed(stack):
    api = Api(stack)
    original = api.company(name="Muster GmbH", city="Berlin", website="www.muster.de")
    link = f"/api/v1/companies/{original['id']}"
    for body in [{"name": "Andere AG", "email": "vertrieb@MUSTER.de"},          # same domain by email
                 {"name": "Andere AG", "website": "https://muster.de/shop"},     # same domain by website
                 {"name": "  muster   gmbh ", "city": "BERLIN"}]:              # same name and city
        duplicate = _problem(api.post("/companies", json=body), 409)
        assert duplicate["existing"] == link and original["id"] in duplicate["detail"]
    response = api.post("/companies", json={"name": "Andere AG", "email": "a@muster.de"})
    assert response.headers["Link"] == f'<{link}>; rel="duplicate"'
    assert api.get(link.removeprefix("/api/v1")).status_code == 200
    confirmed = api.post("/companies", json={"name": "Muster GmbH", "city": "Berlin", "confirm_duplicate": True})
    assert confirmed.status_code == 201
    # Free-mail domains and the same name elsewhere are no duplicates.
    api.company(name="Eins", email="eins@gmail.com")
    api.company(name="Zwei", email="zwei@gmail.com")
    api.company(name="Muster GmbH", city="München")


async def test_duplicate_over_grpc_carries_the_existing_id(stack):
    api = Api(stack)
    original = api.company(name="Grpc GmbH", website="grpc-gmbh.de")
    async with grpc.aio.insecure_channel(stack.grpc("contacts")) as channel:
        stub = contacts_pb2_grpc.CompanyServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as exc:
            await stub.CreateCompany(contacts_pb2.CreateCompanyRequest(name="X", website="grpc-gmbh.de"),
                                     metadata=(("authorization", f"Bearer {api.token}"),), timeout=10)
    assert exc.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert dict(exc.value.trailing_metadata())["kontor-existing-id"] == original["id"]


def test_converting_a_lead_keeps_its_history(stack):
    api = Api(stack)
    lead = api.company(city="Bonn")
    path = f"/companies/{lead['id']}"
    api.patch(path, json={"city": "Köln", "industry": "Handel"}, headers={"If-Match": '"1"'})
    _problem(api.post(f"{path}/convert", headers={"If-Match": '"1"'}), 412)
    converted = api.post(f"{path}/convert", headers={"If-Match": '"2"'})
    assert converted.status_code == 200, converted.text
    body = converted.json()
    assert (body["kind"], body["version"], body["id"], converted.headers["ETag"]) == ("customer", 3, lead["id"], '"3"')
    again = _problem(api.post(f"{path}/convert"), 409)
    assert "customer already" in again["detail"]
    _problem(api.post(f"{path}/convert", headers={"If-Match": '"3"'}), 409)

    history = api.get(f"{path}/history").json()["items"]
    assert [(h["field"], h["old_value"], h["new_value"], h["version"]) for h in history] == [
        ("created", "", "lead", 1), ("city", "Bonn", "Köln", 2), ("industry", "", "Handel", 2),
        ("kind", "lead", "customer", 3)]
    assert {h["changed_by"] for h in history} == {"user-org_manager"}
    first = api.get(f"{path}/history", params={"page_size": 2}).json()
    rest = api.get(f"{path}/history", params={"page_size": 2, "page_token": first["next_page_token"]}).json()
    assert first["items"] + rest["items"] == history and rest["next_page_token"] == ""


def test_list_filters_and_sorts_with_stable_pages(stack):
    api = Api(stack)
    made = [api.company(name=name, city=city, postal_code=plz, industry=industry, kind=kind, confirm_duplicate=True)
            for name, city, plz, industry, kind in [
                ("beta", "Berlin", "10115", "IT", "lead"), ("Alpha", "Berlin", "10117", "it", "customer"),
                ("alpha", "Hamburg", "20095", "Bau", "lead"), ("Gamma", "berlin", "12043", "IT", "customer"),
                ("Delta", "Bonn", "53111", "Bau", "lead")]]
    by_id = {c["id"]: c for c in made}

    def walk(**params) -> list[str]:
        ids, token = [], ""
        while True:
            page = api.get("/companies", params={**params, "page_size": 2, "page_token": token}).json()
            ids += [c["id"] for c in page["items"]]
            token = page["next_page_token"]
            if not token:
                return ids

    by_name = walk(sort="name")
    assert len(by_name) == len(set(by_name)) == 5
    assert [by_id[i]["name"].lower() for i in by_name] == ["alpha", "alpha", "beta", "delta", "gamma"]
    alphas = sorted(i for i in by_name if by_id[i]["name"].lower() == "alpha")
    assert by_name[:2] == alphas  # ties broken by id
    assert walk(sort="-name") == list(reversed(by_name))
    assert walk() == [c["id"] for c in reversed(made)]  # default: newest first
    assert walk(sort="created_at") == [c["id"] for c in made]
    assert {by_id[i]["name"] for i in walk(city="BERLIN")} == {"beta", "Alpha", "Gamma"}
    assert {by_id[i]["name"] for i in walk(kind="customer")} == {"Alpha", "Gamma"}
    assert {by_id[i]["name"] for i in walk(industry="it")} == {"beta", "Alpha", "Gamma"}
    assert {by_id[i]["name"] for i in walk(postal_code_prefix="101")} == {"beta", "Alpha"}
    token = api.get("/companies", params={"page_size": 1, "sort": "name"}).json()["next_page_token"]
    assert _fields(_problem(api.get("/companies", params={"page_token": token, "sort": "-name"}), 422)) \
        == ["page_token"]


async def test_concurrent_writers_with_one_etag_cannot_both_win(stack):
    api = Api(stack)
    company = api.company()
    async with httpx.AsyncClient(headers=api.client.headers, timeout=30) as client:
        responses = await asyncio.gather(*(
            client.patch(f"{api.base}/companies/{company['id']}", json={"notes": f"writer {i}"},
                         headers={"If-Match": '"1"'})
            for i in range(6)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 412, 412, 412, 412, 412], statuses
    winner = next(r.json() for r in responses if r.status_code == 200)
    assert api.get(f"/companies/{company['id']}").json()["notes"] == winner["notes"]


async def test_concurrent_creates_of_one_company_make_one_record(stack):
    api = Api(stack)
    async with httpx.AsyncClient(headers=api.client.headers, timeout=30) as client:
        responses = await asyncio.gather(*(
            client.post(f"{api.base}/companies", json={"name": f"Parallel {i}", "website": "parallel-gmbh.de"})
            for i in range(6)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409, 409, 409, 409, 409], statuses
    created = next(r.json() for r in responses if r.status_code == 201)
    assert {r.json()["existing"] for r in responses if r.status_code == 409} == {f"/api/v1/companies/{created['id']}"}


async def test_another_tenant_gets_404_everywhere(stack):
    owner, stranger = Api(stack), Api(stack)
    company = owner.company(city="Ulm")
    path = f"/companies/{company['id']}"
    version = {"If-Match": '"1"'}
    for response in [stranger.get(path), stranger.patch(path, json={"city": "x"}, headers=version),
                     stranger.delete(path, headers=version), stranger.post(f"{path}/convert"),
                     stranger.get(f"{path}/history"), stranger.get(f"{path}/persons"),
                     stranger.post(f"{path}/persons", json={"last_name": "X"})]:
        _problem(response, 404)
    assert stranger.get("/companies").json()["items"] == []
    # Same over gRPC, method by method.
    metadata = (("authorization", f"Bearer {stranger.token}"),)
    async with grpc.aio.insecure_channel(stack.grpc("contacts")) as channel:
        stub = contacts_pb2_grpc.CompanyServiceStub(channel)
        for method, request in [
            (stub.GetCompany, contacts_pb2.GetCompanyRequest(id=company["id"])),
            (stub.UpdateCompany, contacts_pb2.UpdateCompanyRequest(id=company["id"], expected_version=1, city="x")),
            (stub.DeleteCompany, contacts_pb2.DeleteCompanyRequest(id=company["id"], expected_version=1)),
            (stub.ConvertToCustomer, contacts_pb2.ConvertToCustomerRequest(id=company["id"])),
            (stub.ListCompanyHistory, contacts_pb2.ListCompanyHistoryRequest(id=company["id"])),
        ]:
            with pytest.raises(grpc.aio.AioRpcError) as exc:
                await method(request, metadata=metadata, timeout=10)
            assert exc.value.code() == grpc.StatusCode.NOT_FOUND, method
        listed = await stub.ListCompanies(contacts_pb2.ListCompaniesRequest(), metadata=metadata, timeout=10)
        assert list(listed.companies) == []
    assert owner.get(path).json()["version"] == 1  # nothing the stranger did touched it


async def test_roles_without_the_right_get_403(stack):
    owner = Api(stack)
    company = owner.company()
    path = f"/companies/{company['id']}"
    technician = Api(stack, owner.tenant, roles=("technician",))  # may read companies, nothing else
    portal = Api(stack, owner.tenant, roles=("portal_client",))   # may do nothing here
    assert technician.get(path).status_code == 200
    for response in [technician.post("/companies", json={"name": "T"}),
                     technician.patch(path, json={"city": "x"}, headers={"If-Match": '"1"'}),
                     technician.delete(path, headers={"If-Match": '"1"'}), technician.post(f"{path}/convert"),
                     portal.get(path), portal.get("/companies"), portal.get(f"{path}/history")]:
        _problem(response, 403)
    async with grpc.aio.insecure_channel(stack.grpc("contacts")) as channel:
        stub = contacts_pb2_grpc.CompanyServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as exc:
            await stub.DeleteCompany(contacts_pb2.DeleteCompanyRequest(id=company["id"], expected_version=1),
                                     metadata=(("authorization", f"Bearer {technician.token}"),), timeout=10)
    assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert owner.get(path).json()["version"] == 1


async def test_every_change_publishes_its_event(stack):
    api = Api(stack)
    company = api.company(city="Essen")
    path = f"/companies/{company['id']}"
    api.patch(path, json={"city": "Dortmund", "revenue_tier": ">1m"}, headers={"If-Match": '"1"'})
    api.post(f"{path}/convert")
    api.delete(path, headers={"If-Match": '"3"'})

    async def four_events():
        messages = await read_stream(stack.topology.infra.nats_url, "KONTOR_CONTACTS",
                                     f"kontor.{api.tenant}.contacts.company.>")
        return messages if len(messages) >= 4 else None

    events = [json.loads(m.data) for m in await apoll(four_events)]
    assert [e["type"] for e in events] == [f"kontor.contacts.company.{verb}"
                                           for verb in ("created", "updated", "converted", "deleted")]
    assert {e["subject"] for e in events} == {company["id"]}
    created, updated, converted, deleted = (e["data"] for e in events)
    assert created["kind"] == "lead"
    assert sorted(updated["changedFields"]) == ["city", "revenue_tier"] and updated["version"] == "2"
    assert (converted["fromKind"], converted["toKind"]) == ("lead", "customer")
    assert deleted == {"companyId": company["id"], "version": "4"}
