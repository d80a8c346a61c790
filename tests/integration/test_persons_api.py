"""Contact persons over the gateway (REST) and contacts (gRPC): CRUD, versions, duplicates, isolation, rights,
events."""

from __future__ import annotations

import json

import grpc
import pytest

from kontor.protos.contacts.v1 import persons_pb2, persons_pb2_grpc

from tests.integration.helpers import apoll
from tests.integration.natsutil import read_stream
from tests.integration.test_companies_api import Api, _fields, _problem

ERIKA = {"salutation": "Frau", "title": "Dr.", "first_name": "Erika", "last_name": "Mustermann",
         "role": "Einkaufsleiterin", "birthday": "1980-02-29", "notes": "mag Kaffee",
         "emails": [{"address": "Erika@Muster.de", "label": "work"}, {"address": "erika@gmx.de", "label": "privat"}],
         "phones": [{"number": "030 / 123 456-7", "label": "Büro"}, {"number": "+41 44 123 45 67", "label": "CH"},
                    {"number": "123", "label": "intern"}]}


def test_person_crud_with_etags(stack):
    api = Api(stack)
    company = api.company(country="DE")
    created = api.post(f"/companies/{company['id']}/persons", json=ERIKA)
    assert created.status_code == 201, created.text
    person = created.json()
    assert created.headers["ETag"] == '"1"' and created.headers["Location"] == f"/api/v1/persons/{person['id']}"
    assert person["company_id"] == company["id"] and person["birthday"] == "1980-02-29"
    assert person["emails"] == [{"address": "erika@muster.de", "label": "work", "primary": True},
                                {"address": "erika@gmx.de", "label": "privat", "primary": False}]
    assert [(p["number"], p["e164"]) for p in person["phones"]] == [
        ("030 / 123 456-7", "+49301234567"), ("+41 44 123 45 67", "+41441234567"), ("123", "")]
    path = f"/persons/{person['id']}"
    fetched = api.get(path)
    assert fetched.json() == person and fetched.headers["ETag"] == '"1"'

    _problem(api.patch(path, json={"role": "CEO"}), 428)
    updated = api.patch(path, json={"role": "Geschäftsführerin", "phones": [], "birthday": None},
                        headers={"If-Match": '"1"'})
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert (body["role"], body["phones"], body["birthday"], body["version"]) == ("Geschäftsführerin", [], None, 2)
    assert body["emails"] == person["emails"] and updated.headers["ETag"] == '"2"'
    _problem(api.patch(path, json={"role": "x"}, headers={"If-Match": '"1"'}), 412)
    assert _fields(_problem(api.patch(path, json={"emails": [{"address": "kaputt"}]}, headers={"If-Match": '"2"'}),
                            422)) == ["emails.0.address"]
    assert _fields(_problem(api.get("/persons/42"), 422)) == ["person_id"]

    _problem(api.delete(path), 428)
    _problem(api.delete(path, headers={"If-Match": '"1"'}), 412)
    assert api.delete(path, headers={"If-Match": '"2"'}).status_code == 204
    _problem(api.get(path), 404)
    assert api.get(f"/companies/{company['id']}/persons").json()["items"] == []


def test_lists_per_company_and_across_the_tenant(stack):
    api = Api(stack)
    first, second = api.company(), api.company()
    names = {}
    for company, last in [(first, "Zander"), (first, "adler"), (second, "Meier"), (first, "Berg")]:
        created = api.post(f"/companies/{company['id']}/persons", json={"last_name": last})
        names[created.json()["id"]] = last
    of_first = api.get(f"/companies/{first['id']}/persons").json()["items"]
    assert [p["last_name"] for p in of_first] == ["adler", "Berg", "Zander"]  # case-insensitive by last name
    everyone, token = [], ""
    while True:
        page = api.get("/persons", params={"page_size": 3, "sort": "-last_name", "page_token": token}).json()
        everyone += [p["last_name"] for p in page["items"]]
        token = page["next_page_token"]
        if not token:
            break
    assert everyone == ["Zander", "Meier", "Berg", "adler"]
    newest = api.get("/persons", params={"sort": "-created_at"}).json()["items"]
    assert [p["last_name"] for p in newest] == ["Berg", "Meier", "adler", "Zander"]
    assert _fields(_problem(api.get("/persons", params={"sort": "first_name"}), 422)) == ["sort"]


def test_persons_of_a_deleted_company_are_gone(stack):
    api = Api(stack)
    company = api.company()
    person = api.post(f"/companies/{company['id']}/persons", json={"last_name": "Weg"}).json()
    assert api.delete(f"/companies/{company['id']}", headers={"If-Match": '"1"'}).status_code == 204
    _problem(api.get(f"/persons/{person['id']}"), 404)
    _problem(api.patch(f"/persons/{person['id']}", json={"role": "x"}, headers={"If-Match": '"1"'}), 404)
    _problem(api.get(f"/companies/{company['id']}/persons"), 404)
    _problem(api.post(f"/companies/{company['id']}/persons", json={"last_name": "Neu"}), 404)
    assert person["id"] not in [p["id"] for p in api.get("/persons").json()["items"]]


