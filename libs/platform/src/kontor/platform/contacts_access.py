"""What a service asks contacts about its caller, over gRPC with the caller's token: role rights and record visibility.

contacts decides; nothing here re-implements a rule (docs/access.md). ``Sight`` caches the answers for one
request only, since assignments and substitutions change visibility at any time.
"""

from __future__ import annotations

import uuid

import grpc

from kontor.platform import grpc_client, permissions
from kontor.platform.errors import NotFound, PermissionDenied
from kontor.protos.contacts.v1 import access_pb2_grpc, identity_pb2, identity_pb2_grpc, persons_pb2, persons_pb2_grpc

# Record types contacts judges; deals and projects have no visibility rules there yet.
RECORD_TYPES = ("company", "contact_person")


class Contacts:
    """The AccessService of contacts on one channel (the platform client forwards token, deadline, trace)."""

    def __init__(self, channel: grpc.aio.Channel):
        self.channel = channel
        self._access = access_pb2_grpc.AccessServiceStub(channel)
        self._users = identity_pb2_grpc.UserServiceStub(channel)
        self._persons = persons_pb2_grpc.ContactPersonServiceStub(channel)

    @classmethod
    def connect(cls, address: str, *, timeout_s: float) -> Contacts:
        return cls(grpc_client.channel(address, default_timeout_s=timeout_s))

    async def require_right(self, entity_type: str, action: str) -> None:
        if not await permissions.has_right(self._access, entity_type, action):
            raise PermissionDenied(f"your role may not {action} {entity_type.replace('_', ' ')}s; "
                                   "ask an org manager for the right")

    async def may_read(self, record_type: str, record_id: uuid.UUID) -> bool:
        return (await permissions.may(self._access, "read", record_type, record_id)).allowed

    async def visible_ids(self, record_type: str) -> set[uuid.UUID] | None:
        """Every id of ``record_type`` the caller may see; None means all of them (managers, services)."""
        ids = await permissions.visible_record_ids(self._access, record_type)
        return None if ids is None else set(ids)

    async def user_email(self, user_id: uuid.UUID) -> str | None:
        """The e-mail address of a CRM user's account (UserService.GetUser with the caller's token: a user
        reads their own account, a manager anyone's); None when there is no such user."""
        try:
            user = await grpc_client.call(self._users.GetUser, identity_pb2.GetUserRequest(id=str(user_id)))
        except NotFound:
            return None
        return user.email or None

    async def company_person_ids(self, company_id: uuid.UUID) -> list[uuid.UUID]:
        """The company's contact persons the caller may see (ListContactPersons filters by visibility); none when
        the caller's role may not read contact persons at all, or the company is gone."""
        ids: list[uuid.UUID] = []
        token = ""
        try:
            while True:
                page = await grpc_client.call(self._persons.ListContactPersons, persons_pb2.ListContactPersonsRequest(
                    company_id=str(company_id), page_size=200, page_token=token))
                ids.extend(uuid.UUID(p.id) for p in page.persons)
                token = page.next_page_token
                if not token:
                    return ids
        except (PermissionDenied, NotFound):
            return []

    async def close(self) -> None:
        await self.channel.close()


class Sight:
    """What the current caller may see of contacts' records, asked lazily and cached for one request."""

    def __init__(self, contacts: Contacts):
        self._contacts = contacts
        self._answers: dict[tuple[str, uuid.UUID], bool] = {}
        self._lists: dict[str, set[uuid.UUID] | None] = {}

    async def sees_everything(self) -> bool:
        return await self._list("company") is None

    async def _list(self, record_type: str) -> set[uuid.UUID] | None:
        if record_type not in self._lists:
            self._lists[record_type] = await self._contacts.visible_ids(record_type)
        return self._lists[record_type]

    async def load(self) -> None:
        """Fetch the visible id lists now (views judge many records; single reads ask CheckAccess)."""
        for record_type in RECORD_TYPES:
            await self._list(record_type)

    async def confirms(self, record_type: str, record_id: uuid.UUID) -> bool:
        """The record exists and the caller may see it (CheckAccess: an id list of "all" proves no existence)."""
        if record_type not in RECORD_TYPES:
            return True
        key = (record_type, record_id)
        if key not in self._answers:
            self._answers[key] = await self._contacts.may_read(record_type, record_id)
        return self._answers[key]

    async def persons_of(self, company_id: uuid.UUID) -> list[uuid.UUID]:
        """The company's contact persons the caller may see (e.g. for a company's calendar or mail view)."""
        return await self._contacts.company_person_ids(company_id)

    async def sees(self, record_type: str, record_id: uuid.UUID) -> bool:
        if record_type not in RECORD_TYPES:
            return True  # deals, projects: no record-level rules to apply yet
        if record_type in self._lists:
            listed = self._lists[record_type]
            return listed is None or record_id in listed
        return await self.confirms(record_type, record_id)
