"""Real servers for the IMAP provider tests: pymap (IMAP, not ours) and aiosmtpd (SMTP submission, not ours).

One of each per test session; every test works in folders of its own (``folders``) and with its own
Message-IDs, so tests never see each other's mail.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from imapclient import IMAPClient

from kontor.devstack.imap_server import ImapServer, imap_server
from kontor.devstack.ports import LOOPBACK, free_port
from kontor.mail_import.imap.config import ImapAccount
from kontor.mail_import.smtp.settings import SmtpSettings

SMTP_USER = "sender@example.com"
SMTP_PASSWORD = "smtp-Secret-5ea7"
REFUSED_DOMAIN = "refused.example"  # the SMTP server answers 550 to RCPT TO at this domain


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class SmtpSink:
    """What the aiosmtpd server accepted, in order (its handler runs in the controller's thread)."""

    host: str
    port: int
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def by_marker(self, marker: bytes) -> list[Received]:
        with self.lock:
            return [r for r in self.received if marker in r.content]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().endswith("@" + REFUSED_DOMAIN):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted"


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        SMTP_USER.encode(), SMTP_PASSWORD.encode())
    return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 235 or 535 itself


@pytest.fixture(scope="session")
def pymap(tmp_path_factory) -> ImapServer:
    with imap_server(Path(tmp_path_factory.mktemp("pymap"))) as server:
        yield server


@pytest.fixture(scope="session")
def smtp_sink() -> SmtpSink:
    sink = SmtpSink(LOOPBACK, free_port())
    # Plain text AUTH on loopback only: the client's TLS modes are smtplib's own and need no server here.
    controller = Controller(sink, hostname=LOOPBACK, port=sink.port, authenticator=_authenticator,
                            auth_required=True, auth_require_tls=False)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture
def account(pymap) -> ImapAccount:
    return ImapAccount(host=pymap.host, port=pymap.port, username=pymap.user, password=pymap.password,
                       security="none", timeout_s=10)


@pytest.fixture
def smtp(smtp_sink) -> SmtpSettings:
    return SmtpSettings(host=smtp_sink.host, port=smtp_sink.port, security="none", username=SMTP_USER,
                        password=SMTP_PASSWORD, timeout=10)


@pytest.fixture
def folders():
    """Unique folder names for this test: ``folders("Import")`` → ``Import-<hex>``."""
    suffix = uuid.uuid4().hex[:8]
    return lambda name: f"{name}-{suffix}"


@pytest.fixture
def raw_client(pymap):
    """A plain imapclient session as the user, for arranging and checking server state."""
    client = IMAPClient(pymap.host, port=pymap.port, ssl=False, timeout=10)
    client.login(pymap.user, pymap.password)
    yield client
    client.logout()


def message(n: int, message_id: str | None = None, *, subject: str | None = None,
            sender: str = "Sender {n} <sender{n}@example.org>") -> bytes:
    mid = message_id or f"<m{n}-{uuid.uuid4().hex}@test.example>"
    headers = [f"From: {sender.format(n=n)}", "To: User <user@example.com>", "Cc: cc@example.net",
               f"Subject: {subject if subject is not None else f'message {n}'}", f"Message-ID: {mid}",
               "Date: Sun, 29 Nov 2026 10:00:00 +0100"]
    return ("\r\n".join(headers) + f"\r\n\r\nbody {n}\r\n").encode()


@pytest.fixture
def make_message():
    return message
