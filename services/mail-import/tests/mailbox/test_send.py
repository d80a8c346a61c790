"""SendMail through an IMAP account: SMTP submission (aiosmtpd) + the copy in Sent (pymap), then the CRM mail.

What matters: what recipients get (no Bcc, the thread headers of a reply), the Message-ID naming the record,
the CRM mail stored and filed ("sent", plus the answered mail's records as "thread"), and that a refused
request or a failed send stores nothing.
"""

from __future__ import annotations

import imaplib
import uuid
from email import message_from_bytes, policy

import pytest
from sqlalchemy import func, select

from kontor.platform.errors import InvalidArgument, NotFound, PermissionDenied
from kontor.platform.outbox import OutboxEvent
from kontor.protos.mail.v1 import mailbox_pb2, mails_pb2

from kontor.mail_import import mime
from kontor.mail_import.mails import dedup, links
from kontor.mail_import.mails.message_ids import record_from_message_id
from kontor.mail_import.mails.models import Mail, MailboxReference, MailLink
from kontor.mail_import.mails.schemas import RecordRef

from .conftest import ATTACHMENT_LIMIT, MESSAGE_ID_KEY  # noqa: TID252 - this test package's settings
from .real_world import (  # noqa: F401 - fixtures
    contacts, contacts_calls, contacts_database_url, contacts_service, servicer, world,
)

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


@pytest.fixture
async def account(world, pymap, smtp_sink):
    return await world.imap_account(pymap, smtp_sink, owner=world.owner)


def _addr(email: str, name: str = "") -> mails_pb2.Address:
    return mails_pb2.Address(email=email, name=name)


def _request(account, marker: str, **kw) -> mailbox_pb2.SendMailRequest:
    values = dict(account_id=str(account.id), to=[_addr("kim@customer.example", "Kim Kunde")],
                  cc=[_addr("cc@partner.example")], bcc=[_addr("boss@kontor.example")], subject=f"Angebot {marker}",
                  text="Guten Tag,\nanbei das Angebot.\n", html="<p>Guten Tag</p>")
    values.update(kw)
    return mailbox_pb2.SendMailRequest(**values)


def _sent_copies(pymap, folder: str, marker: str) -> list[bytes]:
    client = imaplib.IMAP4(pymap.host, pymap.port, timeout=10)
    client.login(pymap.user, pymap.password)
    try:
        if client.select(folder, readonly=True)[0] != "OK":
            return []
        _, data = client.uid("SEARCH", None, "SUBJECT", marker)
        copies = []
        for uid in data[0].split():
            _, fetched = client.uid("FETCH", uid, "(BODY.PEEK[])")
            copies.append(fetched[0][1])
        return copies
    finally:
        client.logout()


async def _mail_count(world) -> int:
    async with world.db.unit_of_work(world.tenant_id) as session:
        return await session.scalar(select(func.count()).select_from(Mail))


async def _outbox(world, mail_id: str) -> list[OutboxEvent]:
    async with world.db.unit_of_work(None) as session:
        return [e for e in await session.scalars(select(OutboxEvent).where(OutboxEvent.tenant_id == world.tenant_id))
                if mail_id in str(e.payload)]


async def test_a_new_mail_is_sent_without_bcc_kept_and_filed_to_its_record(world, servicer, account, smtp_sink,
                                                                          pymap, blob_store):
    marker = uuid.uuid4().hex
    company = await world.record(visible_to=(world.owner,))
    upload = mailbox_pb2.OutgoingAttachment(file=mailbox_pb2.UploadedFile(
        filename="angebot.pdf", content_type="application/pdf", content=b"%PDF-1.4 offer"))
    with world.as_user(world.owner):
        answer = await servicer.SendMail(_request(account, marker, attachments=[upload],
                                                  records=[mails_pb2.RecordRef(type="company", id=str(company))]),
                                         None)

    (received,) = smtp_sink.by_marker(marker.encode())
    assert sorted(received.rcpt_tos) == ["boss@kontor.example", "cc@partner.example", "kim@customer.example"]
    assert b"boss@kontor.example" not in received.content  # Bcc reached its recipient, but nobody reads it
    delivered = message_from_bytes(received.content, policy=policy.default)
    assert str(delivered["From"]) == f"Olga Owner <{account.address}>"
    assert delivered["Bcc"] is None and delivered["In-Reply-To"] is None
    assert delivered.get_body(("html",)).get_content().strip() == "<p>Guten Tag</p>"
    assert [(p.get_filename(), p.get_content()) for p in delivered.iter_attachments()] == [
        ("angebot.pdf", b"%PDF-1.4 offer")]
    # the Message-ID names the record, so replies to it file themselves
    assert record_from_message_id(delivered["Message-ID"], key=MESSAGE_ID_KEY.encode()) == \
        RecordRef("company", company)
    assert str(delivered["Message-ID"]).endswith("@crm.example>")
    assert len(_sent_copies(pymap, world.folder("Sent"), marker)) == 1

    crm = answer.mail
    assert (crm.direction, crm.message_id, crm.subject) == ("sent", delivered["Message-ID"], f"Angebot {marker}")
    assert [(k.record.type, k.record.id, k.origin, k.created_by) for k in crm.links] == [
        ("company", str(company), "sent", str(world.owner))]
    assert [a.email for a in crm.to] == ["kim@customer.example"] and "boss" not in str(crm)
    assert crm.account_ids == [str(account.id)]  # the sender's mailbox: the account's users see their sent mail
    async with world.db.unit_of_work(world.tenant_id) as session:
        stored = await session.get(Mail, uuid.UUID(crm.id))
        refs = list(await session.scalars(select(MailboxReference).where(MailboxReference.mail_id == stored.id)))
    assert await blob_store.read(str(world.tenant_id), stored.raw_address) == received.content
    assert [(r.account_id, r.folder_id) for r in refs] == [(account.id, "")]
    events = [e.event_type for e in await _outbox(world, crm.id)]
    assert events == ["kontor.mail.mail.imported"]