def test_a_known_email_answers_409_with_a_link_unless_confirmed(stack):
    api = Api(stack)
    company = api.company()
    first = api.post(f"/companies/{company['id']}/persons",
                     json={"last_name": "Eins", "emails": [{"address": "same@muster.de"}]}).json()
    again = _problem(api.post(f"/companies/{api.company()['id']}/persons",
                              json={"last_name": "Zwei", "emails": [{"address": "SAME@muster.de"}]}), 409)
    assert again["existing"] == f"/api/v1/persons/{first['id']}"
    confirmed = api.post(f"/companies/{company['id']}/persons", json={
        "last_name": "Zwei", "emails": [{"address": "same@muster.de"}], "confirm_duplicate": True})
    assert confirmed.status_code == 201, confirmed.text


async def test_another_tenant_gets_404_everywhere(stack):
    owner, stranger = Api(stack), Api(stack)
    company = owner.company()
    person = owner.post(f"/companies/{company['id']}/persons", json={"last_name": "Geheim"}).json()
    path = f"/persons/{person['id']}"
    for response in [stranger.get(path), stranger.patch(path, json={"role": "x"}, headers={"If-Match": '"1"'}),
                     stranger.delete(path, headers={"If-Match": '"1"'}),
                     stranger.get(f"/companies/{company['id']}/persons"),
                     stranger.post(f"/companies/{company['id']}/persons", json={"last_name": "X"})]:
        _problem(response, 404)
    assert stranger.get("/persons").json()["items"] == []
    metadata = (("authorization", f"Bearer {stranger.token}"),)
    async with grpc.aio.insecure_channel(stack.grpc("contacts")) as channel:
        stub = persons_pb2_grpc.ContactPersonServiceStub(channel)
        for method, request in [
            (stub.GetContactPerson, persons_pb2.GetContactPersonRequest(id=person["id"])),
            (stub.UpdateContactPerson, persons_pb2.UpdateContactPersonRequest(id=person["id"], expected_version=1,
                                                                              role="x")),
            (stub.DeleteContactPerson, persons_pb2.DeleteContactPersonRequest(id=person["id"], expected_version=1)),
            (stub.ListContactPersons, persons_pb2.ListContactPersonsRequest(company_id=company["id"])),
            (stub.CreateContactPerson, persons_pb2.CreateContactPersonRequest(company_id=company["id"],
                                                                              last_name="X")),
        ]:
            with pytest.raises(grpc.aio.AioRpcError) as exc:
                await method(request, metadata=metadata, timeout=10)
            assert exc.value.code() == grpc.StatusCode.NOT_FOUND, method
        listed = await stub.ListContactPersons(persons_pb2.ListContactPersonsRequest(), metadata=metadata, timeout=10)
        assert list(listed.persons) == []
    assert owner.get(path).json()["version"] == 1


async def test_roles_without_the_right_get_403(stack):
    owner = Api(stack)
    company = owner.company()
    person = owner.post(f"/companies/{company['id']}/persons", json={"last_name": "Recht"}).json()
    technician = Api(stack, owner.tenant, roles=("technician",))
    portal = Api(stack, owner.tenant, roles=("portal_client",))
    assert technician.get(f"/persons/{person['id']}").status_code == 200
    for response in [technician.post(f"/companies/{company['id']}/persons", json={"last_name": "T"}),
                     technician.patch(f"/persons/{person['id']}", json={"role": "x"}, headers={"If-Match": '"1"'}),
                     technician.delete(f"/persons/{person['id']}", headers={"If-Match": '"1"'}),
                     portal.get("/persons"), portal.get(f"/persons/{person['id']}")]:
        _problem(response, 403)
    async with grpc.aio.insecure_channel(stack.grpc("contacts")) as channel:
        stub = persons_pb2_grpc.ContactPersonServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as exc:
            await stub.ListContactPersons(persons_pb2.ListContactPersonsRequest(),
                                          metadata=(("authorization", f"Bearer {portal.token}"),), timeout=10)
    assert exc.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_every_change_publishes_its_event_without_personal_details(stack):
    api = Api(stack)
    company = api.company()
    person = api.post(f"/companies/{company['id']}/persons", json=ERIKA).json()
    api.patch(f"/persons/{person['id']}", json={"role": "CEO", "title": ""}, headers={"If-Match": '"1"'})
    api.delete(f"/persons/{person['id']}", headers={"If-Match": '"2"'})

    async def three_events():
        messages = await read_stream(stack.topology.infra.nats_url, "KONTOR_CONTACTS",
                                     f"kontor.{api.tenant}.contacts.contact_person.>")
        return messages if len(messages) >= 3 else None

    events = [json.loads(m.data) for m in await apoll(three_events)]
    assert [e["type"] for e in events] == [f"kontor.contacts.contact_person.{verb}"
                                           for verb in ("created", "updated", "deleted")]
    created, updated, deleted = (e["data"] for e in events)
    assert created == {"personId": person["id"], "companyId": company["id"], "firstName": "Erika",
                       "lastName": "Mustermann", "role": "Einkaufsleiterin", "version": "1"}
    assert sorted(updated["changedFields"]) == ["role", "title"] and updated["version"] == "2"
    assert deleted == {"personId": person["id"], "companyId": company["id"], "version": "3"}
    raw = json.dumps(events)
    assert "muster.de" not in raw and "1980" not in raw and "+4930" not in raw
