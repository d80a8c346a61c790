"""Messages for the IMAP reader tests. The server (pymap, dict backend, not ours), ``account``, ``raw_client`` and
``folders`` are tests/conftest.py's: one server per test session, every test in folders of its own.
"""

from __future__ import annotations

import uuid

import pytest


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
