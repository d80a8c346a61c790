"""Real services for mail-import's tests, in-process: contacts with every servicer (``grpc_api.register_all``, as
``kontor-contacts serve`` registers them) and calendar-sync's appointment and resource servicers, each on its own
migrated PostgreSQL (one per test session), behind the platform's gRPC edge with real token verification.

Tests arrange data through the services' own service functions (tenants, teams, users with roles, companies,
contact persons, assignments, follow-ups, a tenant's rights; appointments) and call them with tokens issued the
way the gateway issues them (``TokenIssuer``, roles from the user's row). Nothing here answers in a service's
place: what a caller may see or do is decided by the service. ``CallRecorder`` only keeps what a client sent.

Test modules import the fixtures explicitly (``from ..real_services import contacts_service``, or a folder's
real_world.py); conftest.py files are left alone.
"""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import argon2
import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from kontor.calendar_sync import grpc_api as calendar_grpc_api
from kontor.calendar_sync.appointments import service as appointments
from kontor.contacts import grpc_api
from kontor.contacts.assignment import service as assignments
from kontor.contacts.assignment.schemas import AssignmentInput
from kontor.contacts.companies import service as companies
from kontor.contacts.companies.schemas import CompanyCreate
from kontor.contacts.followups import service as follow_ups
from kontor.contacts.followups.schemas import FollowUpCreate
from kontor.contacts.identity import passwords, rights
from kontor.contacts.identity import service as identity
from kontor.contacts.identity.models import User
from kontor.contacts.identity.schemas import AdminCreate, TeamCreate, TenantCreate, UserCreate, UserUpdate
from kontor.contacts.persons import service as persons
from kontor.contacts.persons.schemas import ContactPersonCreate
from kontor.devstack.ports import free_port
from kontor.devstack.testing import migrated_database
from kontor.platform import grpc_client
from kontor.platform.auth import Principal, TokenIssuer, TokenVerifier, reset_principal, set_principal
from kontor.platform.contacts_access import Contacts, Sight
from kontor.platform.db import Database
from kontor.platform.grpc_server import create_server

from kontor.mail_import.contacts_client import ContactsClient

