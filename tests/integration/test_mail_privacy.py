"""mail-import keeps secrets and mail content where they belong (issue 5; the rules in docs/mail-import.md).

One tenant imports one mail whose subject, body, attachment name and sender address are unique markers, from
an IMAP account (pymap, not ours) whose password is a marker, beside a second account whose wrong password is
another marker (so the failing paths run too: "needs re-authentication", the connection test). The importer
runs in mail-import's real Celery worker; the mail is read, filed and downloaded through the gateway. Then:

* the passwords are in no log of any service, no outbox row, no event on NATS, no answer, and no column of
  any mail-import table; the sealed credentials hold ciphertext only;
* the subject, body, attachment name and sender address are in no log line; the subject, body and
  attachment name are in no outbox row or event (events carry ids, addresses and records by contract:
  proto/kontor/events/v1/mail.proto), and in the database only in the CRM's own copy (the table ``mails``).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import httpx
import pytest
import sqlalchemy as sa

from kontor.devstack.imap_server import start_imap_server
from kontor.devstack.ports import LOOPBACK
from kontor.platform.db import Database
from kontor.protos.contacts.v1 import identity_pb2, identity_pb2_grpc

from tests.integration.isolation_mail import key
from tests.integration.mail_world import ok, parse
from tests.integration.natsutil import read_stream
from tests.integration.test_followups_dashboard import PASSWORD, _rpc

ROUND_TIMEOUT_S = 120.0
IMPORT_FOLDER = "Import"
# Where the CRM keeps its copy of a mail (subject, text, addresses, attachment metadata): the one table allowed
# to hold mail content.
CONTENT_TABLES = {"mails"}


class Markers:
    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:10]
        self.password = f"pw{tag}Geheim"
        self.wrong_password = f"wrong{tag}Geheim"
        self.subject = f"subj{tag}Betreff"
        self.body = f"body{tag}Inhalt"
        self.attachment = f"att{tag}Angebot.pdf"
        self.sender = f"sender{tag}@from-{tag}.example"

    @property
    def secrets(self) -> dict[str, str]:
        return {"password": self.password, "wrong password": self.wrong_password}

    @property
    def content(self) -> dict[str, str]:
        return {"subject": self.subject, "body": self.body, "attachment name": self.attachment}


@pytest.fixture(scope="module")
def imported(stack, mail_import_worker, tmp_path_factory):
    """The tenant after one import round of the marked mail, a failed round, a filing and a few reads."""
    m = Markers()
    tenant = uuid.uuid4()
    setup = stack.token(tenant, subject="mail-privacy", roles=("org_manager",))
    domain = f"p{uuid.uuid4().hex[:10]}.example"
    user = _rpc(stack, setup, identity_pb2_grpc.UserServiceStub, "CreateUser", identity_pb2.CreateUserRequest(
        email=f"maria@{domain}", display_name="Maria", role=identity_pb2.ROLE_ORG_MANAGER, password=PASSWORD,
        time_zone="Europe/Berlin", locale="de"))
    api = httpx.Client(base_url=f"{stack.http('gateway')}/api/v1", timeout=30, headers={
        "Authorization": f"Bearer {stack.token(tenant, subject=user.id, roles=('org_manager',))}"})
    server = start_imap_server(tmp_path_factory.mktemp("privacy-imap"), password=m.password)
    try:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = f"Sender <{m.sender}>", f"maria@{domain}", m.subject
        msg["Date"], msg["Message-ID"] = format_datetime(datetime.now(UTC)), make_msgid(domain="from.example")
        msg.set_content(m.body)
        msg.add_attachment(b"%PDF-1.4 probe", maintype="application", subtype="pdf", filename=m.attachment)
        server.deliver(IMPORT_FOLDER, msg.as_bytes())
        imap = {"host": LOOPBACK, "port": server.port, "security": "none", "username": server.user,
                "smtp_host": LOOPBACK, "smtp_port": 1, "smtp_security": "none"}
        answers = []
        good = api.post("/mail/accounts", json={"provider": "imap", "address": f"maria@{domain}",
                                                "imap": imap, "import_folder": IMPORT_FOLDER,
                                                "credentials": {"password": m.password}})
        bad = api.post("/mail/accounts", json={"provider": "imap", "address": f"other@{domain}",
                                               "imap": imap, "import_folder": IMPORT_FOLDER,
                                               "credentials": {"password": m.wrong_password}})
        answers += [good, bad]
        good, bad = ok(good, 201), ok(bad, 201)
        answers += [api.post(f"/mail/accounts/{a['id']}/test") for a in (good, bad)]
        assert [a.json()["code"] for a in answers[-2:]] == ["ok", "needs_auth"], [a.text for a in answers[-2:]]

        healths = {a["id"]: _import_now(api, a["id"]) for a in (good, bad)}
        assert healths[good["id"]]["imported_count"] == 1 and healths[good["id"]]["healthy"], healths
        assert healths[bad["id"]]["state"] == "needs_auth", healths
        answers += [api.get(f"/mail/accounts/{a['id']}/import/log") for a in (good, bad)]

        # Read it in the mailbox and as a CRM mail, file it by hand, download its attachment.
        folder = key(IMPORT_FOLDER)
        summary = ok(api.get(f"/mail/accounts/{good['id']}/folders/{folder}/messages"))["items"][0]
        message = ok(api.get(f"/mail/accounts/{good['id']}/folders/{folder}/messages/{summary['ref']}"))
        assert message["mail_id"] and m.subject in str(message)  # the reader sees it, of course
        company = ok(api.post("/companies", json={"name": f"Kunde {domain}"}), 201)
        filed = ok(api.post("/mail/filings", json={"mail_ids": [message["mail_id"]],
                                                   "records": [{"type": "company", "id": company["id"]}]}))
        mail = filed["items"][0]
        part = [a for a in mail["attachments"] if a["filename"] == m.attachment][0]
        assert api.get(f"/mail/mails/{mail['id']}/parts/{part['path']}").status_code == 200
        answers += [api.get("/mail/accounts"), api.get(f"/mail/accounts/{good['id']}"),
                    api.put(f"/mail/accounts/{bad['id']}/credentials", json={"password": m.wrong_password})]
        yield m, tenant, [good["id"], bad["id"]], answers
    finally:
        server.stop()
        api.close()


def _import_now(api: httpx.Client, account_id: str) -> dict:
    """"Import now", then the health once a round that started after the request has finished."""
    requested = datetime.now(UTC)
    deadline = time.monotonic() + ROUND_TIMEOUT_S
    while time.monotonic() < deadline:
        ok(api.post(f"/mail/accounts/{account_id}/import/run"), 202)
        retrigger = time.monotonic() + 15
        while time.monotonic() < min(retrigger, deadline):
            health = ok(api.get(f"/mail/accounts/{account_id}/import"))
            attempted = health["last_attempt_at"]
            if attempted and parse(attempted) >= requested and health["state"] != "importing":
                return health
            time.sleep(0.2)
    raise AssertionError(f"no import round of {account_id} finished within {ROUND_TIMEOUT_S}s")


def _events(stack, tenant: uuid.UUID) -> list:
    """The tenant's mail events on NATS, once the relay has published the import's and the filing's."""
    deadline = time.monotonic() + 30
    while True:
        events = asyncio.run(read_stream(stack.topology.infra.nats_url, "KONTOR_MAIL", f"kontor.{tenant}.mail.>"))
        if {"imported", "filed"} <= {e.subject.rsplit(".", 1)[-1] for e in events} or time.monotonic() > deadline:
            return events
        time.sleep(0.3)


