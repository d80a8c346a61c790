"""One CRM tenant with mailboxes on a real mail server, driven from outside: the mail scenario tests.

The scenario tests (``test_mail_scenarios_*.py``) use only what a customer has: the gateway's REST API
(``/api/v1/mail/...``, ``/api/v1/companies``, ...) and the mail server, which plays the people writing mail:

* ``graph``: the Graph emulator (``emulators/graph``); mail is delivered through its ``/_control`` API, which
  is the mail server (inbox rules run on delivery, as in Exchange);
* ``imap``: pymap (PyPI, not ours), one server per mailbox since its dict backend knows one user, each behind
  a small TCP relay (:class:`Relay`) that a test can make refuse connections; mail is delivered by IMAP
  APPEND. Sending goes to an aiosmtpd server (:class:`SmtpSink`).

The world: a tenant with a manager, two sales reps, a support team member and an outsider; a team "support"
with a shared mailbox; companies with websites (matching by domain), a contact person with an address
(matching by address) and a private company only the first rep is assigned to (rights). Each mailbox has an
import folder "Import". Waiting is polling with a deadline: :meth:`MailWorld.import_now` asks for a round
("import now") and waits until a round that started after the request has finished.
"""

from __future__ import annotations

import base64
import contextlib
import select
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import httpx

from kontor.devstack.imap_server import ImapServer, start_imap_server
from kontor.devstack.ports import LOOPBACK, free_port
from kontor.emulators.graph.mail_testing import MAIL_ROLES
from tests.integration.sync_world import Control
from tests.integration.test_companies_api import Api
from tests.integration.test_connectors_api import PASSWORD, ROLES, _rpc

PROVIDERS = ["graph", "imap"]
IMPORT_FOLDER = "Import"
ROUND_TIMEOUT_S = 120.0  # generous: 2 CPUs shared by everything; a round normally takes well under a second
RETRIGGER_S = 15.0  # no round started after our request within this: ask again
WIRE = policy.SMTP.clone(max_line_length=998)


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def ok(response: httpx.Response, status: int | tuple[int, ...] = 200) -> Any:
    expected = (status,) if isinstance(status, int) else status
    assert response.status_code in expected, f"{response.request.method} {response.request.url}: " \
                                             f"{response.status_code} {response.text}"
    return response.json() if response.content else None


