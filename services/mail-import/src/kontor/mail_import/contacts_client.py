"""mail-import's one channel to contacts: address matching, role rights, record visibility, own account.

Every call carries the current principal's token (``kontor.platform.grpc_client``): a user's in a request, the
account's background identity (delegated token) in an import round. contacts decides; nothing here
re-implements a rule.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import grpc

from kontor.platform import grpc_client
from kontor.platform.contacts_access import Contacts, Sight
from kontor.platform.errors import DomainError, InvalidArgument, NotFound, PermissionDenied, Unavailable
from kontor.protos.contacts.v1 import identity_pb2, identity_pb2_grpc, matching_pb2, matching_pb2_grpc

MATCH_CHUNK = 500  # the most addresses MatchAddresses takes per call
USERS_PAGE = 200


class MatchingUnavailable(Unavailable):
    """contacts could not match (down, overloaded, or refusing the background identity). The importer stores
    the mail anyway; ``matching.rematch`` files it once contacts answers again."""


@dataclass(frozen=True)
class AddressMatch:
    contact_person_ids: tuple[uuid.UUID, ...] = ()
    person_company_ids: tuple[uuid.UUID, ...] = ()
    domain_company_ids: tuple[uuid.UUID, ...] = ()


def _ids(values: Iterable[str]) -> tuple[uuid.UUID, ...]:
    return tuple(uuid.UUID(v) for v in values)


class ContactsClient:
    def __init__(self, channel: grpc.aio.Channel):
        self.channel = channel
        self.access = Contacts(channel)
        self._matching = matching_pb2_grpc.AddressMatchServiceStub(channel)
        self._users = identity_pb2_grpc.UserServiceStub(channel)
        self._teams = identity_pb2_grpc.TeamServiceStub(channel)

    @classmethod
    def connect(cls, address: str, *, timeout_s: float) -> ContactsClient:
        return cls(grpc_client.channel(address, default_timeout_s=timeout_s))

    def sight(self) -> Sight:
        """A fresh per-request cache of what the current caller may see."""
        return Sight(self.access)

    async def require_right(self, entity_type: str, action: str) -> None:
        await self.access.require_right(entity_type, action)

    async def match_addresses(self, addresses: Iterable[str]) -> dict[str, AddressMatch]:
        """Lower-cased address → what contacts found (only records the caller may see), in chunks of 500.

        Raises ``MatchingUnavailable`` when contacts cannot answer, so the importer keeps the mail and matches later.
        """
        wanted = list(dict.fromkeys(a.strip().lower() for a in addresses if a and a.strip()))
        found: dict[str, AddressMatch] = {}
        for start in range(0, len(wanted), MATCH_CHUNK):
            chunk = wanted[start:start + MATCH_CHUNK]
            try:
                answer = await grpc_client.call(self._matching.MatchAddresses,
                                                matching_pb2.MatchAddressesRequest(addresses=chunk))
            except InvalidArgument:
                raise  # our request was wrong: a bug to see, not an outage to wait out
            except DomainError as exc:
                raise MatchingUnavailable(f"contacts could not match addresses ({type(exc).__name__})") from None
            for m in answer.matches:
                found[m.address.lower()] = AddressMatch(_ids(m.contact_person_ids), _ids(m.person_company_ids),
                                                        _ids(m.domain_company_ids))
        return found

    async def employee_addresses(self) -> set[str]:
        """The e-mail addresses of the tenant's users (UserService.ListUsers, every page), lower-case: a
        colleague in To/Cc says nothing about which customer record a mail belongs to.
        Raises ``MatchingUnavailable`` like ``match_addresses``; a caller whose role may not list users gets
        an empty set (matching then only leaves out the mailbox's own address)."""
        found: set[str] = set()
        token = ""
        try:
            while True:
                page = await grpc_client.call(self._users.ListUsers, identity_pb2.ListUsersRequest(
                    page_size=USERS_PAGE, page_token=token))
                found |= {u.email.lower() for u in page.users if u.email}
                token = page.next_page_token
                if not token:
                    return found
        except PermissionDenied:
            return set()
        except InvalidArgument:
            raise
        except DomainError as exc:
            raise MatchingUnavailable(f"contacts could not list users ({type(exc).__name__})") from None

    async def my_team_ids(self, user_id: str) -> set[uuid.UUID]:
        """The teams of the calling user (GetUser on oneself); none when the user is unknown."""
        try:
            user = await grpc_client.call(self._users.GetUser, identity_pb2.GetUserRequest(id=user_id))
        except NotFound:
            return set()
        return {uuid.UUID(t) for t in user.team_ids}

    async def tenant_team_ids(self) -> set[uuid.UUID]:
        """Every team of the caller's tenant (TeamService.ListTeams; contacts offers no GetTeam)."""
        out: set[uuid.UUID] = set()
        token = ""
        while True:
            page = await grpc_client.call(self._teams.ListTeams,
                                          identity_pb2.ListTeamsRequest(page_size=USERS_PAGE, page_token=token))
            out |= {uuid.UUID(t.id) for t in page.teams}
            token = page.next_page_token
            if not token:
                return out

    async def close(self) -> None:
        await self.channel.close()
