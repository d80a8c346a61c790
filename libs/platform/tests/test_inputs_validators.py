"""The field validators services share (kontor.platform.inputs): what passes, what is refused, and that a
refusal of a secret-holding input never repeats the value."""

import pytest
from pydantic import SecretStr, ValidationError

from kontor.platform.inputs import (
    HttpsUrl, MailboxAddress, SecretInput, guid, host_name, https_url, is_loopback, mailbox_address,
)


def test_https_url_drops_the_trailing_slash_and_leaves_empty_alone():
    assert https_url("https://login.example.com/") == "https://login.example.com"
    assert https_url("") == ""
    for bad in ("http://login.example.com", "https://", "login.example.com"):
        with pytest.raises(ValueError, match="https://"):
            https_url(bad)


def test_guid_is_lower_cased_and_anything_else_refused():
    assert guid("3F2B8C1E-0000-4000-8000-00000000000A") == "3f2b8c1e-0000-4000-8000-00000000000a"
    for bad in ("", "3f2b8c1e", "3f2b8c1e-0000-4000-8000-00000000000g"):
        with pytest.raises(ValueError, match="GUID"):
            guid(bad)


def test_mailbox_address():
    assert mailbox_address(" Anna.Berger@Example.com ") == "Anna.Berger@Example.com"
    for bad in ("anna", "anna@example", "a b@example.com", "a@" + "x" * 320 + ".com"):
        with pytest.raises(ValueError, match="mailbox address"):
            mailbox_address(bad)


def test_host_name_and_loopback():
    assert host_name(" IMAP.Example.com ") == "imap.example.com"
    assert host_name("") == ""
    with pytest.raises(ValueError, match="host name"):
        host_name("imap example.com")
    assert all(is_loopback(h) for h in ("localhost", "127.0.0.1", "[::1]", "::1"))
    assert not any(is_loopback(h) for h in ("imap.example.com", "10.0.0.1", ""))


class _Server(SecretInput):
    url: HttpsUrl = ""
    mailbox: MailboxAddress
    secret: SecretStr


def test_a_secret_input_names_the_field_and_never_repeats_the_value():
    with pytest.raises(ValidationError) as caught:
        _Server(url="http://plain.example", mailbox="not-an-address-Geheim1", secret="x")
    text = str(caught.value)
    assert {e["loc"][0] for e in caught.value.errors()} == {"url", "mailbox"}
    assert "plain.example" not in text and "Geheim1" not in text