async def test_a_reply_to_a_crm_mail_threads_and_takes_its_records(world, servicer, account, smtp_sink):
    original = (b"From: Kim <kim@customer.example>\r\nTo: owner@kontor.example\r\nSubject: Frage\r\n"
                b"Message-ID: <frage-" + uuid.uuid4().hex.encode() + b"@customer.example>\r\n"
                b"References: <start@customer.example>\r\nDate: Mon, 2 Mar 2026 09:00:00 +0100\r\n\r\nWie teuer?\r\n")
    parsed = mime.parse(original)
    deal, company = uuid.uuid4(), await world.record(visible_to=(world.owner,))
    async with world.db.unit_of_work(world.tenant_id) as session:
        asked, _ = await dedup.store_mail(session, tenant_id=world.tenant_id, parsed=parsed,
                                          raw_address=parsed.content_hash, size=len(original))
        await dedup.add_reference(session, asked, account.id, world.folder("CRM"), "1", len(original))
        await links.file_manually(session, tenant_id=world.tenant_id, mail_ids=[asked.id],
                                  records=[RecordRef("deal", deal)], user_id=str(world.owner))
    marker = uuid.uuid4().hex
    with world.as_user(world.owner):
        answer = await servicer.SendMail(_request(account, marker, bcc=[], reply_to_mail_id=str(asked.id),
                                                  records=[mails_pb2.RecordRef(type="company", id=str(company))]),
                                         None)
    (received,) = smtp_sink.by_marker(marker.encode())
    delivered = message_from_bytes(received.content, policy=policy.default)
    assert delivered["In-Reply-To"] == parsed.message_id
    assert str(delivered["References"]).split() == ["<start@customer.example>", parsed.message_id]
    assert {(k.record.type, k.record.id, k.origin) for k in answer.mail.links} == {
        ("company", str(company), "sent"), ("deal", str(deal), "thread")}


async def test_a_reply_to_a_mailbox_message_reads_its_thread_from_the_server(world, servicer, account, smtp_sink,
                                                                            pymap):
    question_id = f"<q-{uuid.uuid4().hex}@customer.example>"
    pymap.deliver(world.folder("Inbox"), (
        f"From: Kim <kim@customer.example>\r\nTo: {account.address}\r\nSubject: Termin?\r\n"
        f"Message-ID: {question_id}\r\nDate: Mon, 2 Mar 2026 10:00:00 +0100\r\n\r\nWann passt es?\r\n").encode())
    marker = uuid.uuid4().hex
    with world.as_user(world.owner):
        ref = (await servicer.ListMessages(mailbox_pb2.ListMessagesRequest(
            account_id=str(account.id), folder_id=world.folder("Inbox")), None)).messages[0].ref
        answer = await servicer.SendMail(_request(account, marker, bcc=[], reply_to_message=mails_pb2.MailboxMessageRef(
            account_id=str(account.id), folder_id=world.folder("Inbox"), ref=ref)), None)
    (received,) = smtp_sink.by_marker(marker.encode())
    delivered = message_from_bytes(received.content, policy=policy.default)
    assert (delivered["In-Reply-To"], delivered["References"]) == (question_id, question_id)
    assert record_from_message_id(delivered["Message-ID"], key=MESSAGE_ID_KEY.encode()) is None  # no record
    assert list(answer.mail.links) == []


