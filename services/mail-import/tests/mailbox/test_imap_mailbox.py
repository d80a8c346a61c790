"""Reading and moving through an IMAP account (pymap): folders, pages, one message with its parts, rights."""

from __future__ import annotations

import uuid
from email import policy
from email.message import EmailMessage

import pytest

from kontor.platform.errors import Conflict, InvalidArgument, NotFound, PermissionDenied
from kontor.protos.mail.v1 import mailbox_pb2

from kontor.mail_import import mime
from kontor.mail_import.accounts.connect import provider_opener
from kontor.mail_import.mailbox.servicer import MailboxServicer
from kontor.mail_import.mails import dedup, links
from kontor.mail_import.mails.schemas import RecordRef

from .real_world import (  # noqa: F401 - fixtures
    contacts, contacts_calls, contacts_database_url, contacts_service, servicer, world,
)

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

PDF = b"%PDF-1.4 quote " + b"x" * 300


def mail(n: int, *, marker: str = "", html: bool = False, attachment: bool = False) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Kunde {n} <kunde{n}@customer.example>"
    msg["To"] = "Olga Owner <owner@kontor.example>"
    msg["Cc"] = "cc@partner.example"
    msg["Subject"] = f"Anfrage {n} {marker}"
    msg["Message-ID"] = f"<q{n}-{uuid.uuid4().hex}@customer.example>"
    msg["Date"] = f"Mon, 2 Mar 2026 09:{n:02d}:00 +0100"
    msg.set_content(f"Hallo {n},\nbitte ein Angebot.\n")
    if html:
        msg.add_alternative(f"<p>Hallo <b>{n}</b></p>", subtype="html")
    if attachment:
        msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="anfrage.pdf")
    return msg.as_bytes(policy=policy.SMTP)  # CRLF, as mail servers keep it


@pytest.fixture
async def account(world, pymap, smtp_sink):
    return await world.imap_account(pymap, smtp_sink, owner=world.owner)


async def _all_pages(servicer, account, folder, size):
    pages, token = [], ""
    while True:
        page = await servicer.ListMessages(mailbox_pb2.ListMessagesRequest(
            account_id=str(account.id), folder_id=folder, page_size=size, page_token=token), None)
        pages.append([m.subject for m in page.messages])
        token = page.next_page_token
        if not token:
            return pages


async def test_folders_with_the_import_folder_and_messages_newest_first_in_pages(world, servicer, account, pymap):
    crm = world.folder("CRM")
    for n in range(5):
        pymap.deliver(crm, mail(n), flags=("\\Seen",) if n == 0 else ())
    pymap.deliver(world.folder("Other"), mail(9))
    with world.as_user(world.owner):
        folders = {f.id: f for f in (await servicer.ListFolders(
            mailbox_pb2.ListFoldersRequest(account_id=str(account.id)), None)).folders}
        pages = await _all_pages(servicer, account, crm, 2)
        first = await servicer.ListMessages(mailbox_pb2.ListMessagesRequest(
            account_id=str(account.id), folder_id=crm, page_size=5), None)
        with pytest.raises(InvalidArgument) as bad_token:
            await servicer.ListMessages(mailbox_pb2.ListMessagesRequest(
                account_id=str(account.id), folder_id=crm, page_token="not-a-token"), None)

    assert (folders[crm].total, folders[crm].unread, folders[crm].import_folder) == (5, 4, True)
    assert folders[world.folder("Other")].import_folder is False
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [s.strip() for p in pages for s in p] == [f"Anfrage {n}" for n in (4, 3, 2, 1, 0)]
    newest = first.messages[0]
    assert (getattr(newest, "from").email, [a.email for a in newest.cc], newest.unread) == (
        "kunde4@customer.example", ["cc@partner.example"], True)
    assert first.messages[-1].unread is False
    assert bad_token.value.field == "page_token"


async def test_a_message_with_html_and_an_attachment_and_its_parts(world, servicer, account, pymap):
    crm = world.folder("CRM")
    raw = mail(1, html=True, attachment=True)
    pymap.deliver(crm, raw)
    with world.as_user(world.owner):
        ref = (await servicer.ListMessages(mailbox_pb2.ListMessagesRequest(
            account_id=str(account.id), folder_id=crm), None)).messages[0].ref
        request = dict(account_id=str(account.id), folder_id=crm, ref=ref)
        message = await servicer.GetMessage(mailbox_pb2.GetMessageRequest(**request), None)
        (meta, *chunks) = [r async for r in servicer.DownloadMessagePart(
            mailbox_pb2.DownloadMessagePartRequest(**request, part_path=message.attachments[0].path), None)]
        (whole, *raw_chunks) = [r async for r in servicer.DownloadMessagePart(
            mailbox_pb2.DownloadMessagePartRequest(**request), None)]
        with pytest.raises(NotFound):
            [r async for r in servicer.DownloadMessagePart(
                mailbox_pb2.DownloadMessagePartRequest(**request, part_path="9"), None)]

    assert message.summary.subject.strip() == "Anfrage 1" and message.summary.has_attachments
    assert "bitte ein Angebot" in message.text and message.html.strip() == "<p>Hallo <b>1</b></p>"
    assert [(a.filename, a.content_type, a.size) for a in message.attachments] == [
        ("anfrage.pdf", "application/pdf", len(PDF))]
    assert message.mail_id == "" and not message.links  # not a CRM mail
    assert (meta.attachment.filename, b"".join(c.chunk for c in chunks)) == ("anfrage.pdf", PDF)
    assert whole.attachment.content_type == "message/rfc822"
    assert b"".join(c.chunk for c in raw_chunks) == raw


