"""Filing fixtures: the real PostgreSQL and blob store (tests/conftest.py) and a stand-in for contacts over real gRPC.

The stand-in answers the calls mail-import makes (AddressMatchService.MatchAddresses, AccessService.CheckRight /
CheckAccess / VisibleRecords, UserService.GetUser / ListUsers) from a small directory, per caller: the bearer token is
the user id, so each call is judged for the principal that made it, as contacts does. The real contacts
service's matching rules are tested in services/contacts; here what matters is how mail-import uses them.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from kontor.platform.auth import Principal, current_principal, reset_principal, set_principal
from kontor.protos.contacts.v1 import access_pb2, access_pb2_grpc, identity_pb2, identity_pb2_grpc
from kontor.protos.contacts.v1 import matching_pb2, matching_pb2_grpc

from kontor.mail_import.accounts.models import MailAccount
from kontor.mail_import.contacts_client import ContactsClient
from kontor.mail_import.mails import dedup
from kontor.mail_import.mails.models import Mail
from kontor.mail_import.mails.visibility import MailViewer
from kontor.mail_import.mime.model import Address, ParsedMail




@dataclass
class Caller:
    user_id: uuid.UUID
    manager: bool = False
    rights: set[tuple[str, str]] = field(default_factory=lambda: {("mail", "read"), ("mail", "update"),
                                                                  ("mail_account", "read")})
    sees: set[uuid.UUID] = field(default_factory=set)  # companies and contact persons
    team_ids: set[uuid.UUID] = field(default_factory=set)


@dataclass
class Directory:
    """contacts' records: persons by address (with their companies), companies by domain."""

    persons: dict[str, tuple[uuid.UUID, tuple[uuid.UUID, ...]]] = field(default_factory=dict)
    domains: dict[str, tuple[uuid.UUID, ...]] = field(default_factory=dict)
    callers: dict[str, Caller] = field(default_factory=dict)
    employees: list[str] = field(default_factory=list)  # the tenant's users' addresses
    down: bool = False
    match_calls: list[list[str]] = field(default_factory=list)

    def caller(self, context) -> Caller:
        token = dict(context.invocation_metadata()).get("authorization", "").removeprefix("Bearer ")
        return self.callers[token]

    def exists(self, record_id: uuid.UUID) -> bool:
        return any(record_id == p or record_id in cs for p, cs in self.persons.values()) or \
            any(record_id in cs for cs in self.domains.values())


class _Matching(matching_pb2_grpc.AddressMatchServiceServicer):
    def __init__(self, directory: Directory):
        self.d = directory

    async def MatchAddresses(self, request, context):
        if self.d.down:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "contacts is down")
        if len(request.addresses) > 500:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "addresses: at most 500")
        self.d.match_calls.append(list(request.addresses))
        caller = self.d.caller(context)
        visible = (lambda i: True) if caller.manager else (lambda i: i in caller.sees)
        matches = []
        for address in dict.fromkeys(a.lower() for a in request.addresses):
            person = self.d.persons.get(address)
            persons = [person] if person and visible(person[0]) else []
            domain = address.rpartition("@")[2]
            matches.append(matching_pb2.AddressMatch(
                address=address, contact_person_ids=[str(p[0]) for p in persons],
                person_company_ids=[str(c) for p in persons for c in p[1] if visible(c)],
                domain_company_ids=[str(c) for c in self.d.domains.get(domain, ()) if visible(c)]))
        return matching_pb2.MatchAddressesResponse(matches=matches)


class _Access(access_pb2_grpc.AccessServiceServicer):
    def __init__(self, directory: Directory):
        self.d = directory

    async def CheckRight(self, request, context):
        caller = self.d.caller(context)
        return access_pb2.CheckRightResponse(allowed=(request.entity_type, request.action) in caller.rights)

    async def CheckAccess(self, request, context):
        caller = self.d.caller(context)
        record_id = uuid.UUID(request.resource.id)
        allowed = self.d.exists(record_id) and (caller.manager or record_id in caller.sees)
        return access_pb2.CheckAccessResponse(allowed=allowed, reason="allowed" if allowed else "not_found")

    async def VisibleRecords(self, request, context):
        caller = self.d.caller(context)
        if caller.manager:
            return access_pb2.VisibleRecordsResponse(all_visible=True)
        return access_pb2.VisibleRecordsResponse(record_ids=sorted(str(i) for i in caller.sees))


class _Users(identity_pb2_grpc.UserServiceServicer):
    def __init__(self, directory: Directory):
        self.d = directory

    async def GetUser(self, request, context):
        caller = self.d.caller(context)
        if request.id != str(caller.user_id):
            await context.abort(grpc.StatusCode.NOT_FOUND, "user not found")
        return identity_pb2.User(id=request.id, team_ids=[str(t) for t in caller.team_ids], active=True)

    async def ListUsers(self, request, context):
        if self.d.down:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "contacts is down")
        start = int(request.page_token or 0)  # one user per page: the client must follow the token
        users = [identity_pb2.User(id=str(uuid.uuid4()), email=e, active=True)
                 for e in self.d.employees[start:start + 1]]
        more = start + 1 < len(self.d.employees)
        return identity_pb2.ListUsersResponse(users=users, next_page_token=str(start + 1) if more else "")