async def test_bad_requests_name_their_field_and_send_nothing(world, servicer, account, smtp_sink):
    marker = uuid.uuid4().hex
    too_big = mailbox_pb2.OutgoingAttachment(file=mailbox_pb2.UploadedFile(
        filename="big.bin", content_type="application/octet-stream", content=b"x" * (ATTACHMENT_LIMIT + 1)))
    small = mailbox_pb2.OutgoingAttachment(file=mailbox_pb2.UploadedFile(filename="a.txt", content_type="text/plain",
                                                                         content=b"ok"))
    cases = [
        (dict(to=[_addr("a@x.example"), _addr("b@x.example"), _addr("not an address")]), "to[2]"),
        (dict(cc=[_addr("cc@x.example", "Line\r\nBcc: evil@x.example")]), "cc[0].name"),
        (dict(bcc=[_addr("bcc@")]), "bcc[0]"),
        (dict(to=[], cc=[], bcc=[]), "to"),
        (dict(subject="two\r\nlines"), "subject"),
        (dict(attachments=[small, too_big]), "attachments[1].content"),
        (dict(attachments=[mailbox_pb2.OutgoingAttachment(file=mailbox_pb2.UploadedFile(
            filename="a.txt", content_type="no type", content=b"x"))]), "attachments[0].content_type"),
        (dict(records=[mails_pb2.RecordRef(type="invoice", id=str(uuid.uuid4()))]), "records[0].type"),
        (dict(reply_to_mail_id="nope"), "reply_to_mail_id"),
    ]
    with world.as_user(world.owner):
        for fields, field in cases:
            with pytest.raises(InvalidArgument) as bad:
                await servicer.SendMail(_request(account, marker, **fields), None)
            assert bad.value.field == field, fields
    assert smtp_sink.by_marker(marker.encode()) == [] and await _mail_count(world) == 0


async def test_what_the_caller_may_not_use_is_not_found_and_nothing_is_sent(world, servicer, account, smtp_sink):
    marker = uuid.uuid4().hex
    hidden = await world.record()  # exists, but the owner does not see it
    stranger_mail = uuid.uuid4()
    no_create = await world.user(rights={("mail", "read"), ("mail_account", "read")})
    with world.as_user(world.owner):
        with pytest.raises(NotFound) as record:
            await servicer.SendMail(_request(account, marker, records=[mails_pb2.RecordRef(type="company",
                                                                                          id=str(hidden))]), None)
        with pytest.raises(NotFound) as part:
            await servicer.SendMail(_request(account, marker, attachments=[mailbox_pb2.OutgoingAttachment(
                mail_part=mailbox_pb2.MailPartRef(mail_id=str(stranger_mail), part_path="2"))]), None)
        with pytest.raises(NotFound) as reply:
            await servicer.SendMail(_request(account, marker, reply_to_mail_id=str(stranger_mail)), None)
    with world.as_user(await world.user()), pytest.raises(NotFound):  # not their account
        await servicer.SendMail(_request(account, marker), None)
    with world.as_user(no_create), pytest.raises(PermissionDenied):
        await servicer.SendMail(_request(account, marker), None)
    assert str(hidden) in str(record.value) and str(stranger_mail) in str(part.value)
    assert str(stranger_mail) in str(reply.value)
    assert smtp_sink.by_marker(marker.encode()) == [] and await _mail_count(world) == 0


async def test_a_part_of_a_crm_mail_is_attached_from_the_blob_store(world, servicer, account, smtp_sink, blob_store):
    source = (b"From: Kim <kim@customer.example>\r\nTo: owner@kontor.example\r\nSubject: Plan\r\n"
              b"Message-ID: <plan-" + uuid.uuid4().hex.encode() + b"@customer.example>\r\n"
              b"Date: Mon, 2 Mar 2026 09:00:00 +0100\r\nMIME-Version: 1.0\r\n"
              b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nanbei\r\n"
              b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=plan.pdf\r\n"
              b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi1wbGFu\r\n--b--\r\n")
    parsed = mime.parse(source)
    await mime.store_attachments(parsed, blob_store, str(world.tenant_id))
    async with world.db.unit_of_work(world.tenant_id) as session:
        stored, _ = await dedup.store_mail(session, tenant_id=world.tenant_id, parsed=parsed,
                                           raw_address=parsed.content_hash, size=len(source))
        await dedup.add_reference(session, stored, account.id, world.folder("CRM"), "7", len(source))
    marker = uuid.uuid4().hex
    with world.as_user(world.owner):
        await servicer.SendMail(_request(account, marker, bcc=[], attachments=[mailbox_pb2.OutgoingAttachment(
            mail_part=mailbox_pb2.MailPartRef(mail_id=str(stored.id), part_path="2"))]), None)
    (received,) = smtp_sink.by_marker(marker.encode())
    delivered = message_from_bytes(received.content, policy=policy.default)
    assert [(p.get_filename(), p.get_content_type(), p.get_content()) for p in delivered.iter_attachments()] == [
        ("plan.pdf", "application/pdf", b"%PDF-plan")]


async def test_a_refused_send_stores_nothing(world, servicer, account, smtp_sink):
    marker = uuid.uuid4().hex
    with world.as_user(world.owner), pytest.raises(InvalidArgument) as refused:
        await servicer.SendMail(_request(account, marker, to=[_addr("nobody@refused.example")]), None)
    assert refused.value.field == "to"
    assert smtp_sink.by_marker(marker.encode()) == [] and await _mail_count(world) == 0
    async with world.db.unit_of_work(world.tenant_id) as session:
        assert await session.scalar(select(func.count()).select_from(MailLink)) == 0
