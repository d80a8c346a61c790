"""A real IMAP server that is not ours (pymap, dict backend) for the IMAP reader tests.

One server per test session; every test works in folders of its own (``folders``), so tests never see
each other's mail.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from imapclient import IMAPClient

from kontor.devstack.imap_server import ImapServer, imap_server
from kontor.mail_import.imap.config import ImapAccount


@pytest.fixture(scope="session")
def pymap(tmp_path_factory) -> ImapServer:
    with imap_server(Path(tmp_path_factory.mktemp("pymap"))) as server:
        yield server


@pytest.fixture
def account(pymap) -> ImapAccount:
    return ImapAccount(host=pymap.host, port=pymap.port, username=pymap.user, password=pymap.password,
                       security="none", timeout_s=10)


@pytest.fixture
def folders():
    """Unique folder names for this test: ``folders("Import")`` → ``Import-<hex>``."""
    suffix = uuid.uuid4().hex[:8]
    return lambda name: f"{name}-{suffix}"


@pytest.fixture
def raw_client(pymap):
    """A plain imapclient session as the user, for arranging and checking server state around the code under test."""
    client = IMAPClient(pymap.host, port=pymap.port, ssl=False, timeout=10)
    client.login(pymap.user, pymap.password)
    yield client
    client.logout()


@pytest.fixture
def make_message():
    return _message


def _message(n: int, message_id: str | None = None, body: str = "") -> bytes:
    """A small distinct RFC 5322 message; ``message_id=""`` leaves the header out."""
    mid = message_id if message_id is not None else f"<m{n}-{uuid.uuid4().hex}@test.example>"
    headers = [f"From: sender{n}@example.org", "To: user@example.com", f"Subject: message {n}"]
    if mid:
        headers.append(f"Message-ID: {mid}")
    return ("\r\n".join(headers) + "\r\n\r\n" + (body or f"body {n}\r\n")).encode()