@pytest.fixture
async def directory():
    return Directory()


@pytest.fixture
async def contacts(directory):
    server = grpc.aio.server()
    matching_pb2_grpc.add_AddressMatchServiceServicer_to_server(_Matching(directory), server)
    access_pb2_grpc.add_AccessServiceServicer_to_server(_Access(directory), server)
    identity_pb2_grpc.add_UserServiceServicer_to_server(_Users(directory), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    client = ContactsClient.connect(f"127.0.0.1:{port}", timeout_s=5)
    yield client
    await client.close()
    await server.stop(None)


@dataclass
class World:
    """One tenant: an importing account (owned by ``owner``) and helpers to store mails and act as users."""

    db: object
    directory: Directory
    contacts: ContactsClient
    tenant_id: uuid.UUID
    owner: uuid.UUID
    account: MailAccount

    def user(self, **caller) -> uuid.UUID:
        user_id = uuid.uuid4()
        self.directory.callers[str(user_id)] = Caller(user_id, **caller)
        return user_id

    @contextlib.contextmanager
    def as_user(self, user_id: uuid.UUID, tenant_id: uuid.UUID | None = None):
        token = set_principal(Principal(subject=str(user_id), tenant_id=tenant_id or self.tenant_id,
                                        token=str(user_id)))
        try:
            yield
        finally:
            reset_principal(token)

    @contextlib.asynccontextmanager
    async def viewer(self, user_id: uuid.UUID, tenant_id: uuid.UUID | None = None):
        with self.as_user(user_id, tenant_id):
            async with self.db.unit_of_work(tenant_id or self.tenant_id) as session:
                yield session, MailViewer(session, principal=current_principal(), contacts=self.contacts)

    def person(self, address: str, *companies: uuid.UUID) -> uuid.UUID:
        person_id = uuid.uuid4()
        self.directory.persons[address.lower()] = (person_id, companies)
        return person_id

    def company(self, domain: str | None = None) -> uuid.UUID:
        company_id = uuid.uuid4()
        if domain:
            self.directory.domains[domain] = (*self.directory.domains.get(domain, ()), company_id)
        else:  # a company only reachable through its persons: register it so CheckAccess finds it
            self.directory.domains[f"{company_id.hex}.invalid"] = (company_id,)
        return company_id

    async def add_account(self, *, kind: str = "personal", owner: uuid.UUID | None = None,
                          team_id: uuid.UUID | None = None, address: str | None = None) -> MailAccount:
        address = address or f"{uuid.uuid4().hex[:8]}@kontor.example"
        account = MailAccount(id=uuid.uuid4(), tenant_id=self.tenant_id, kind=kind, owner_user_id=owner,
                              team_id=team_id, provider="imap", address=address, address_key=address.lower(),
                              import_folder="CRM", created_by=str(owner or uuid.uuid4()), settings={})
        async with self.db.unit_of_work(self.tenant_id) as session:
            session.add(account)
        return account

    async def store(self, *, sender: str = "someone@elsewhere.example", to: tuple[str, ...] = (),
                    cc: tuple[str, ...] = (), message_id: str | None = None, in_reply_to: tuple[str, ...] = (),
                    references: tuple[str, ...] = (), account: MailAccount | None = None,
                    sent_at: datetime | None = None) -> tuple[Mail, ParsedMail]:
        """A mail as the importer stores it (dedup.store_mail + add_reference), with a reference in ``account``."""
        account = account or self.account
        parsed = parsed_mail(sender=sender, to=to, cc=cc, message_id=message_id, in_reply_to=in_reply_to,
                             references=references, sent_at=sent_at)
        async with self.db.unit_of_work(self.tenant_id) as session:
            mail, _ = await dedup.store_mail(session, tenant_id=self.tenant_id, parsed=parsed,
                                             raw_address="sha256:" + "0" * 64, size=100)
            await dedup.add_reference(session, mail, account.id, "CRM", uuid.uuid4().hex, 100)
        return mail, parsed


_counter = iter(range(10**9))


def parsed_mail(*, sender: str, to=(), cc=(), message_id=None, in_reply_to=(), references=(),
                sent_at=None) -> ParsedMail:
    n = next(_counter)
    return ParsedMail(
        content_hash=f"sha256:{uuid.uuid4().hex}{uuid.uuid4().hex}", message_id=message_id or f"<m{n}.{uuid.uuid4().hex}@x.example>",
        from_addresses=(Address(sender),), to=tuple(Address(a) for a in to), cc=tuple(Address(a) for a in cc),
        reply_to=(), invalid_addresses=(), subject=f"mail {n}",
        date=sent_at or datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n),
        in_reply_to=tuple(in_reply_to), references=tuple(references), text=f"text {n}", attachments=(),
        attached_messages=())


@pytest.fixture
async def world(db, directory, contacts):
    tenant_id, owner = uuid.uuid4(), uuid.uuid4()
    directory.callers[str(owner)] = Caller(owner)
    w = World(db, directory, contacts, tenant_id, owner, None)  # type: ignore[arg-type]
    w.account = await w.add_account(owner=owner, address="owner@kontor.example")
    return w