SERVICES = Path(__file__).resolve().parents[2]
CONTACTS_MIGRATIONS = SERVICES / "contacts" / "migrations"
CALENDAR_SYNC_MIGRATIONS = SERVICES / "calendar-sync" / "migrations"
PASSWORD = "Real-Services-Password-2026"
# contacts' own hasher with the cheapest argon2 parameters: users are arranged per test, logins never happen.
CHEAP_HASHER = passwords.PasswordHasher(argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
_numbers = itertools.count()


class CallRecorder(grpc.aio.UnaryUnaryClientInterceptor):
    """Keeps the requests a client sends, by method name (``MatchAddresses``): what went over the wire."""

    def __init__(self) -> None:
        self.requests: dict[str, list] = defaultdict(list)

    async def intercept_unary_unary(self, continuation, client_call_details, request):
        method = client_call_details.method
        method = method.decode() if isinstance(method, bytes) else method
        self.requests[method.rpartition("/")[2]].append(request)
        return await continuation(client_call_details, request)


@dataclass
class ContactsService:
    """The running contacts server (``address``), its database for arranging data, and the token issuer."""

    address: str
    db: Database
    issuer: TokenIssuer

    def client(self, recorder: CallRecorder | None = None, *, address: str | None = None) -> ContactsClient:
        """A ContactsClient as mail-import makes one; ``address`` elsewhere gives one whose contacts is down."""
        channel = grpc_client.channel(address or self.address, default_timeout_s=10,
                                      interceptors=[recorder] if recorder else ())
        return ContactsClient(channel)

    async def new_tenant(self) -> ContactsTenant:
        """A tenant with its first org manager (``admin``), made as contacts' CreateTenant makes it."""
        n = next(_numbers)
        slug = f"t{uuid.uuid4().hex[:12]}{n}"
        async with self.db.unit_of_work(None) as session:
            tenant, admin = await identity.create_tenant(session, hasher=CHEAP_HASHER, data=TenantCreate(
                slug=slug, name=f"Tenant {slug}", admin=AdminCreate(
                    email=f"admin-{slug}@staff.example", display_name="Admin", password=PASSWORD)))
        return ContactsTenant(self, tenant.id, admin.id, roles={admin.id: "org_manager"})


@dataclass
class ContactsTenant:
    """One tenant of the real contacts: arranging helpers (its admin acts) and callers' principals."""

    service: ContactsService
    id: uuid.UUID
    admin: uuid.UUID
    roles: dict[uuid.UUID, str] = field(default_factory=dict)  # as stored in contacts' users table

    # ---- callers ------------------------------------------------------------------------------------------

    def principal(self, user_id: uuid.UUID, tenant_id: uuid.UUID | None = None) -> Principal:
        """The principal of a request by ``user_id``, with a token as the gateway issues it (the user's role)."""
        tenant = tenant_id or self.id
        roles = [self.roles.get(user_id, "sales_rep")]
        token = self.service.issuer.issue(subject=str(user_id), tenant_id=tenant, roles=roles)
        return Principal(subject=str(user_id), tenant_id=tenant, roles=tuple(roles), token=token)

    @contextlib.contextmanager
    def acting_as(self, user_id: uuid.UUID, tenant_id: uuid.UUID | None = None) -> Iterator[Principal]:
        principal = self.principal(user_id, tenant_id)
        token = set_principal(principal)
        try:
            yield principal
        finally:
            reset_principal(token)

    def _admin(self) -> Principal:
        return Principal(subject=str(self.admin), tenant_id=self.id, roles=("org_manager",))

    # ---- arranging, through contacts' service functions ---------------------------------------------------

    async def team(self, name: str | None = None) -> uuid.UUID:
        async with self.service.db.unit_of_work(self.id) as session:
            return (await identity.create_team(session, data=TeamCreate(
                name=name or f"Team {uuid.uuid4().hex[:8]}"))).id

    async def user(self, role: str = "sales_rep", *, teams: Iterable[uuid.UUID] = (), email: str | None = None,
                   time_zone: str = "Europe/Berlin") -> uuid.UUID:
        async with self.service.db.unit_of_work(self.id) as session:
            user = await identity.create_user(session, principal=self._admin(), hasher=CHEAP_HASHER, data=UserCreate(
                email=email or f"user-{uuid.uuid4().hex[:10]}@staff.example", display_name="Test User", role=role,
                team_ids=list(teams), password=PASSWORD, time_zone=time_zone))
        self.roles[user.id] = role
        return user.id

    async def update_user(self, user_id: uuid.UUID, **fields) -> None:
        """Change the user's row as their org manager does (role, team_ids, time_zone, ...)."""
        async with self.service.db.unit_of_work(self.id) as session:
            version = await session.scalar(select(User.version).where(User.id == user_id))
            await identity.update_user(session, principal=self._admin(), user_id=user_id, expected_version=version,
                                       data=UserUpdate(**fields))
        if "role" in fields:
            self.roles[user_id] = fields["role"]

    async def set_role(self, user_id: uuid.UUID, role: str) -> None:
        await self.update_user(user_id, role=role)

    async def set_rights(self, role: str, entity_type: str, actions: Iterable[str]) -> None:
        """The tenant's own rights of ``role`` on ``entity_type`` (an org manager's override)."""
        async with self.service.db.unit_of_work(self.id) as session:
            await rights.set_override(session, role=role, entity_type=entity_type, actions=frozenset(actions))

    async def reset_rights(self, role: str, entity_type: str) -> None:
        await self.set_rights(role, entity_type, rights.default_actions(role, entity_type))

    async def company(self, *, website: str = "", email: str = "", access_level: str = "private",
                      name: str | None = None, street: str = "", postal_code: str = "", city: str = "",
                      assigned: Iterable[uuid.UUID] = ()) -> uuid.UUID:
        """A company (private unless said otherwise, so only its assigned users and managers see it)."""
        async with self.service.db.unit_of_work(self.id) as session:
            company_id = (await companies.create_company(session, principal=self._admin(), data=CompanyCreate(
                name=name or f"Firma {uuid.uuid4().hex[:8]}", website=website, email=email,
                access_level=access_level, street=street, postal_code=postal_code, city=city,
                confirm_duplicate=True))).id
        for user_id in assigned:
            await self.assign(company_id, user_id)
        return company_id

    async def assign(self, company_id: uuid.UUID, user_id: uuid.UUID) -> None:
        """``user_id`` works on the company (as its sales rep): they see it and its contact persons."""
        async with self.service.db.unit_of_work(self.id) as session:
            await assignments.assign(session, principal=self._admin(), data=AssignmentInput(
                record_type="company", record_id=company_id, user_id=user_id, role="sales_rep"))

    async def follow_up(self, user_id: uuid.UUID, company_id: uuid.UUID, *, due_at: datetime, note: str,
                        done: bool = False) -> uuid.UUID:
        """A follow-up of ``user_id`` (they make it, as in the CRM) on a company they see; ``done``: completed."""
        async with self.service.db.unit_of_work(self.id) as session:
            made = await follow_ups.create_follow_up(session, principal=self.principal(user_id), data=FollowUpCreate(
                record_type="company", record_id=company_id, note=note, due_at=due_at))
            if done:
                await follow_ups.complete_follow_up(session, principal=self.principal(user_id),
                                                    follow_up_id=made.id, expected_version=made.version)
            return made.id

    async def person(self, company_id: uuid.UUID, *addresses: str, last_name: str = "Muster",
                     first_name: str = "") -> uuid.UUID:
        async with self.service.db.unit_of_work(self.id) as session:
            return (await persons.create_person(session, principal=self._admin(), company_id=company_id,
                                                data=ContactPersonCreate(
                first_name=first_name, last_name=last_name, emails=[{"address": a} for a in addresses],
                confirm_duplicate=True))).id


def down_address() -> str:
    """An address where nothing listens: contacts unreachable, as in an outage."""
    return f"127.0.0.1:{free_port()}"


# Test modules import these fixtures, and pytest makes each importing module its own copy of a fixture, so a
# session-scoped fixture would start once per module. The services' PostgreSQL (the slow part) is therefore
# started once per session here and stopped when pytest ends; the gRPC servers (in-process, quick) are per module.
_databases: dict[str, str] = {}
_databases_stack = contextlib.ExitStack()


def _shared_database(request, tmp_path_factory, service: str, migrations: Path) -> str:
    if service not in _databases:
        if not _databases:
            request.config.add_cleanup(_databases_stack.close)
        _databases[service] = _databases_stack.enter_context(migrated_database(
            tmp_path_factory.mktemp(f"{service}-pg"), service, migrations))
    return _databases[service]


@pytest.fixture(scope="session")
def contacts_database_url(tmp_path_factory, request) -> str:
    return _shared_database(request, tmp_path_factory, "contacts", CONTACTS_MIGRATIONS)


@pytest.fixture(scope="session")
def calendar_sync_database_url(tmp_path_factory, request) -> str:
    return _shared_database(request, tmp_path_factory, "calendar-sync", CALENDAR_SYNC_MIGRATIONS)


@pytest.fixture(scope="module")
async def contacts_service(contacts_database_url):
    """The real contacts service (tests keep apart by tenant): one server per importing test module."""
    server_db = Database(contacts_database_url, pool_size=4)
    arranging_db = Database(contacts_database_url, pool_size=2)
    issuer = TokenIssuer(Ed25519PrivateKey.generate(), issuer="kontor-gateway", audience="kontor")
    verifier = TokenVerifier("http://127.0.0.1:9/jwks.json", issuer="kontor-gateway", audience="kontor")
    verifier.add_keys(issuer.jwks())
    server, _health = create_server(service="contacts", verifier=verifier, default_deadline_s=10,
                                    register=lambda s: grpc_api.register_all(s, server_db))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield ContactsService(f"127.0.0.1:{port}", arranging_db, issuer)
    await server.stop(None)
    await arranging_db.dispose()
    await server_db.dispose()


@dataclass
class CalendarSyncService:
    """The running calendar-sync (its appointment and resource servicers), asking the real contacts."""

    address: str
    db: Database
    contacts: Contacts

    async def appointment(self, tenant: ContactsTenant, user_id: uuid.UUID, **values) -> uuid.UUID:
        """An appointment ``user_id`` makes in their calendar (calendar-sync's own create, with their token)."""
        with tenant.acting_as(user_id) as principal:
            async with self.db.unit_of_work(tenant.id) as session:
                made = await appointments.create_appointment(session, principal=principal, sight=Sight(self.contacts),
                                                             values={"owner_id": user_id, **values})
                return made.id


@pytest.fixture(scope="module")
async def calendar_sync_service(calendar_sync_database_url, contacts_service):
    """calendar-sync's AppointmentService and ResourceService (``grpc_api.REGISTRATIONS``) on its own database,
    behind the edge with the same token verification, asking the real contacts: one server per importing module."""
    server_db = Database(calendar_sync_database_url, pool_size=2)
    arranging_db = Database(calendar_sync_database_url, pool_size=2)
    contacts = Contacts.connect(contacts_service.address, timeout_s=10)
    verifier = TokenVerifier("http://127.0.0.1:9/jwks.json", issuer="kontor-gateway", audience="kontor")
    verifier.add_keys(contacts_service.issuer.jwks())

    def register(server):
        return [name for add in calendar_grpc_api.REGISTRATIONS for name in add(server, server_db, contacts)]

    server, _health = create_server(service="calendar-sync", verifier=verifier, default_deadline_s=10,
                                    register=register)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield CalendarSyncService(f"127.0.0.1:{port}", arranging_db, contacts)
    await server.stop(None)
    await contacts.close()
    await arranging_db.dispose()
    await server_db.dispose()
