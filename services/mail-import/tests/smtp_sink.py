"""A real SMTP submission server that is not ours (aiosmtpd) for sending tests: it takes one login (plain AUTH on
loopback, no TLS: the client's TLS modes are smtplib's own and need no server here), keeps every message it
accepts, and refuses recipients at ``REFUSED_DOMAIN``. tests/conftest.py starts one per session (``smtp_sink``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from kontor.devstack.ports import LOOPBACK, free_port

REFUSED_DOMAIN = "refused.example"  # the server answers 550 to RCPT TO at this domain


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class SmtpSink:
    """What the server accepted, in order (its handler runs in the controller's thread)."""

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


@contextmanager
def smtp_server(user: str, password: str) -> Iterator[SmtpSink]:
    """A running server on loopback that signs in ``user`` with ``password`` only."""
    sink = SmtpSink(LOOPBACK, free_port())

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            user.encode(), password.encode())
        return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 235 or 535 itself

    controller = Controller(sink, hostname=LOOPBACK, port=sink.port, authenticator=authenticator,
                            auth_required=True, auth_require_tls=False)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