def _logs(stack) -> dict[str, str]:
    """Every service's and worker's log of the stack (gateway, contacts, mail-import and its worker, ...)."""
    return {path.name: path.read_text(errors="replace") for path in sorted((stack.data_dir / "logs").glob("*.log"))}


async def _tenant_rows(stack, tenant: uuid.UUID) -> dict[str, list[str]]:
    """Every row of every table of mail-import's database, as text, as the tenant sees it (row-level security),
    plus the rows of tables without a tenant (the outbox, the tenant list)."""
    db = Database(stack.database_url("mail-import"), pool_size=1)
    try:
        async with db.unit_of_work(tenant) as session:
            tables = list(await session.scalars(sa.text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                "AND table_type = 'BASE TABLE'")))
            rows = {}
            for table in tables:
                rows[table] = list(await session.scalars(sa.text(f'SELECT t::text FROM "{table}" t')))
            return rows
    finally:
        await db.dispose()


async def _sealed(stack, tenant: uuid.UUID, account_ids: list[str]) -> list[bytes]:
    db = Database(stack.database_url("mail-import"), pool_size=1)
    try:
        async with db.unit_of_work(tenant) as session:
            return list(await session.scalars(sa.text(
                "SELECT sealed FROM mail_account_credentials WHERE account_id = ANY(:ids)"),
                {"ids": [uuid.UUID(a) for a in account_ids]}))
    finally:
        await db.dispose()


def test_passwords_reach_no_log_event_answer_or_column(stack, imported):
    m, tenant, account_ids, answers = imported
    for answer in answers:
        for name, secret in m.secrets.items():
            assert secret not in answer.text, f"the {name} in {answer.request.method} {answer.request.url}"
    logs = _logs(stack)
    # The scan reads the logs the rounds wrote: the worker logged both accounts' rounds (ids only).
    assert all(a in logs.get("mail-import-worker.log", "") for a in account_ids), sorted(logs)
    for log_name, text in logs.items():
        for name, secret in m.secrets.items():
            assert secret not in text, f"the {name} in {log_name}"
    rows = asyncio.run(_tenant_rows(stack, tenant))
    assert rows["mails"] and rows["mail_account_credentials"], sorted(rows)  # the scan sees the tenant's rows
    for table, texts in rows.items():
        for name, secret in m.secrets.items():
            assert not [row for row in texts if secret in row], f"the {name} in table {table}"
    sealed = asyncio.run(_sealed(stack, tenant, account_ids))
    assert len(sealed) == 2
    for blob in sealed:
        for secret in m.secrets.values():
            assert secret.encode() not in blob and secret.encode().hex() not in blob.hex()
    events = _events(stack, tenant)
    assert events, "the import published no event"
    for event in events:
        for secret in m.secrets.values():
            assert secret.encode() not in event.data


def test_mail_content_stays_in_the_crm_copy(stack, imported):
    m, tenant, _, _ = imported
    for log_name, text in _logs(stack).items():
        for name, marker in {**m.content, "sender address": m.sender}.items():
            assert marker not in text, f"the mail's {name} in {log_name}"
    rows = asyncio.run(_tenant_rows(stack, tenant))
    assert any(m.subject in row and m.body in row for row in rows["mails"]), "the CRM's copy lacks the mail"
    for table, texts in rows.items():
        if table in CONTENT_TABLES:
            continue
        for name, marker in m.content.items():
            assert not [row for row in texts if marker in row], f"the mail's {name} in table {table}"
    events = _events(stack, tenant)
    types = {event.subject.rsplit(".", 1)[-1] for event in events}
    assert {"imported", "filed"} <= types, types
    for event in events:
        for name, marker in m.content.items():
            assert marker.encode() not in event.data, f"the mail's {name} in event {event.subject}"
