"""Sending through SMTP submission (aiosmtpd) with the copy in the Sent folder (pymap)."""

from __future__ import annotations

import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from kontor.mail_import.providers.imap import ImapMailProvider
from kontor.platform.groupware.errors import InvalidRequest

from ...smtp_sink import REFUSED_DOMAIN  # noqa: TID252 - the test tree's SMTP server

SENDER = "sender@example.com"

# aiosmtpd warns on each connection that it takes AUTH without TLS: on purpose here, loopback only
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


def _outgoing(marker: str, *, to: str = "Kim <kim@customer.example>", bcc: str = "boss@example.com") -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Sender <{SENDER}>"
    msg["To"] = to
    msg["Cc"] = "cc1@customer.example, Cc Two <cc2@partner.example>"
    msg["Bcc"] = bcc
    msg["Subject"] = f"Offer {marker}"
    msg["Message-ID"] = f"<{marker}@crm.example>"
    msg.set_content("Dear Kim,\nplease find the offer attached.\n")
    msg.add_attachment(b"%PDF-1.4 offer " + marker.encode(), maintype="application", subtype="pdf",
                       filename="offer.pdf")
    msg.add_attachment("Straße;1\n", subtype="csv", filename="prices.csv")
    return msg.as_bytes(policy=policy.SMTP)


def _copies(raw_client, folder: str, marker: str) -> list[tuple[bytes, tuple]]:
    raw_client.select_folder(folder, readonly=True)
    uids = raw_client.search(["HEADER", "Message-ID", marker])
    fetched = raw_client.fetch(uids, ["BODY.PEEK[]", "FLAGS"]) if uids else {}
    return [(item[b"BODY[]"], item[b"FLAGS"]) for item in fetched.values()]


async def test_send_with_attachments_reaches_the_server_without_bcc_and_lands_in_sent(
        account, smtp, smtp_sink, folders, raw_client):
    marker = uuid.uuid4().hex
    raw = _outgoing(marker)
    sent_folder = folders("Sent")

    async with ImapMailProvider(account, smtp=smtp, sent_folder=sent_folder) as provider:
        await provider.send(raw)

    (received,) = smtp_sink.by_marker(marker.encode())
    assert received.mail_from == SENDER
    assert sorted(received.rcpt_tos) == sorted(["kim@customer.example", "cc1@customer.example",
                                                "cc2@partner.example", "boss@example.com"])
    assert b"boss@example.com" not in received.content and b"\nBcc:" not in received.content
    transmitted = message_from_bytes(received.content, policy=policy.default)
    assert transmitted["Bcc"] is None and transmitted["Message-ID"] == f"<{marker}@crm.example>"
    attachments = {part.get_filename(): part.get_content() for part in transmitted.iter_attachments()}
    assert attachments == {"offer.pdf": b"%PDF-1.4 offer " + marker.encode(), "prices.csv": "Straße;1\r\n"}
    # everything but the Bcc field is transmitted byte for byte
    assert received.content == raw.replace(b"Bcc: boss@example.com\r\n", b"")

    (copy, flags) = _copies(raw_client, sent_folder, marker)[0]
    assert copy == received.content and b"\\Seen" in flags


async def test_without_a_configured_folder_the_copy_goes_to_sent_created_if_missing(account, smtp, smtp_sink,
                                                                                   raw_client):
    marker = uuid.uuid4().hex
    async with ImapMailProvider(account, smtp=smtp) as provider:
        await provider.send(_outgoing(marker))
        await provider.send(_outgoing(marker + "-nocopy"), save_copy=False)

    assert "Sent" in {name for _, _, name in raw_client.list_folders()}
    assert len(_copies(raw_client, "Sent", marker)) == 1
    assert _copies(raw_client, "Sent", marker + "-nocopy") == []
    assert len(smtp_sink.by_marker((marker + "-nocopy").encode())) == 1


async def test_refused_recipients_send_to_nobody_and_are_named(account, smtp, smtp_sink, folders, raw_client):
    marker = uuid.uuid4().hex
    sent_folder = folders("Sent")
    async with ImapMailProvider(account, smtp=smtp, sent_folder=sent_folder) as provider:
        with pytest.raises(InvalidRequest) as refused:
            await provider.send(_outgoing(marker, bcc=f"ghost@{REFUSED_DOMAIN}"))

    assert refused.value.code == "recipients_refused"
    assert refused.value.refused == (f"ghost@{REFUSED_DOMAIN}",)
    assert f"ghost@{REFUSED_DOMAIN}" in str(refused.value)
    assert smtp_sink.by_marker(marker.encode()) == []
    assert sent_folder not in {name for _, _, name in raw_client.list_folders()}


async def test_messages_without_recipients_or_smtp_settings_are_refused(account, smtp):
    no_rcpt = b"From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n"
    async with ImapMailProvider(account, smtp=smtp) as provider:
        with pytest.raises(InvalidRequest, match="recipient"):
            await provider.send(no_rcpt)
    async with ImapMailProvider(account, smtp=None) as provider:
        with pytest.raises(InvalidRequest, match="SMTP"):
            await provider.send(_outgoing("x"))


async def test_a_failing_copy_is_logged_not_raised_since_the_mail_is_out(account, smtp, smtp_sink, monkeypatch,
                                                                         caplog):
    from kontor.mail_import.imap.errors import ImapCommandError
    from kontor.mail_import.providers.imap import provider as provider_module

    def refuse(session, folder, message):
        raise ImapCommandError("APPEND", "[OVERQUOTA] mailbox full")

    monkeypatch.setattr(provider_module, "append_sent", refuse)  # pymap has no quota to run into
    marker = uuid.uuid4().hex
    async with ImapMailProvider(account, smtp=smtp) as provider:
        await provider.send(_outgoing(marker))

    assert len(smtp_sink.by_marker(marker.encode())) == 1
    (warning,) = [r for r in caplog.records if r.getMessage() == "sent copy not stored"]
    assert warning.code == "imap_refused"
