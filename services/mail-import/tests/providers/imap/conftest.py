"""The IMAP provider tests' SMTP settings and messages. The servers are tests/conftest.py's: pymap (IMAP, not
ours; with ``account``, ``raw_client`` and ``folders``) and aiosmtpd (``smtp_sink``, SMTP submission with the
IMAP user's login), one of each per test session; every test works in folders of its own and with its own
Message-IDs, so tests never see each other's mail.
"""

from __future__ import annotations

import uuid

import pytest

from kontor.mail_import.smtp.settings import SmtpSettings


@pytest.fixture
def smtp(smtp_sink, pymap) -> SmtpSettings:
    return SmtpSettings(host=smtp_sink.host, port=smtp_sink.port, security="none", username=pymap.user,
                        password=pymap.password, timeout=10)


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
