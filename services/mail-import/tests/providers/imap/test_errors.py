"""Failures as groupware errors, and passwords kept out of reprs, errors and logs."""

from __future__ import annotations

import dataclasses
import logging
import uuid

import pytest

from kontor.devstack.ports import LOOPBACK, free_port
from kontor.mail_import.imap.errors import ImapCommandError
from kontor.mail_import.providers.imap import ImapMailProvider
from kontor.mail_import.providers.imap.errors import map_imap_error
from kontor.mail_import.smtp.envelope import without_bcc
from kontor.platform.groupware.errors import (
    InvalidRequest,
    NeedsReauthorisation,
    NotFound,
    ProviderError,
    TransientError,
)

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

_MESSAGE = b"From: sender@example.com\r\nTo: kim@customer.example\r\nSubject: hi\r\n\r\nbody\r\n"


def _assert_secret_nowhere(secret: str, exc: BaseException, caplog) -> None:
    assert secret not in str(exc) and secret not in repr(exc)
    assert exc.__cause__ is None and exc.__suppress_context__  # no protocol exception text rides along
    for record in caplog.records:
        assert secret not in record.getMessage() and secret not in str(record.__dict__)


async def test_imap_login_refused_needs_reauthorisation(account, caplog):
    secret = f"wrong-{uuid.uuid4().hex}"
    caplog.set_level(logging.DEBUG)
    provider = ImapMailProvider(dataclasses.replace(account, password=secret), smtp=None)
    assert secret not in repr(provider)
    with pytest.raises(NeedsReauthorisation) as refused:
        async with provider:
            pass
    _assert_secret_nowhere(secret, refused.value, caplog)


async def test_smtp_auth_refused_needs_reauthorisation_and_sends_nothing(account, smtp, smtp_sink, caplog):
    secret = f"wrong-{uuid.uuid4().hex}"
    caplog.set_level(logging.DEBUG)
    settings = dataclasses.replace(smtp, password=secret)
    assert secret not in repr(settings)
    marker = uuid.uuid4().hex.encode()
    async with ImapMailProvider(account, smtp=settings) as provider:
        assert secret not in repr(provider)
        with pytest.raises(NeedsReauthorisation) as refused:
            await provider.send(_MESSAGE.replace(b"body", marker))
    _assert_secret_nowhere(secret, refused.value, caplog)
    assert smtp_sink.by_marker(marker) == []


async def test_unreachable_servers_are_transient(account, smtp):
    closed = free_port()
    with pytest.raises(TransientError):
        async with ImapMailProvider(dataclasses.replace(account, port=closed, timeout_s=2), smtp=None):
            pass
    async with ImapMailProvider(account, smtp=dataclasses.replace(smtp, host=LOOPBACK, port=closed)) as provider:
        with pytest.raises(TransientError):
            await provider.send(_MESSAGE)


async def test_starttls_is_required_when_configured(account, smtp, smtp_sink):
    # the aiosmtpd server offers no STARTTLS: the client must refuse rather than send in plain text
    marker = uuid.uuid4().hex.encode()
    async with ImapMailProvider(account, smtp=dataclasses.replace(smtp, security="starttls")) as provider:
        with pytest.raises(ProviderError, match="STARTTLS") as refused:
            await provider.send(_MESSAGE.replace(b"body", marker))
    assert not isinstance(refused.value, TransientError)
    assert smtp_sink.by_marker(marker) == []


@pytest.mark.parametrize(("server_text", "expected"), [
    ("[TRYCREATE] no such mailbox", NotFound),
    ("[UNAVAILABLE] backend down", TransientError),
    ("[OVERQUOTA] mailbox full", InvalidRequest),
])
def test_imap_refusals_are_sorted_by_what_helps(server_text, expected):
    assert type(map_imap_error(ImapCommandError("UID MOVE", server_text))) is expected


def test_bcc_removal_keeps_every_other_byte():
    raw = (b"From: a@example.com\r\nBcc: x@example.com,\r\n y@example.com\r\nTo: b@example.com\r\n"
           b"bcc: z@example.com\r\n\r\nBcc: in the body stays\r\n")
    assert without_bcc(raw) == b"From: a@example.com\r\nTo: b@example.com\r\n\r\nBcc: in the body stays\r\n"
