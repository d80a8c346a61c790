"""A throwaway real IMAP server for tests and the dev stack: pymap (PyPI), not ours.

pymap's ``dict`` backend keeps everything in memory and knows exactly one user (``--demo-user`` /
``--demo-password``), which is all the mail-import IMAP tests need. TLS is off: the tests talk plain IMAP on
loopback unless a certificate is given, which pymap then offers through STARTTLS (it has no implicit-TLS
port); the client's TLS modes are described in docs/mail-import.md, "IMAP".

Mail is delivered the way a mail client or filter would put it there: IMAP APPEND as the user
(``ImapServer.deliver``), so the server assigns UIDs and INTERNALDATE itself.

pymap is a dev dependency (root ``dev`` group); it is started as ``python -c 'pymap.main'`` with this
interpreter, so no console script has to be on PATH.
"""

from __future__ import annotations

import imaplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kontor.devstack.ports import LOOPBACK, free_port

DEMO_USER = "demouser"
DEMO_PASSWORD = "demopass"
_START_TIMEOUT_S = 30.0
_PYMAP_MAIN = "import sys; from pymap.main import main; sys.exit(main())"


class ImapServerError(RuntimeError):
    """pymap did not start (its log is in the message)."""


@dataclass
class ImapServer:
    """A running pymap ``dict`` server on loopback."""

    host: str
    port: int
    user: str
    password: str
    process: subprocess.Popen
    log_path: Path

    def _session(self) -> imaplib.IMAP4:
        # stdlib imaplib, so devstack needs no IMAP client library of its own.
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(self.user, self.password)
        return client

    def deliver(self, folder: str, message: bytes, flags: tuple[str, ...] = ()) -> None:
        """APPEND ``message`` to ``folder`` as the user (created first if missing)."""
        client = self._session()
        try:
            client.create(folder)  # answers NO when it exists; that is fine here
            typ, data = client.append(folder, f"({' '.join(flags)})" if flags else None, None, message)
            if typ != "OK":
                raise ImapServerError(f"APPEND to {folder} failed: {data!r}")
        finally:
            client.logout()

    def recreate_folder(self, folder: str) -> None:
        """Delete and create ``folder`` again: the server gives it a new UIDVALIDITY (RFC 3501 2.3.1.1)."""
        client = self._session()
        try:
            client.delete(folder)
            typ, data = client.create(folder)
            if typ != "OK":
                raise ImapServerError(f"CREATE {folder} failed: {data!r}")
        finally:
            client.logout()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _greets(host: str, port: int) -> bool:
    """True once the server answers with an IMAP greeting (not merely an open port)."""
    try:
        with socket.create_connection((host, port), timeout=1) as sock:
            return sock.recv(64).startswith(b"* OK")
    except OSError:
        return False


def start_imap_server(log_dir: Path, *, user: str = DEMO_USER, password: str = DEMO_PASSWORD,
                      port: int | None = None, tls_cert: Path | None = None,
                      tls_key: Path | None = None) -> ImapServer:
    """Start pymap's in-memory backend on a free loopback port and wait for its greeting.

    With ``tls_cert`` and ``tls_key`` (PEM files) the server offers STARTTLS with that certificate.
    """
    port = port or free_port()
    log_path = Path(log_dir) / f"pymap-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-c", _PYMAP_MAIN, "--host", LOOPBACK, "--port", str(port),
               # pymap also starts a gRPC admin service on a fixed port by default; tests don't need it and
               # two servers would collide on it.
               "--no-service", "admin",
               *(["--cert", str(tls_cert), "--key", str(tls_key)] if tls_cert and tls_key else []),
               "dict", "--demo-user", user, "--demo-password", password]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = ImapServer(LOOPBACK, port, user, password, process, log_path)
    deadline = time.monotonic() + _START_TIMEOUT_S
    while not _greets(LOOPBACK, port):
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise ImapServerError(f"pymap did not start on port {port}: {log_path.read_text(errors='replace')[-2000:]}")
        time.sleep(0.1)
    return server


@contextmanager
def imap_server(log_dir: Path, **kwargs) -> Iterator[ImapServer]:
    """A pymap server for the ``with`` block; stopped even when the block fails."""
    server = start_imap_server(log_dir, **kwargs)
    try:
        yield server
    finally:
        server.stop()