async def test_a_message_the_crm_holds_says_so_with_its_links(world, servicer, account, pymap):
    crm = world.folder("CRM")
    raw = mail(2)
    pymap.deliver(crm, raw)
    deal = uuid.uuid4()
    hidden = await world.record()  # a company the owner does not see: its link is left out
    parsed = mime.parse(raw)
    async with world.db.unit_of_work(world.tenant_id) as session:  # as another colleague's import stored it
        stored, _ = await dedup.store_mail(session, tenant_id=world.tenant_id, parsed=parsed,
                                           raw_address=parsed.content_hash, size=len(raw))
        await links.file_manually(session, tenant_id=world.tenant_id, mail_ids=[stored.id],
                                  records=[RecordRef("deal", deal), RecordRef("company", hidden)],
                                  user_id=str(world.owner))
    with world.as_user(world.owner):
        ref = (await servicer.ListMessages(mailbox_pb2.ListMessagesRequest(
            account_id=str(account.id), folder_id=crm), None)).messages[0].ref
        message = await servicer.GetMessage(mailbox_pb2.GetMessageRequest(
            account_id=str(account.id), folder_id=crm, ref=ref), None)
    assert message.mail_id == str(stored.id)
    assert [(k.record.type, k.record.id, k.origin) for k in message.links] == [("deal", str(deal), "manual")]


async def test_an_unreadable_message_answers_its_quarantine_reason(world, db, contacts, blob_store, box, settings,
                                                                  account, pymap):
    strict = MailboxServicer(db, contacts, blob_store, provider_opener(db, box, settings), settings,
                             limits=mime.Limits(max_parts=2))
    crm = world.folder("CRM")
    pymap.deliver(crm, mail(3, html=True, attachment=True))
    with world.as_user(world.owner):
        ref = (await strict.ListMessages(mailbox_pb2.ListMessagesRequest(
            account_id=str(account.id), folder_id=crm), None)).messages[0].ref
        request = mailbox_pb2.GetMessageRequest(account_id=str(account.id), folder_id=crm, ref=ref)
        with pytest.raises(Conflict) as refused:
            await strict.GetMessage(request, None)
        with pytest.raises(Conflict) as german:  # the gateway forwards Accept-Language as metadata
            await strict.GetMessage(request, [("accept-language", "de-DE,de;q=0.9")])
    assert "cannot be read (too many parts)" in str(refused.value)  # the quarantine reason, readable
    assert "nicht lesbar (zu viele Teile)" in str(german.value)


async def test_move_between_folders_of_the_account(world, servicer, account, pymap):
    inbox, crm = world.folder("Inbox"), world.folder("CRM")
    for n in range(3):
        pymap.deliver(inbox, mail(n))
    pymap.deliver(crm, mail(7))
    with world.as_user(world.owner):
        listed = (await servicer.ListMessages(mailbox_pb2.ListMessagesRequest(
            account_id=str(account.id), folder_id=inbox), None)).messages
        moving = [m.ref for m in listed[:2]]
        moved = await servicer.MoveMessages(mailbox_pb2.MoveMessagesRequest(
            account_id=str(account.id), folder_id=inbox, refs=moving, target_folder_id=crm), None)
        left = await _all_pages(servicer, account, inbox, 10)
        arrived = await _all_pages(servicer, account, crm, 10)
        for request, field in [
            (dict(folder_id=inbox, refs=moving, target_folder_id=f"nope-{uuid.uuid4().hex}"), "target_folder_id"),
            (dict(folder_id=inbox, refs=moving, target_folder_id=inbox), "target_folder_id"),
            (dict(folder_id=inbox, refs=[], target_folder_id=crm), "refs"),
            (dict(folder_id=inbox, refs=["1", ""], target_folder_id=crm), "refs[1]"),
            (dict(folder_id="", refs=["1"], target_folder_id=crm), "folder_id"),
        ]:
            with pytest.raises(InvalidArgument) as bad:
                await servicer.MoveMessages(mailbox_pb2.MoveMessagesRequest(account_id=str(account.id), **request),
                                            None)
            assert bad.value.field == field
    assert set(moved.moved) == set(moving)
    assert [s.strip() for s in left[0]] == ["Anfrage 0"]
    assert sorted(s.strip() for s in arrived[0]) == ["Anfrage 1", "Anfrage 2", "Anfrage 7"]


async def test_only_the_accounts_users_reach_the_mailbox(world, servicer, account):
    stranger = await world.user()
    team = await world.team()
    no_right = await world.user(rights={("mail", "read")})
    request = mailbox_pb2.ListFoldersRequest(account_id=str(account.id))
    with world.as_user(stranger), pytest.raises(NotFound):
        await servicer.ListFolders(request, None)
    with world.as_user(stranger), pytest.raises(NotFound):
        await servicer.GetMessage(mailbox_pb2.GetMessageRequest(account_id=str(account.id), folder_id="x", ref="1"),
                                  None)
    with world.as_user(no_right), pytest.raises(PermissionDenied):
        await servicer.ListFolders(request, None)
    with world.as_user(stranger), pytest.raises(NotFound):  # another tenant's account looks the same
        await servicer.ListFolders(mailbox_pb2.ListFoldersRequest(account_id=str(uuid.uuid4())), None)
    # a team member reaches the team's shared account
    member = await world.user(team_ids={team})
    shared = await world.add_account(provider="imap", address=f"team-{world.suffix}@kontor.example",
                                     settings=account.settings, kind="password", secret="wrong", team_id=team,
                                     import_folder="INBOX")
    with world.as_user(member), pytest.raises(Exception) as refused:  # reaches the server, which refuses
        await servicer.ListFolders(mailbox_pb2.ListFoldersRequest(account_id=str(shared.id)), None)
    assert type(refused.value) is Conflict and "sign-in" in str(refused.value)
