"""Benchmark: importing mail from IMAP (pymap) and from Microsoft Graph (the emulator), with matching and storage.

Starts PostgreSQL, NATS and Redis from their wheels (the devstack's classes), migrates contacts' and
mail-import's databases and runs the real contacts service (``kontor-contacts serve``): automatic matching asks
it over gRPC (``AddressMatchService.MatchAddresses``, one call per batch) as a sales rep of the tenant, with a
token signed by the dev signing key (what the gateway's delegated token would be). Contacts holds COMPANIES
companies with websites and PERSONS_PER_COMPANY persons with addresses each.

Two mailboxes get MESSAGES messages each in their import folder (setup, not timed): a pymap server (dict backend,
APPEND) and the Graph emulator (``/_control`` deliver). The messages are what a sales rep's import folder holds:
plain and HTML mail, 1-3 KB of text, a fifth with a 20 KB PDF, from known persons, unknown people at known
companies and strangers, with Message-IDs (a few without).

Then the real importer (``imports.round.run_round``: provider, parsing, raw MIME and attachments into the
filesystem blob store, Mail and MailboxReference rows, matching and links, outbox events, reconciliation) runs
one round per mailbox, timed; every message must be imported and the reconciliation balanced. For where the
time goes, the same folder is then read once more by the provider alone (``next_batch`` until done, nothing
stored): ``fetch_s``; the rest of the round is parsing, storage, matching and reconciliation.

Prints one JSON object as its last line, e.g.
{"benchmark": "mail_import", "messages": 1000, "imap_messages_per_s": ..., "graph_messages_per_s": ...,
 "targets_met": {...}, "met": true, "load_avg_1m": ...}
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import grpc
import httpx
from imapclient import IMAPClient
from sqlalchemy import func, insert, select, text

from kontor.contacts.companies.models import Company
from kontor.contacts.persons.models import ContactPerson, ContactPersonAddress
from kontor.devstack.imap_server import start_imap_server
from kontor.devstack.infra import InfraStack
from kontor.devstack.launch import ServiceLauncher
from kontor.devstack.signing_key import ensure_signing_key
from kontor.devstack.topology import free_port_env, load_topology, signing_key_path
from kontor.emulators.graph.mail_testing import MAIL_ROLES
from kontor.emulators.graph.testing import start_emulator_process, stop_process
from kontor.mail_import.accounts.models import MailAccount
from kontor.mail_import.contacts_client import ContactsClient
from kontor.mail_import.imap.config import ImapAccount
from kontor.mail_import import mime
from kontor.mail_import.imports import round as import_round
from kontor.mail_import.mails.models import MailLink
from kontor.mail_import.providers.graph import GraphMailProvider
from kontor.mail_import.providers.imap import ImapMailProvider
from kontor.platform import auth
from kontor.platform.auth import Principal, TokenIssuer
from kontor.platform.blobs import FilesystemBlobStore
from kontor.platform.db import Database
from kontor.platform.groupware.graph.auth import GraphCredentials
from kontor.protos.contacts.v1 import identity_pb2, identity_pb2_grpc

MESSAGES = int(os.environ.get("BENCH_MESSAGES", "1000"))
BATCH_SIZE = int(os.environ.get("BENCH_BATCH_SIZE", "200"))  # the service's default import_batch_size
COMPANIES = int(os.environ.get("BENCH_COMPANIES", "2000"))
PERSONS_PER_COMPANY = int(os.environ.get("BENCH_PERSONS_PER_COMPANY", "3"))
TARGET_MESSAGES_PER_S = 200.0
READY_TIMEOUT_S = 90
FOLDER = "Import"
PDF = b"%PDF-1.4\n" + bytes(random.Random(3).randrange(256) for _ in range(20_000))
_WORDS = ("Angebot", "Lieferung", "Rechnung", "Termin", "Wartung", "Vertrag", "Rückfrage", "Muster", "Bestellung",
          "bitte", "danke", "morgen", "nächste", "Woche", "Preis", "Menge", "Stück", "Grüße")


def _domain(i: int) -> str:
    return f"firma{i}.example"


def _sender(rng: random.Random) -> str:
    i = rng.randrange(COMPANIES)
    return rng.choice((f"person{rng.randrange(PERSONS_PER_COMPANY)}@{_domain(i)}",  # a known person
                       f"person{rng.randrange(PERSONS_PER_COMPANY)}@{_domain(i)}",
                       f"neu{i}@{_domain(i)}",  # someone new at a known company
                       f"x{i}@unknown{i}.example"))  # a stranger


def _messages(rng: random.Random, to: str) -> list[bytes]:
    out = []
    start = datetime.now(UTC) - timedelta(days=30)
    for n in range(MESSAGES):
        msg = EmailMessage()
        msg["From"], msg["To"] = _sender(rng), to
        if rng.random() < 0.3:
            msg["Cc"] = _sender(rng)
        msg["Subject"] = f"{rng.choice(_WORDS)} {n}"
        msg["Date"] = format_datetime(start + timedelta(minutes=n))
        if rng.random() > 0.02:
            msg["Message-ID"] = make_msgid(idstring=f"bench{n}", domain="bench.example")
        body = " ".join(rng.choice(_WORDS) for _ in range(rng.randrange(150, 450)))
        msg.set_content(body)
        if rng.random() < 0.3:
            msg.add_alternative(f"<html><body><p>{body}</p></body></html>", subtype="html")
        if rng.random() < 0.2:
            msg.add_attachment(PDF, maintype="application", subtype="pdf", filename=f"Dokument-{n}.pdf")
        out.append(msg.as_bytes())
    return out


class IssuedContacts:
    """The round's background identity, as ``imports.identity.OwnerContacts`` does it, with a token signed
    directly (the gateway's TokenService would issue the same) instead of a call to the gateway."""

    def __init__(self, contacts: ContactsClient, principal: Principal) -> None:
        self.contacts, self.principal = contacts, principal

    def __getattr__(self, name: str):  # match_addresses, employee_addresses, ...: each call as the round's user
        method = getattr(self.contacts, name)

        async def as_user(*args, **kwargs):
            token = auth.set_principal(self.principal)
            try:
                return await method(*args, **kwargs)
            finally:
                auth.reset_principal(token)

        return as_user


def _serve_jwks(jwks: dict) -> str:
    """The token-signing keys over http on loopback (a daemon thread); answers their URL."""
    import threading  # noqa: PLC0415
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: PLC0415

    body = json.dumps(jwks).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"


async def _contacts_data(url: str, tenant: uuid.UUID) -> None:
    db = Database(url, pool_size=1)
    try:
        companies, persons, addresses = [], [], []
        for i in range(COMPANIES):
            company_id = uuid.uuid4()
            companies.append({"id": company_id, "tenant_id": tenant, "name": f"Firma {i}", "kind": "customer",
                              "city": "", "version": 1, "access_level": "company",
                              "website": f"https://www.{_domain(i)}", "website_domain": _domain(i),
                              "email": f"info@{_domain(i)}", "email_domain": _domain(i)})
            for p in range(PERSONS_PER_COMPANY):
                person_id, address = uuid.uuid4(), f"person{p}@{_domain(i)}"
                persons.append({"id": person_id, "tenant_id": tenant, "company_id": company_id,
                                "last_name": f"Person {p}", "email_keys": [address], "version": 1,
                                "emails": [{"address": address, "label": "", "primary": True}]})
                addresses.append({"tenant_id": tenant, "person_id": person_id, "address": address})
        async with db.unit_of_work(tenant) as session:
            await session.execute(insert(Company), companies)
            await session.execute(insert(ContactPerson), persons)
            await session.execute(insert(ContactPersonAddress), addresses)
        async with db.engine.connect() as conn:
            for table in ("companies", "contact_persons", "contact_person_addresses"):
                await conn.execute(text(f"ANALYZE {table}"))
            await conn.commit()
    finally:
        await db.dispose()


async def _create_user(grpc_addr: str, token: str, address: str) -> str:
    async with grpc.aio.insecure_channel(grpc_addr) as channel:
        user = await identity_pb2_grpc.UserServiceStub(channel).CreateUser(identity_pb2.CreateUserRequest(
            email=address, display_name="Bench Rep", role=identity_pb2.ROLE_SALES_REP,
            password="correct horse battery staple", time_zone="Europe/Berlin", locale="de"),
            metadata=(("authorization", f"Bearer {token}"),), timeout=30)
    return user.id


class Mailbox:
    def __init__(self, db: Database, tenant: uuid.UUID, user_id: str, address: str, provider: str) -> None:
        self.db, self.tenant, self.address, self.provider = db, tenant, address, provider
        self.user_id = uuid.UUID(user_id)
        self.account_id = uuid.uuid4()

    async def create(self) -> None:
        async with self.db.unit_of_work(self.tenant) as session:
            session.add(MailAccount(id=self.account_id, tenant_id=self.tenant, kind="personal",
                                    owner_user_id=self.user_id, provider=self.provider, address=self.address,
                                    address_key=self.address.lower(), settings={}, import_folder=FOLDER,
                                    created_by=str(self.user_id), version=1))

    async def links(self) -> int:
        async with self.db.unit_of_work(self.tenant) as session:
            return await session.scalar(select(func.count()).select_from(MailLink)) or 0


async def _timed_round(mailbox: Mailbox, open_provider, blobs, matching) -> dict:
    links_before = await mailbox.links()
    async with open_provider() as provider:
        started, cpu_started = time.perf_counter(), time.process_time()
        report = await import_round.run_round(mailbox.db, provider, tenant_id=mailbox.tenant,
                                              account_id=mailbox.account_id, blobs=blobs, batch_size=BATCH_SIZE,
                                              matching=matching)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    result = report.reconciliation
    if report.imported + report.referenced != MESSAGES or result is None or result.gap or report.unfiled:
        raise RuntimeError(f"{mailbox.provider}: the round did not import every message: {report}")
    async with open_provider() as provider:  # the provider alone: what reading the folder costs
        folder = await provider.resolve_folder(FOLDER)
        fetch_started, cursor, fetched = time.perf_counter(), None, 0
        while True:
            batch = await provider.next_batch(folder.id, cursor, BATCH_SIZE)
            fetched += len(batch.messages)
            cursor = batch.cursor
            if batch.done:
                break
        fetch_s = time.perf_counter() - fetch_started
    return {"s": seconds, "cpu_s": cpu, "fetch_s": fetch_s, "fetched": fetched, "imported": report.imported,
            "referenced": report.referenced, "quarantined": report.quarantined,
            "links": await mailbox.links() - links_before, "batches": report.batches}


async def run(tmp: Path) -> dict:
    rng = random.Random(42)
    topology = load_topology(free_port_env())
    infra = InfraStack(tmp, topology.infra)
    for server in infra.servers:
        server.start()
    processes: list[subprocess.Popen] = []
    pymap = None
    parse_cpu_ms = 0.0
    try:
        launcher = ServiceLauncher(topology=topology, infra=topology.infra, data_dir=tmp, base_env=dict(os.environ))
        ensure_signing_key(signing_key_path(tmp))
        contacts_spec, mail_spec = topology.service("contacts"), topology.service("mail-import")
        for spec in (contacts_spec, mail_spec):
            await infra.postgres.ensure_service_database(spec.name)
            await launcher.migrate(spec)
        (tmp / "logs").mkdir(exist_ok=True)
        log = (tmp / "logs" / "contacts.log").open("ab")
        issuer = TokenIssuer.from_pem_file(signing_key_path(tmp), issuer="kontor-gateway", audience="kontor")
        jwks = _serve_jwks(issuer.jwks())  # what the gateway would serve; no gateway runs here
        processes.append(subprocess.Popen([launcher.executable(contacts_spec), "serve"],
                                          env={**launcher.env(contacts_spec), "KONTOR_CONTACTS_JWKS_URL": jwks},
                                          stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL))
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            try:
                if httpx.get(contacts_spec.readyz_url, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or processes[0].poll() is not None:
                raise RuntimeError("contacts did not start:\n" + (tmp / "logs" / "contacts.log").read_text()[-3000:])
            await asyncio.sleep(0.2)

        tenant = uuid.uuid4()
        setup_token = issuer.issue(subject="bench", tenant_id=tenant, roles=["org_manager"])
        user_id = await _create_user(contacts_spec.grpc_addr, setup_token, "rep@kontor-bench.example")
        await _contacts_data(topology.infra.database_url("contacts"), tenant)
        principal = Principal(subject=user_id, tenant_id=tenant, roles=("sales_rep",),
                              token=issuer.issue(subject=user_id, tenant_id=tenant, roles=["sales_rep"]))
        contacts = ContactsClient.connect(contacts_spec.grpc_addr, timeout_s=30)
        matching = import_round.Matching(IssuedContacts(contacts, principal), b"bench-message-id-key-32-bytes!!!")

        db = Database(topology.infra.database_url("mail-import"), pool_size=4)
        blobs = FilesystemBlobStore(tmp / "blobs", max_bytes=64 * 1024 * 1024)
        results: dict[str, dict] = {}

        # IMAP: pymap, the messages APPENDed to the import folder.
        pymap = start_imap_server(tmp / "logs")
        imap_box = Mailbox(db, tenant, user_id, "rep-imap@kontor-bench.example", "imap")
        await imap_box.create()
        client = IMAPClient(pymap.host, port=pymap.port, ssl=False, timeout=60)
        client.login(pymap.user, pymap.password)
        client.create_folder(FOLDER)
        corpus = _messages(rng, imap_box.address)
        for raw in corpus:
            client.append(FOLDER, raw)
        client.logout()
        parse_started = time.process_time()  # one part of the round's CPU, measured alone
        for raw in corpus:
            mime.parse(raw, mime.Limits())
        parse_cpu_ms = (time.process_time() - parse_started) * 1000 / len(corpus)
        imap_settings = ImapAccount(host=pymap.host, port=pymap.port, username=pymap.user, password=pymap.password,
                                    security="none", timeout_s=60)
        results["imap"] = await _timed_round(imap_box, lambda: ImapMailProvider(imap_settings, smtp=None,
                                                                                 batch_size=BATCH_SIZE),
                                             blobs, matching)

        # Graph: the emulator, the messages delivered into the import folder.
        domain = f"bench{uuid.uuid4().hex[:6]}.onmicrosoft.com"
        app = {"displayName": "Kontor CRM", "clientId": str(uuid.uuid4()), "secret": uuid.uuid4().hex,
               "roles": MAIL_ROLES}
        upn = f"anna@{domain}"
        seed = {"tenants": [{"domain": domain, "apps": [app],
                             "mailboxes": [{"userPrincipalName": upn, "displayName": "Anna"}]}]}
        emulator_process, emulator = start_emulator_process(tmp, seed, ready_timeout_s=READY_TIMEOUT_S)
        processes.append(emulator_process)
        graph_tenant = emulator["seeded"]["tenants"][0]["id"]
        control = httpx.Client(base_url=f"{emulator['base_url']}/_control", verify=emulator["ca_path"], timeout=60,
                               trust_env=False)
        folder = control.post(f"/mailboxes/{upn}/mail/folders", json={"displayName": FOLDER})
        folder.raise_for_status()
        graph_box = Mailbox(db, tenant, user_id, upn, "graph")
        await graph_box.create()
        for raw in _messages(rng, upn):
            control.post(f"/mailboxes/{upn}/mail/deliver", json={
                "mimeBase64": base64.b64encode(raw).decode(), "folder": folder.json()["id"]}).raise_for_status()
        control.close()
        credentials = GraphCredentials(tenant_id=graph_tenant, client_id=app["clientId"], client_secret=app["secret"])
        results["graph"] = await _timed_round(graph_box, lambda: GraphMailProvider.connect(
            credentials, upn, base_url=f"{emulator['base_url']}/v1.0",
            authority=f"{emulator['base_url']}/{graph_tenant}", ca_path=emulator["ca_path"]), blobs, matching)

        await contacts.close()
        await blobs.close()
        await db.dispose()
    finally:
        if pymap is not None:
            pymap.stop()
        for process in processes:
            stop_process(process)
        infra.stop()

    for r in results.values():
        r["cpu_ms_per_message"] = r["cpu_s"] * 1000 / MESSAGES
    rates = {name: MESSAGES / r["s"] for name, r in results.items()}
    targets = {f"{name}_messages_per_s": rate >= TARGET_MESSAGES_PER_S for name, rate in rates.items()}
    out: dict = {"benchmark": "mail_import", "messages": MESSAGES, "batch_size": BATCH_SIZE,
                 "companies": COMPANIES, "persons": COMPANIES * PERSONS_PER_COMPANY,
                 "parse_cpu_ms_per_message": round(parse_cpu_ms, 2)}
    for name, r in results.items():
        out |= {f"{name}_messages_per_s": round(rates[name], 1), f"{name}_round_s": round(r["s"], 2),
                f"{name}_importer_cpu_s": round(r["cpu_s"], 2),
                f"{name}_importer_cpu_ms_per_message": round(r["cpu_ms_per_message"], 2),
                f"{name}_fetch_only_s": round(r["fetch_s"], 2),
                f"{name}_links": r["links"], f"{name}_batches": r["batches"]}
    return out | {"target_messages_per_s": TARGET_MESSAGES_PER_S, "targets_met": targets,
                  "met": all(targets.values()), "load_avg_1m": round(os.getloadavg()[0], 2)}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(run(Path(tmp)))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
