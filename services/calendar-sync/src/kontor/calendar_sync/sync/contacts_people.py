"""``people.ContactsLookup`` over contacts' gRPC API: users' and contact persons' e-mail addresses.

contacts offers no "who has this address" call, so:

* users: ``UserService.ListUsers`` once per lookup object (a tenant's employees; e-mail stored lower-case),
  then both directions from that list;
* contact persons by address: ``SearchService.Search`` (types ``person``) with the address as the query,
  each hit confirmed with ``ContactPersonService.GetContactPerson`` (an exact, case-free match on one of
  the person's addresses; a typo-tolerant hit is never taken on its own);
* a person's address: ``GetContactPerson``, the primary address (else the first).

Calls carry the current principal's token (``kontor.platform.grpc_client``), so contacts applies the
caller's rights: a person the caller may not see is not found. A failed lookup answers "unknown" for
what it could not resolve; ``attendees.py`` keeps participants it cannot place, so a contacts outage
never drops one.
"""

from __future__ import annotations

import logging
import uuid

import grpc

from kontor.platform.errors import DomainError
from kontor.platform.grpc_client import call
from kontor.protos.contacts.v1 import data_pb2, data_pb2_grpc, identity_pb2, identity_pb2_grpc, persons_pb2
from kontor.protos.contacts.v1 import persons_pb2_grpc

log = logging.getLogger(__name__)

PAGE = 200
SEARCH_HITS = 5


class ContactsPeople:
    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._users = identity_pb2_grpc.UserServiceStub(channel)
        self._persons = persons_pb2_grpc.ContactPersonServiceStub(channel)
        self._search = data_pb2_grpc.SearchServiceStub(channel)
        self._directory: dict[str, uuid.UUID] | None = None
        # Per lookup object (one sync round): a meeting's guests come up once per mailbox that holds it.
        self._by_address: dict[str, uuid.UUID | None] = {}

    async def _user_directory(self) -> dict[str, uuid.UUID]:
        if self._directory is None:
            out: dict[str, uuid.UUID] = {}
            token = ""
            try:
                while True:
                    page = await call(self._users.ListUsers, identity_pb2.ListUsersRequest(page_size=PAGE,
                                                                                           page_token=token))
                    out |= {u.email.lower(): uuid.UUID(u.id) for u in page.users if u.email and u.active}
                    token = page.next_page_token
                    if not token:
                        break
            except DomainError as exc:
                log.warning("contacts user listing failed", extra={"error": type(exc).__name__})
            self._directory = out
        return self._directory

    async def users_by_email(self, addresses: set[str]) -> dict[str, uuid.UUID]:
        directory = await self._user_directory()
        return {a: directory[a.lower()] for a in addresses if a.lower() in directory}

    async def user_emails(self, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        return {i: a for a, i in (await self._user_directory()).items() if i in ids}

    async def _person(self, person_id: str):
        try:
            return await call(self._persons.GetContactPerson, persons_pb2.GetContactPersonRequest(id=person_id))
        except DomainError:  # gone, or not visible to the caller: unknown
            return None

    async def persons_by_email(self, addresses: set[str]) -> dict[str, uuid.UUID]:
        out: dict[str, uuid.UUID] = {}
        for address in sorted(a.lower() for a in addresses):
            if address in self._by_address:
                if self._by_address[address] is not None:
                    out[address] = self._by_address[address]
                continue
            try:
                found = await call(self._search.Search, data_pb2.SearchRequest(query=address, types=["person"],
                                                                               page_size=SEARCH_HITS))
            except DomainError as exc:
                log.warning("contacts search failed", extra={"error": type(exc).__name__})
                continue
            for hit in found.hits:
                person = await self._person(hit.id)
                if person is not None and address in {e.address.lower() for e in person.emails}:
                    out[address] = uuid.UUID(person.id)
                    break
            self._by_address[address] = out.get(address)
        return out

    async def person_emails(self, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        out: dict[uuid.UUID, str] = {}
        for person_id in sorted(ids, key=str):
            person = await self._person(str(person_id))
            if person is None or not person.emails:
                continue
            primary = next((e for e in person.emails if e.primary), person.emails[0])
            out[person_id] = primary.address
        return out
