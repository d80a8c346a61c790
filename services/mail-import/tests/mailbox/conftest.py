"""The CRM mailbox against real servers: PostgreSQL (tests/conftest.py), pymap (IMAP), aiosmtpd (SMTP), the
Graph emulator (HTTPS), and stand-ins over real gRPC for contacts (rights, visibility, users, follow-ups) and
calendar-sync (ListCalendar).

Accounts are stored as the accounts API stores them (row + sealed credential), and the servicer opens them with
the production ``provider_opener``, so the path from account to provider is the real one. The stand-ins judge
each call by its bearer token (= the user id), like the real services judge the forwarded token.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from kontor.devstack.imap_server import ImapServer, imap_server
from kontor.devstack.ports import LOOPBACK, free_port
from kontor.emulators.graph import GraphEmulator
from kontor.emulators.graph.mail_testing import MAIL_ROLES
from kontor.emulators.graph.testing import new_tenant
from kontor.platform.auth import Principal, reset_principal, set_principal
from kontor.platform.blobs import FilesystemBlobStore
from kontor.platform.secrets_box import SecretBox, generate_key, parse_keys
from kontor.protos.calendar.v1 import calendar_pb2, calendar_pb2_grpc
from kontor.protos.contacts.v1 import access_pb2, access_pb2_grpc, dashboard_pb2, dashboard_pb2_grpc
from kontor.protos.contacts.v1 import identity_pb2, identity_pb2_grpc

from kontor.mail_import.accounts.connect import provider_opener, seal_credential
from kontor.mail_import.accounts.models import AccountCredential, MailAccount
from kontor.mail_import.contacts_client import ContactsClient
from kontor.mail_import.mailbox.servicer import MailboxServicer
from kontor.mail_import.settings import MailImportSettings

MESSAGE_ID_KEY = "mailbox-test-message-id-key-0123456789"
MESSAGE_ID_DOMAIN = "crm.example"
ATTACHMENT_LIMIT = 2000  # bytes: small, so the limit is easy to cross in a test


@dataclass
class User:
    id: uuid.UUID
    rights: set[tuple[str, str]] = field(default_factory=lambda: {
        ("mail", "read"), ("mail", "create"), ("mail", "update"), ("mail_account", "read"),
        ("mail_account", "update")})
    manager: bool = False
    sees: set[uuid.UUID] = field(default_factory=set)
    team_ids: set[uuid.UUID] = field(default_factory=set)
    time_zone: str = ""
    follow_ups: list[dashboard_pb2.FollowUp] = field(default_factory=list)
    occurrences: list[calendar_pb2.Occurrence] = field(default_factory=list)


@dataclass
class Directory:
    users: dict[str, User] = field(default_factory=dict)
    records: set[uuid.UUID] = field(default_factory=set)  # companies and contact persons that exist
    follow_ups_down: bool = False
    calendar_requests: list[tuple[str, calendar_pb2.ListCalendarRequest]] = field(default_factory=list)
    follow_up_requests: list[dashboard_pb2.ListFollowUpsRequest] = field(default_factory=list)

    def caller(self, context) -> User:
        token = dict(context.invocation_metadata()).get("authorization", "").removeprefix("Bearer ")
        return self.users[token]


class _Access(access_pb2_grpc.AccessServiceServicer):
    def __init__(self, d: Directory):
        self.d = d

    async def CheckRight(self, request, context):
        return access_pb2.CheckRightResponse(
            allowed=(request.entity_type, request.action) in self.d.caller(context).rights)

    async def CheckAccess(self, request, context):
        user = self.d.caller(context)
        record_id = uuid.UUID(request.resource.id)
        allowed = record_id in self.d.records and (user.manager or record_id in user.sees)
        return access_pb2.CheckAccessResponse(allowed=allowed, reason="allowed" if allowed else "not_found")

    async def VisibleRecords(self, request, context):
        user = self.d.caller(context)
        if user.manager:
            return access_pb2.VisibleRecordsResponse(all_visible=True)
        return access_pb2.VisibleRecordsResponse(record_ids=sorted(str(i) for i in user.sees))


class _Users(identity_pb2_grpc.UserServiceServicer):
    def __init__(self, d: Directory):
        self.d = d

    async def GetUser(self, request, context):
        user = self.d.caller(context)
        if request.id != str(user.id):
            await context.abort(grpc.StatusCode.NOT_FOUND, "user not found")
        return identity_pb2.User(id=request.id, team_ids=[str(t) for t in user.team_ids], active=True,
                                 time_zone=user.time_zone)


class _FollowUps(dashboard_pb2_grpc.FollowUpServiceServicer):
    def __init__(self, d: Directory):
        self.d = d

    async def ListFollowUps(self, request, context):
        if self.d.follow_ups_down:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "contacts is down")
        self.d.follow_up_requests.append(request)
        user = self.d.caller(context)
        due = [f for f in user.follow_ups if request.include_done or not f.done]
        if request.HasField("due_before"):
            due = [f for f in due if f.due_at.ToDatetime() < request.due_before.ToDatetime()]
        return dashboard_pb2.ListFollowUpsResponse(follow_ups=due)


class _Calendar(calendar_pb2_grpc.AppointmentServiceServicer):
    def __init__(self, d: Directory):
        self.d = d

    async def ListCalendar(self, request, context):
        user = self.d.caller(context)
        self.d.calendar_requests.append((str(user.id), request))
        start, end = getattr(request, "from").ToDatetime(), request.to.ToDatetime()
        return calendar_pb2.ListCalendarResponse(occurrences=[
            o for o in user.occurrences if o.start.ToDatetime() < end and o.end.ToDatetime() > start])


@pytest.fixture
def directory() -> Directory:
    return Directory()


@pytest.fixture
async def contacts(directory):
    server = grpc.aio.server()
    access_pb2_grpc.add_AccessServiceServicer_to_server(_Access(directory), server)
    identity_pb2_grpc.add_UserServiceServicer_to_server(_Users(directory), server)
    dashboard_pb2_grpc.add_FollowUpServiceServicer_to_server(_FollowUps(directory), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    client = ContactsClient.connect(f"127.0.0.1:{port}", timeout_s=5)
    yield client
    await client.close()
    await server.stop(None)


@pytest.fixture
async def calendar_channel(directory):
    """A channel to the calendar-sync stand-in (AppointmentService.ListCalendar)."""
    from kontor.platform import grpc_client  # noqa: PLC0415

    server = grpc.aio.server()
    calendar_pb2_grpc.add_AppointmentServiceServicer_to_server(_Calendar(directory), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc_client.channel(f"127.0.0.1:{port}", default_timeout_s=5)
    yield channel
    await channel.close()
    await server.stop(None)


# ---- mail servers ------------------------------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class SmtpSink:
    host: str
    port: int
    received: list[Received] = field(default_factory=list)
    refuse_all: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def by_marker(self, marker: bytes) -> list[Received]:
        with self.lock:
            return [r for r in self.received if marker in r.content]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().endswith("@refused.example"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted"


@pytest.fixture(scope="session")
def pymap(tmp_path_factory) -> ImapServer:
    with imap_server(Path(tmp_path_factory.mktemp("pymap"))) as server:
        yield server


@pytest.fixture(scope="session")
def smtp_sink(pymap) -> SmtpSink:
    """SMTP submission that takes the IMAP user's password, as a mail host with one login for both does."""
    sink = SmtpSink(LOOPBACK, free_port())

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            pymap.user.encode(), pymap.password.encode())
        return AuthResult(success=ok, handled=False)

    controller = Controller(sink, hostname=LOOPBACK, port=sink.port, authenticator=authenticator,
                            auth_required=True, auth_require_tls=False)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture(scope="session")
