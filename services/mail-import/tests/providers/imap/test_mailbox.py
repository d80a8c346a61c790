"""The CRM mailbox's side of the IMAP provider against pymap: folders, listings, raw messages, moves."""

from __future__ import annotations

import dataclasses
from email.message import EmailMessage

import pytest
from imapclient import SEEN

from kontor.mail_import.providers.base import Mailbox
from kontor.mail_import.providers.imap import ImapMailProvider
from kontor.mail_import.providers.imap.folders import ListedFolder, find_folder
from kontor.platform.groupware.errors import InvalidRequest, NotFound


def _with_attachment(n: int) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.org", "user@example.com", f"attachment {n}"
    msg.set_content("see attached")
    msg.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="offer.pdf")
    return bytes(msg)


def _html_with_inline_image(n: int) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.org", "user@example.com", f"inline {n}"
    msg.set_content("text")
    msg.add_alternative('<p><img src="cid:logo@x"></p>', subtype="html")
    msg.get_payload()[1].add_related(b"\x89PNG fake", maintype="image", subtype="png", cid="<logo@x>")
    return bytes(msg)


async def test_folders_with_hierarchy_roles_and_counts(pymap, account, folders, make_message):
    parent = folders("Projects")
    child = f"{parent}/Acme"  # pymap's hierarchy delimiter is "/"
    pymap.deliver(child, make_message(1), flags=("\\Seen",))
    pymap.deliver(child, make_message(2))
    pymap.deliver(child, make_message(3))
    pymap.deliver(parent, make_message(4))

    async with ImapMailProvider(account, smtp=None) as provider:
        by_id = {f.id: f for f in await provider.folders()}
        inbox = await provider.resolve_folder("inbox")
        by_path = await provider.resolve_folder(child)
        with pytest.raises(NotFound):
            await provider.resolve_folder(folders("Nowhere"))

    assert by_id["INBOX"].role == "inbox" and inbox.id == "INBOX"
    acme = by_id[child]
    assert (acme.name, acme.parent_id, acme.total, acme.unread, acme.role) == ("Acme", parent, 3, 2, None)
    assert (by_id[parent].total, by_id[parent].parent_id) == (1, None)
    assert by_path == acme


@pytest.mark.parametrize(("flags", "role"), [
    ({"\\SENT", "\\HASNOCHILDREN"}, "sentitems"), ({"\\DRAFTS"}, "drafts"), ({"\\TRASH"}, "deleteditems"),
    ({"\\JUNK"}, "junkemail"), ({"\\ARCHIVE"}, "archive"), ({"\\HASCHILDREN"}, None),
])
def test_special_use_flags_give_roles(flags, role):
    # pymap offers no SPECIAL-USE (RFC 6154), so the mapping of LIST flags is checked on its own.
    assert ListedFolder("Gesendet", ".", frozenset(flags)).role == role


def test_paths_use_the_servers_delimiter_and_roles_resolve():
    listed = [ListedFolder("INBOX", ".", frozenset()), ListedFolder("INBOX.Kunden", ".", frozenset()),
              ListedFolder("Gesendete Objekte", ".", frozenset({"\\SENT"}))]
    assert find_folder(listed, "Inbox").name == "INBOX"
    assert find_folder(listed, "INBOX/Kunden").name == "INBOX.Kunden"
    assert find_folder(listed, "sentitems").name == "Gesendete Objekte"
    assert find_folder(listed, "Kunden") is None


async def test_messages_newest_first_across_pages(pymap, account, folders, make_message, raw_client):
    name = folders("Listing")
    pymap.deliver(name, make_message(0, subject="=?utf-8?q?Gr=C3=BC=C3=9Fe?="), flags=("\\Seen",))
    pymap.deliver(name, make_message(1))
    pymap.deliver(name, _with_attachment(2))
    pymap.deliver(name, _html_with_inline_image(3))
    pymap.deliver(name, make_message(4, "<last@test.example>"))

    async with ImapMailProvider(account, smtp=None) as provider:
        pages, token = [], None
        while True:
            page = await provider.messages(name, page_size=2, page_token=token)
            pages.append(page)
            token = page.next_page_token
            if token is None:
                break
        with pytest.raises(InvalidRequest, match="page_token"):
            await provider.messages(name, page_size=2, page_token="garbage")

    assert [len(p.items) for p in pages] == [2, 2, 1]
    items = [i for p in pages for i in p.items]
    uids = [int(i.ref) for i in items]
    assert uids == sorted(uids, reverse=True)
    newest, inline, attached, _, oldest = items
    assert newest.message_id == "<last@test.example>" and newest.unread and newest.folder_id == name
    assert newest.sender == Mailbox("sender4@example.org", "Sender 4")
    assert newest.to == (Mailbox("user@example.com", "User"),) and newest.cc == (Mailbox("cc@example.net"),)
    assert newest.received_at is not None and newest.received_at.tzinfo is not None
    assert (attached.subject, attached.has_attachments) == ("attachment 2", True)
    assert (inline.subject, inline.has_attachments) == ("inline 3", False)
    assert not newest.has_attachments
    assert (oldest.subject, oldest.unread) == ("Grüße", False)
    raw_client.select_folder(name, readonly=True)
    assert raw_client.search(["SEEN"]) == [uids[-1]]  # listing marked nothing read


async def test_raw_message_is_the_servers_bytes_unchanged(pymap, account, folders, raw_client):
    name = folders("Raw")
    raw = _with_attachment(1).replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n")
    pymap.deliver(name, raw)
    raw_client.select_folder(name, readonly=True)
    (uid,) = raw_client.search(["ALL"])

    async with ImapMailProvider(account, smtp=None) as provider:
        assert await provider.raw_message(name, str(uid)) == raw
        with pytest.raises(NotFound):
            await provider.raw_message(name, str(uid + 100))
    assert raw_client.search(["UNSEEN"]) == [uid]


@pytest.mark.parametrize("disabled", [frozenset(), frozenset({"MOVE"})])
async def test_move_into_the_import_folder_answers_new_refs(pymap, account, folders, make_message, raw_client,
                                                            disabled):
    inbox, target = folders("Inbox"), folders("Import")
    sent = [make_message(n) for n in range(3)]
    for raw in sent:
        pymap.deliver(inbox, raw)
    raw_client.create_folder(target)
    raw_client.select_folder(inbox, readonly=True)
    uids = sorted(raw_client.search(["ALL"]))
    account = dataclasses.replace(account, disabled_capabilities=disabled)

    async with ImapMailProvider(account, smtp=None) as provider:
        moved = await provider.move(inbox, [str(uids[0]), str(uids[2])], target)
        assert set(moved) == {str(uids[0]), str(uids[2])} and all(moved.values())
        assert await provider.raw_message(target, moved[str(uids[0])]) == sent[0]
        assert await provider.raw_message(target, moved[str(uids[2])]) == sent[2]
        left = await provider.count(inbox, with_refs=True)
        assert left.refs == frozenset({str(uids[1])})
        with pytest.raises(NotFound):
            await provider.move(inbox, [str(uids[1])], folders("Missing"))
