"""Failures reach the caller as clear types, with the server's words and never the password."""

from __future__ import annotations

import base64
import dataclasses
import logging

import pytest

from kontor.devstack.ports import free_port
from kontor.mail_import.imap.aio import AsyncImapFolder
from kontor.mail_import.imap.config import ImapAccount
from kontor.mail_import.imap.errors import ImapAuthError, ImapConnectionError, ImapFolderMissing

WRONG = "Wr0ng-Secret-Pa55"


@pytest.mark.parametrize("mechanism", ["plain", "login", "auto"])
async def test_bad_password_is_an_auth_error_without_the_password(account, mechanism, caplog):
    caplog.set_level(logging.DEBUG)
    bad = dataclasses.replace(account, password=WRONG, auth=mechanism)
    with pytest.raises(ImapAuthError) as raised:
        async with AsyncImapFolder(bad, "INBOX"):
            pass
    assert raised.value.retryable is False
    assert "AUTHENTICATIONFAILED" in str(raised.value)  # the server's own words
    secret_forms = [WRONG, base64.b64encode(f"\0{account.username}\0{WRONG}".encode()).decode()]
    seen = str(raised.value) + repr(bad) + caplog.text
    assert not any(form in seen for form in secret_forms)


async def test_good_password_logs_in_with_either_mechanism(account):
    for mechanism in ("plain", "login"):
        async with AsyncImapFolder(dataclasses.replace(account, auth=mechanism), "INBOX") as folder:
            assert (await folder.status()).uidvalidity > 0


async def test_unreachable_server_is_a_retryable_connection_error():
    nobody = ImapAccount(host="127.0.0.1", port=free_port(), username="u", password="p", security="none",
                         timeout_s=5)
    with pytest.raises(ImapConnectionError) as raised:
        async with AsyncImapFolder(nobody, "INBOX"):
            pass
    assert raised.value.retryable is True


async def test_missing_folder_names_the_server_answer(account, folders):
    async with AsyncImapFolder(account, folders("Missing")) as folder:
        with pytest.raises(ImapFolderMissing) as raised:
            await folder.next_batch(None)
    assert "NONEXISTENT" in raised.value.server_text
    assert raised.value.retryable is False


def test_default_ports_follow_the_security_mode():
    assert ImapAccount("h", "u", "p").effective_port == 993
    assert ImapAccount("h", "u", "p", security="starttls").effective_port == 143
    assert ImapAccount("h", "u", "p", port=1143).effective_port == 1143
    assert "secret-value" not in repr(ImapAccount("h", "u", "secret-value"))