def mime(*, subject: str, sender: str, to: str, cc: str | None = None, body: str = "Guten Tag.",
         message_id: str | None = None, in_reply_to: str | None = None, attachment: bytes | None = None) -> bytes:
    """A plain message as a mail client writes it (a Message-ID unless ``message_id=""``)."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    if cc:
        msg["Cc"] = cc
    msg["Date"] = format_datetime(datetime.now(UTC))
    if message_id != "":
        msg["Message-ID"] = message_id or make_msgid(domain="mail.example")
    if in_reply_to:
        msg["In-Reply-To"] = msg["References"] = in_reply_to
    msg.set_content(body)
    if attachment is not None:
        msg.add_attachment(attachment, maintype="application", subtype="pdf", filename="Angebot.pdf")
    # CRLF as on the wire and in a mail server's store; lines up to RFC 5322's 998 so that long Message-IDs (ours
    # are ~100 characters) stay as they are instead of becoming RFC 2047 encoded words.
    return msg.as_bytes(policy=WIRE)


# ------------------------------------------------------------------ servers the world runs beside the stack

class Relay:
    """A TCP relay in front of a pymap server: ``refuse()`` closes its listening socket (connections are
    refused, as by a server that is down), ``accept()`` listens on the same port again."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self.accept()

    def accept(self) -> None:
        if self._listener is not None:
            return
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((LOOPBACK, self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._serve, args=(listener,), daemon=True).start()

    def refuse(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept(); close alone does not
            listener.close()

    def close(self) -> None:
        self._stop.set()
        self.refuse()

    def _serve(self, listener: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                client, _ = listener.accept()
            except OSError:  # closed by refuse()
                return
            threading.Thread(target=self._pipe, args=(client,), daemon=True).start()

    def _pipe(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection((LOOPBACK, self.target_port), timeout=10)
        except OSError:
            client.close()
            return
        with client, upstream:
            sockets = [client, upstream]
            while not self._stop.is_set():
                readable, _, _ = select.select(sockets, [], [], 1.0)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is client else client).sendall(data)


@dataclass
class SentMail:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class SmtpSink:
    """aiosmtpd as the IMAP accounts' submission server: AUTH required (any password), keeps what arrives."""

    port: int = field(default_factory=free_port)
    received: list[SentMail] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's handler name
        self.received.append(SentMail(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted"

    def start(self):
        from aiosmtpd.controller import Controller  # noqa: PLC0415 - dev dependency
        from aiosmtpd.smtp import AuthResult  # noqa: PLC0415

        controller = Controller(self, hostname=LOOPBACK, port=self.port, auth_required=True,
                                auth_require_tls=False,
                                authenticator=lambda *args: AuthResult(success=True, handled=False))
        controller.start()
        return controller


# ------------------------------------------------------------------ mailboxes

@dataclass
class Mailbox:
    """One mailbox: its account as the gateway shows it, who uses it, and the mail server side."""

    world: MailWorld
    address: str
    api: Api  # its user (personal) or the manager who set it up (shared)
    account: dict = field(default_factory=dict)
    imap: ImapServer | None = None
    relay: Relay | None = None

    @property
    def path(self) -> str:
        return f"/mail/accounts/{self.account['id']}"

    # the mail server's side --------------------------------------------------------------

    def deliver(self, raw: bytes, *, to_import_folder: bool = False) -> None:
        """The mail server puts ``raw`` into the inbox (its rules run there, on Graph) or the import folder."""
        if self.imap is not None:
            self.imap.deliver(IMPORT_FOLDER if to_import_folder else "INBOX", raw)
            return
        self.world.control("POST", f"/mailboxes/{self.address}/mail/deliver", json={
            "mimeBase64": base64.b64encode(raw).decode(),
            **({"folder": self.world.graph_import_folders[self.address]} if to_import_folder else {})})

    # the CRM's side ------------------------------------------------------------------------

    def folders(self, api: Api | None = None) -> list[dict]:
        return ok((api or self.api).get(self.path + "/folders"))["items"]

    def folder_key(self, *, import_folder: bool = False, role: str = "inbox") -> str:
        found = [f["id"] for f in self.folders()
                 if (f["import_folder"] if import_folder else f["role"] == role)]
        assert len(found) == 1, f"{len(found)} folders ({'import' if import_folder else role}): {self.folders()}"
        return found[0]

    def messages(self, folder: str, api: Api | None = None) -> list[dict]:
        return ok((api or self.api).get(f"{self.path}/folders/{folder}/messages", params={"page_size": 100}))["items"]

    def find(self, subject: str, *, import_folder: bool = True, api: Api | None = None) -> list[dict]:
        folder = self.folder_key(import_folder=import_folder)
        return [m for m in self.messages(folder, api) if m["subject"] == subject]

    def message(self, summary: dict, api: Api | None = None) -> dict:
        return ok((api or self.api).get(f"{self.path}/folders/{summary['folder_id']}/messages/{summary['ref']}"))

    def mail_of(self, subject: str) -> dict:
        """The CRM mail of the one message with ``subject`` in the import folder (imported by now)."""
        found = self.find(subject)
        assert len(found) == 1, f"{len(found)} messages named {subject!r} in the import folder"
        message = self.message(found[0])
        assert message["mail_id"], f"{subject!r} is no CRM mail: {message}"
        return ok(self.api.get(f"/mail/mails/{message['mail_id']}"))

    def health(self) -> dict:
        return ok(self.api.get(self.path + "/import"))

    def log(self) -> list[dict]:
        return ok(self.api.get(self.path + "/import/log"))["items"]

    def import_now(self, timeout: float = ROUND_TIMEOUT_S) -> dict:
        """"Import now", then the health once a round that started after the request has finished."""
        requested = datetime.now(UTC)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ok(self.api.post(self.path + "/import/run"), 202)
            retrigger = time.monotonic() + RETRIGGER_S
            while time.monotonic() < min(retrigger, deadline):
                health = self.health()
                attempted = health["last_attempt_at"]
                if attempted and parse(attempted) >= requested and health["state"] != "importing":
                    return health
                time.sleep(0.2)
        raise AssertionError(f"no import round finished within {timeout}s; health: {self.health()}\n"
                             f"{self.world.stack.log('mail-import-worker')[-3000:]}")

    def import_until(self, condition, timeout: float = ROUND_TIMEOUT_S, what: str = "condition") -> dict:
        deadline = time.monotonic() + timeout
        health: dict = {}
        while time.monotonic() < deadline:
            health = self.import_now(timeout=max(deadline - time.monotonic(), 1.0))
            if condition(health):
                return health
            time.sleep(0.5)
        raise AssertionError(f"{what} not reached within {timeout}s; health: {health}")


def balanced(health: dict) -> bool:
    """The reconciliation adds up and says so: folder = imported + quarantined, healthy only without a gap."""
    return (health["folder_count"] == health["imported_count"] + health["quarantined_count"]
            and health["gap"] == 0 and health["healthy"] and health["state"] == "healthy")


# ------------------------------------------------------------------ the world

@dataclass
class MailWorld:
    stack: Any
    provider: str
    tenant: uuid.UUID
    domain: str  # the organisation's own mail domain
    manager: Api
    rep: Api
    rep2: Api
    support: Api  # member of the support team
    outsider: Api  # a sales rep outside the support team, with no mailbox of their own
    team_id: str
    companies: dict[str, dict] = field(default_factory=dict)
    persons: dict[str, dict] = field(default_factory=dict)
    mailboxes: dict[str, Mailbox] = field(default_factory=dict)
    control: Control | None = None
    graph_import_folders: dict[str, str] = field(default_factory=dict)  # Graph: address -> import folder id
    smtp: SmtpSink | None = None
    _closers: list = field(default_factory=list)

    # names of the world's customers (unique per world, so the tests' addresses are too)
    @property
    def kunde_domain(self) -> str:
        return f"kunde-{self.domain.split('.')[0]}.example"

    @property
    def muster_domain(self) -> str:
        return f"muster-{self.domain.split('.')[0]}.example"

    @property
    def geheim_domain(self) -> str:
        return f"geheim-{self.domain.split('.')[0]}.example"

    @property
    def karl(self) -> str:
        return f"karl@{self.kunde_domain}"

    # ---------------------------------------------------------------- set-up

    @classmethod
    def create(cls, stack, provider: str, *, emulator=None, data_dir: Path | None = None) -> MailWorld:
        tenant = uuid.uuid4()
        domain = f"t{uuid.uuid4().hex[:10]}.example"
        setup = stack.token(tenant, subject="mail-scenarios", roles=("org_manager",))
        from kontor.protos.contacts.v1 import identity_pb2, identity_pb2_grpc  # noqa: PLC0415

        team = _rpc(stack, setup, identity_pb2_grpc.TeamServiceStub, "CreateTeam",
                    identity_pb2.CreateTeamRequest(name="support"))

        def user(name: str, role: str, teams: tuple[str, ...] = ()) -> Api:
            api = Api(stack, tenant, roles=(role,))
            made = _rpc(stack, setup, identity_pb2_grpc.UserServiceStub, "CreateUser", identity_pb2.CreateUserRequest(
                email=f"{name}@{domain}", display_name=name.title(), role=ROLES[role], team_ids=list(teams),
                password=PASSWORD, time_zone="Europe/Berlin", locale="de"))
            api.user_id, api.email = made.id, made.email
            api.token = stack.token(tenant, subject=made.id, roles=(role,))
            api.client.headers["Authorization"] = f"Bearer {api.token}"
            return api

        world = cls(stack=stack, provider=provider, tenant=tenant, domain=domain,
                    manager=user("maria", "org_manager"), rep=user("anna", "sales_rep"),
                    rep2=user("bernd", "sales_rep"), support=user("sven", "customer_service", (team.id,)),
                    outsider=user("otto", "sales_rep"), team_id=team.id)
        world._contacts()
        if provider == "graph":
            world._graph(emulator)
        else:
            world._imap(Path(data_dir))
        return world

    def _contacts(self) -> None:
        boss = self.manager
        self.companies["kunde"] = ok(boss.post("/companies", json={
            "name": "Kunde AG", "kind": "customer", "website": f"https://www.{self.kunde_domain}"}), 201)
        self.companies["muster"] = ok(boss.post("/companies", json={
            "name": "Muster GmbH", "kind": "customer", "website": f"https://www.{self.muster_domain}"}), 201)
        self.companies["geheim"] = ok(boss.post("/companies", json={
            "name": "Geheim KG", "kind": "customer", "website": f"https://{self.geheim_domain}",
            "access_level": "private"}), 201)
        ok(boss.post(f"/companies/{self.companies['geheim']['id']}/assignments",
                     json={"user_id": self.rep.user_id, "role": "sales_rep"}), 201)
        self.persons["karl"] = ok(boss.post(f"/companies/{self.companies['kunde']['id']}/persons", json={
            "first_name": "Karl", "last_name": "Kunde", "emails": [{"address": self.karl, "label": "work"}]}), 201)

    def _account(self, box: Mailbox, **fields) -> dict:
        return ok(box.api.post("/mail/accounts", json={
            "address": box.address, "display_name": box.address.split("@")[0].title(),
            "import_folder": IMPORT_FOLDER, **fields}), 201)

    def _boxes(self) -> list[tuple[str, str, Api, dict]]:
        """(name, address, who creates it, account fields) of the world's mailboxes."""
        return [("rep", self.rep.email, self.rep, {}), ("rep2", self.rep2.email, self.rep2, {}),
                ("support", f"support@{self.domain}", self.manager, {"kind": "shared", "team_id": self.team_id})]

    def _graph(self, emulator) -> None:
        ca_path = str(emulator.ca_path(self.stack.data_dir))
        self.control = Control(emulator.base_url, ca_path)
        azure = self.control("POST", "/tenants", json={"domain": self.domain, "displayName": "Mail scenarios"})
        app = self.control("POST", f"/tenants/{azure['id']}/apps", json={"displayName": "Kontor CRM",
                                                                          "roles": MAIL_ROLES})
        settings = {"azure_tenant_id": azure["id"], "client_id": app["clientId"], "authority_url": emulator.base_url,
                    "base_url": f"{emulator.base_url}/v1.0", "ca_bundle_path": ca_path}
        for name, address, api, fields in self._boxes():
            self.control("POST", f"/tenants/{azure['id']}/mailboxes",
                         json={"userPrincipalName": address, "displayName": name.title()})
            folder = self.control("POST", f"/mailboxes/{address}/mail/folders", json={"displayName": IMPORT_FOLDER})
            self.graph_import_folders[address] = folder["id"]
            box = Mailbox(world=self, address=address, api=api)
            box.account = self._account(box, provider="graph", graph=settings,
                                        credentials={"client_secret": app["secret"]}, **fields)
            self.mailboxes[name] = box

    def _imap(self, data_dir: Path) -> None:
        self.smtp = SmtpSink()
        controller = self.smtp.start()
        self._closers.append(controller.stop)
        for name, address, api, fields in self._boxes():
            server = start_imap_server(data_dir)
            self._closers.append(server.stop)
            relay = Relay(server.port)
            self._closers.append(relay.close)
            _create_folder(server, IMPORT_FOLDER)
            box = Mailbox(world=self, address=address, api=api, imap=server, relay=relay)
            box.account = self._account(box, provider="imap", imap={
                "host": LOOPBACK, "port": relay.port, "security": "none", "username": server.user,
                "smtp_host": LOOPBACK, "smtp_port": self.smtp.port, "smtp_security": "none"},
                credentials={"password": server.password}, **fields)
            self.mailboxes[name] = box

    def close(self) -> None:
        for closer in reversed(self._closers):
            with contextlib.suppress(Exception):
                closer()

    # ---------------------------------------------------------------- helpers for scenarios

    def box(self, name: str) -> Mailbox:
        return self.mailboxes[name]

    def unique(self, what: str) -> str:
        return f"{what} {uuid.uuid4().hex[:6]}"

    def mail(self, mail_id: str, api: Api | None = None) -> httpx.Response:
        return (api or self.manager).get(f"/mail/mails/{mail_id}")

    def record_mails(self, record_type: str, record_id: str, api: Api | None = None) -> list[dict]:
        return ok((api or self.manager).get(f"/mail/records/{record_type}/{record_id}/mails"))["items"]

    def file(self, api: Api, mail_ids: list[str], records: list[tuple[str, str]]) -> list[dict]:
        return ok(api.post("/mail/filings", json={"mail_ids": mail_ids, "records": [
            {"type": t, "id": i} for t, i in records]}))["items"]

    def unfile(self, api: Api, mail_id: str, record_type: str, record_id: str) -> dict:
        return ok(api.delete(f"/mail/mails/{mail_id}/links/{record_type}/{record_id}"))

    def throttle(self, box: Mailbox, **policy) -> None:
        self.control("PUT", f"/mailboxes/{box.address}/throttle", json=policy)

    def expire_delta(self, box: Mailbox) -> None:
        self.control("POST", f"/mailboxes/{box.address}/mail/delta/expire", json={})


def links(mail: dict) -> dict[tuple[str, str], str]:
    """(record type, record id) -> origin of the links in force."""
    return {(link["record"]["type"], link["record"]["id"]): link["origin"] for link in mail["links"]}


def start_worker(stack) -> str:
    """mail-import's Celery worker (import rounds); beat stays off, so only what a test triggers runs."""
    name = stack.start_worker("mail-import", env={"KONTOR_MAIL_IMPORT_IMPORT_POLL_INTERVAL_S": "3600",
                                                  "KONTOR_MAIL_IMPORT_IMPORT_TICK_S": "3600"})
    deadline = time.monotonic() + 90
    while "ready." not in stack.log(name):  # Celery prints "celery@host ready." once it consumes
        if stack.processes[name].poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not start:\n{stack.log(name)[-3000:]}")
        time.sleep(0.2)
    return name


def _create_folder(server: ImapServer, folder: str) -> None:
    client = server._session()  # noqa: SLF001 - the devstack helper's logged-in stdlib session
    try:
        typ, data = client.create(folder)
        assert typ == "OK", data
    finally:
        client.logout()