def emulator():
    with GraphEmulator() as emu:
        yield emu


# ---- the service -------------------------------------------------------------------------------------------


@pytest.fixture
def box() -> SecretBox:
    return SecretBox(parse_keys(generate_key()))


@pytest.fixture
def settings(database_url) -> MailImportSettings:
    return MailImportSettings(database_url=database_url, nats_url="nats://127.0.0.1:1", jwks_url="http://x/j",
                              contacts_addr="127.0.0.1:1", secret_keys=generate_key(), message_id_key=MESSAGE_ID_KEY,
                              message_id_domain=MESSAGE_ID_DOMAIN, attachment_max_bytes=ATTACHMENT_LIMIT,
                              mail_server_timeout_s=10)


@pytest.fixture
def blob_store(tmp_path):
    return FilesystemBlobStore(tmp_path / "blobs", max_bytes=10 * 1024 * 1024)


@dataclass
class World:
    db: object
    directory: Directory
    box: SecretBox
    tenant_id: uuid.UUID
    owner: uuid.UUID
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def user(self, **kw) -> uuid.UUID:
        user_id = uuid.uuid4()
        self.directory.users[str(user_id)] = User(user_id, **kw)
        return user_id

    def record(self, *, visible_to: tuple[uuid.UUID, ...] = ()) -> uuid.UUID:
        """A company (exists in contacts), visible to the users named."""
        record_id = uuid.uuid4()
        self.directory.records.add(record_id)
        for user_id in visible_to:
            self.directory.users[str(user_id)].sees.add(record_id)
        return record_id

    @contextlib.contextmanager
    def as_user(self, user_id: uuid.UUID):
        token = set_principal(Principal(subject=str(user_id), tenant_id=self.tenant_id, token=str(user_id)))
        try:
            yield
        finally:
            reset_principal(token)

    def folder(self, name: str) -> str:
        return f"{name}-{self.suffix}"

    async def add_account(self, *, provider: str, address: str, settings: dict, kind: str, secret: str,
                          import_folder: str, owner: uuid.UUID | None = None, team_id: uuid.UUID | None = None,
                          display_name: str = "") -> MailAccount:
        account = MailAccount(id=uuid.uuid4(), tenant_id=self.tenant_id, kind="personal" if owner else "shared",
                              owner_user_id=owner, team_id=team_id, provider=provider, address=address,
                              address_key=address.lower(), display_name=display_name, settings=settings,
                              import_folder=import_folder, import_folder_id="", enabled=True,
                              created_by=str(owner or self.owner), version=1)
        async with self.db.unit_of_work(self.tenant_id) as session:
            session.add(account)
            await session.flush()
            session.add(AccountCredential(account_id=account.id, tenant_id=self.tenant_id, kind=kind,
                                          sealed=seal_credential(self.box, account, kind, secret.encode())))
        return account

    async def imap_account(self, pymap: ImapServer, smtp: SmtpSink, *, owner: uuid.UUID | None = None,
                           team_id: uuid.UUID | None = None, address: str | None = None) -> MailAccount:
        settings = {"host": pymap.host, "port": pymap.port, "security": "none", "username": pymap.user,
                    "smtp_host": smtp.host, "smtp_port": smtp.port, "smtp_security": "none",
                    "sent_folder": self.folder("Sent")}
        return await self.add_account(provider="imap", address=address or f"owner-{self.suffix}@kontor.example",
                                      settings=settings, kind="password", secret=pymap.password,
                                      import_folder=self.folder("CRM"), owner=owner, team_id=team_id,
                                      display_name="Olga Owner")


@pytest.fixture
async def world(db, directory, box) -> World:
    w = World(db, directory, box, uuid.uuid4(), uuid.uuid4())
    directory.users[str(w.owner)] = User(w.owner, time_zone="Europe/Berlin")
    return w


@pytest.fixture
def servicer(db, contacts, blob_store, box, settings, calendar_channel) -> MailboxServicer:
    return MailboxServicer(db, contacts, blob_store, provider_opener(db, box, settings), settings,
                           calendar=lambda: calendar_channel)


@pytest.fixture
def graph_tenant(emulator):
    handle = new_tenant(emulator, roles=MAIL_ROLES)
    yield handle
    handle.control.close()
