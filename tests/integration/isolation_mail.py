"""Tenant A's mail (issue 5) for the isolation suite (test_isolation.py): which gRPC services mail-import has,
and A's mail objects the sweeps name.

A's mailbox is a real IMAP server that is not ours (pymap, ``kontor.devstack.imap_server``) beside the stack.
Everything in it carries the world's marker (the import folder, the subject, the body, the attachment's name,
the password), so a leak of any of it to tenant B is found by ``isolation_world.leaks``. A's objects:

* ``mail_account``: A's manager's personal IMAP account (with a password);
* ``mail``: the message in its import folder, filed by hand to A's company (MailService.FileMails of a mailbox
  message, which imports it on the way), so it has a link, stored raw MIME and an attachment (part "2");
* ``mail_rule``: a filter rule of that account;
* ``mail_folder`` / ``mail_folder_key``: the import folder as mail-import names it, and as the gateway's key;
* ``mail_ref`` / ``mail_ref_key``: the message's UID and its key (locators, no secret: ``NON_SECRET_KINDS``).

B gets a mail account of its own too (``World.b_mail_account``), so a probe can name one of A's objects beside
B's own account.
"""

from __future__ import annotations

import base64
import threading
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from unittest.mock import MagicMock

import kontor.protos.mail.v1 as mail_protos
from kontor.devstack.imap_server import ImapServer, start_imap_server
from kontor.devstack.ports import LOOPBACK

from tests.integration.isolation_world import RecordingServer, Rest, World, proto_services
from tests.integration.mail_world import Relay


def mail_services() -> list[str]:
    """Every service the kontor.mail.v1 protos declare: a method added to a .proto file is swept as soon as its
    code is generated (and fails the sweep until the maps can fill it)."""
    return proto_services(mail_protos)


def registered_mail_services() -> list[str]:
    """Every service mail-import registers: each entry of its ``grpc_api.REGISTRATIONS`` run against a recording
    server (the wiring is a stand-in: registering only builds the servicers)."""
    from kontor.mail_import import grpc_api  # noqa: PLC0415 - only the isolation suite needs the service code

    server = RecordingServer()
    returned: list[str] = []
    for register in grpc_api.REGISTRATIONS:
        returned.extend(register(server, MagicMock()))
    assert set(returned) <= server.services, (returned, server.services)
    return sorted(server.services)


def key(raw: str) -> str:
    """The gateway's key of a groupware id (base64url without padding; mail_api/keys.py)."""
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def raw_key(value: str) -> str:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()


def marked_message(marker: str, to: str) -> bytes:
    """A mail from A's contact person whose subject, body and attachment name carry the marker."""
    msg = EmailMessage()
    msg["From"] = f"Iso Person <person@{marker}.example>"
    msg["To"] = to
    msg["Subject"] = f"{marker} mail subject"
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain=f"{marker}.example")
    msg.set_content(f"{marker} mail body")
    msg.add_attachment(f"{marker} attachment content".encode(), maintype="application", subtype="pdf",
                       filename=f"{marker} offer.pdf")
    return msg.as_bytes()


def start_server(log_dir: Path, marker: str) -> ImapServer:
    """A's IMAP server; its password is a marker too (it must never reach B, a log or an event)."""
    return start_imap_server(log_dir, password=f"{marker}-imap-password")


class CountingRelay(Relay):
    """The relay of mail_world in front of A's IMAP server, counting the connections mail-import opens: a
    call of B that reaches A's mail server at all shows up here, whatever it answers."""

    def __init__(self, target_port: int) -> None:
        self.connections = 0
        self._count_lock = threading.Lock()
        super().__init__(target_port)

    def _pipe(self, client) -> None:
        with self._count_lock:
            self.connections += 1
        super()._pipe(client)


def add_mail(stack, world: World, server: ImapServer, port: int) -> None:
    """A's mail account (its server reached on ``port``), a filed mail and a filter rule, made through the
    gateway as A's manager."""
    marker, ids, names = world.marker, world.ids, world.names
    api = Rest(stack, world.a.id, world.a.admin_id, ("org_manager",))
    folder = f"{marker}Import"
    address = f"postbox@{marker}.example"
    server.deliver(folder, marked_message(marker, address))
    account = api.ok("POST", "mail/accounts", json={
        "provider": "imap", "address": address, "display_name": f"{marker} Postbox",
        "imap": {"host": LOOPBACK, "port": port, "security": "none", "username": server.user,
                 "smtp_host": LOOPBACK, "smtp_port": 1, "smtp_security": "none"},
        "import_folder": folder, "credentials": {"password": server.password}})
    ids["mail_account"] = account["id"]
    ids["mail_folder"], ids["mail_folder_key"] = folder, key(folder)
    messages = api.ok("GET", f"mail/accounts/{account['id']}/folders/{key(folder)}/messages")["items"]
    assert len(messages) == 1, messages
    ids["mail_ref_key"] = messages[0]["ref"]
    ids["mail_ref"] = raw_key(messages[0]["ref"])
    filed = api.ok("POST", "mail/filings", json={
        "messages": [{"account_id": account["id"], "folder_id": key(folder), "ref": messages[0]["ref"]}],
        "records": [{"type": "company", "id": ids["company"]}]})["items"]
    assert len(filed) == 1 and filed[0]["links"], filed
    ids["mail"] = filed[0]["id"]
    ids["mail_rule"] = api.ok("POST", f"mail/accounts/{account['id']}/rules", json={
        "name": f"{marker} mail rule", "conditions": {"sender_domains": [f"{marker}-rule.example"]},
        "source_folder": "INBOX"})["id"]
    # B's own account (on a server nobody listens on): B's probes can name A's mail beside B's own account.
    b_api = Rest(stack, world.b.id, world.b.admin_id, ("org_manager",))
    world.b_mail_account = b_api.ok("POST", "mail/accounts", json={
        "provider": "imap", "address": "own@b-probe.example", "import_folder": "INBOX",
        "imap": {"host": LOOPBACK, "port": 1, "security": "none"}, "credentials": {"password": "probe"}})["id"]
    names.update({address, f"{marker} Postbox", folder, key(folder), f"{marker} mail subject",
                  f"{marker} mail body", f"{marker} offer.pdf", f"{marker} attachment content",
                  server.password, f"{marker} mail rule", f"{marker}-rule.example"})
