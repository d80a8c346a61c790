"""The contacts lookup behind attendees ↔ participants, over real gRPC against a stand-in contacts server
that answers the three calls the lookup makes (ListUsers, Search, GetContactPerson)."""

from __future__ import annotations

import uuid

import grpc
import pytest

from kontor.calendar_sync.sync.contacts_people import ContactsPeople
from kontor.protos.contacts.v1 import data_pb2, data_pb2_grpc, identity_pb2, identity_pb2_grpc, persons_pb2
from kontor.protos.contacts.v1 import persons_pb2_grpc

ANNA, ERIKA, MAX = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


class Users(identity_pb2_grpc.UserServiceServicer):
    async def ListUsers(self, request, context):
        users = [identity_pb2.User(id=str(ANNA), email="anna@kontor.example", active=True),
                 identity_pb2.User(id=str(uuid.uuid4()), email="gone@kontor.example", active=False)]
        if not request.page_token:  # two pages: the lookup must follow the token
            return identity_pb2.ListUsersResponse(users=users[:1], next_page_token="2")
        return identity_pb2.ListUsersResponse(users=users[1:])


class Persons(persons_pb2_grpc.ContactPersonServiceServicer):
    people = {
        str(ERIKA): [persons_pb2.EmailAddress(address="e.muster@kunde.example"),
                     persons_pb2.EmailAddress(address="erika@kunde.example", primary=True)],
        str(MAX): [persons_pb2.EmailAddress(address="max@kunde.example")],
    }

    async def GetContactPerson(self, request, context):
        if request.id not in self.people:
            await context.abort(grpc.StatusCode.NOT_FOUND, "contact person not found")
        return persons_pb2.ContactPerson(id=request.id, emails=self.people[request.id])


class Search(data_pb2_grpc.SearchServiceServicer):
    async def Search(self, request, context):
        # Typo-tolerant: "max" also finds Erika's "e.muster" before Max; only an exact address may count.
        hits = [data_pb2.SearchHit(type="person", id=str(ERIKA)), data_pb2.SearchHit(type="person", id=str(MAX))]
        if "nobody" in request.query:
            hits = [data_pb2.SearchHit(type="person", id=str(uuid.uuid4()))]
        assert list(request.types) == ["person"]
        return data_pb2.SearchResponse(hits=hits)


@pytest.fixture
async def lookup():
    server = grpc.aio.server()
    identity_pb2_grpc.add_UserServiceServicer_to_server(Users(), server)
    persons_pb2_grpc.add_ContactPersonServiceServicer_to_server(Persons(), server)
    data_pb2_grpc.add_SearchServiceServicer_to_server(Search(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield ContactsPeople(channel)
    await channel.close()
    await server.stop(None)


async def test_users_both_ways_and_inactive_ones_ignored(lookup):
    assert await lookup.users_by_email({"Anna@Kontor.example", "gone@kontor.example"}) == {"Anna@Kontor.example": ANNA}
    assert await lookup.user_emails({ANNA, uuid.uuid4()}) == {ANNA: "anna@kontor.example"}


async def test_contact_persons_by_exact_address_only(lookup):
    found = await lookup.persons_by_email({"max@kunde.example", "E.Muster@kunde.example", "nobody@kunde.example"})
    assert found == {"max@kunde.example": MAX, "e.muster@kunde.example": ERIKA}
    assert await lookup.person_emails({ERIKA, MAX, uuid.uuid4()}) == {ERIKA: "erika@kunde.example",
                                                                      MAX: "max@kunde.example"}


async def test_an_address_is_searched_once_per_lookup(lookup):
    calls = []
    search = lookup._search.Search

    async def counted(request, **kwargs):
        calls.append(request.query)
        return await search(request, **kwargs)

    lookup._search.Search = counted
    for _ in range(3):
        assert await lookup.persons_by_email({"max@kunde.example", "nobody@kunde.example"}) == {
            "max@kunde.example": MAX}
    assert sorted(calls) == ["max@kunde.example", "nobody@kunde.example"]
