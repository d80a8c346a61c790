"""The CRM mailbox over Graph: folders and their roles, resolving folders, listing pages, moving, raw MIME."""

from __future__ import annotations

import email
from email import policy

import pytest

from kontor.platform.groupware.errors import InvalidRequest, NotFound


async def test_folders_with_roles_parents_and_counts(provider, outlook):
    crm = outlook.folder("CRM")
    imp = outlook.folder("Import", parent=crm["id"])
    outlook.deliver(subject="a")
    outlook.deliver(subject="b")
    outlook.deliver(folder=imp["id"], subject="c")
    folders = {f.id: f for f in await provider.folders()}

    by_role = {f.role: f for f in folders.values() if f.role}
    assert set(by_role) == {"inbox", "sentitems", "drafts", "deleteditems"}  # the emulator has no junk/archive
    assert (by_role["inbox"].total, by_role["inbox"].unread, by_role["inbox"].parent_id) == (2, 2, None)
    assert folders[crm["id"]].parent_id is None and folders[crm["id"]].role is None
    assert (folders[imp["id"]].name, folders[imp["id"]].parent_id, folders[imp["id"]].total) == ("Import", crm["id"], 1)
    order = list(folders)
    assert order.index(crm["id"]) < order.index(imp["id"])


async def test_resolve_folder_by_id_name_and_path(provider, outlook):
    crm = outlook.folder("CRM")
    imp = outlook.folder("Import", parent=crm["id"])
    inbox = await provider.resolve_folder("inbox")
    assert (inbox.role, inbox.name, inbox.parent_id) == ("inbox", "Inbox", None)
    assert (await provider.resolve_folder(inbox.id)).id == inbox.id
    by_path = await provider.resolve_folder("CRM/Import")
    assert (by_path.id, by_path.parent_id) == (imp["id"], crm["id"])
    assert (await provider.resolve_folder("crm/import")).id == imp["id"]  # case-insensitive, as Outlook
    top = await provider.resolve_folder("CRM")
    assert (top.id, top.parent_id) == (crm["id"], None)
    by_id = await provider.resolve_folder(imp["id"])
    assert (by_id.name, by_id.parent_id) == ("Import", crm["id"])
    for missing in ("CRM/Nope", "Nope", "AQMkADnotafolder"):
        with pytest.raises(NotFound):
            await provider.resolve_folder(missing)
    with pytest.raises(InvalidRequest):
        await provider.resolve_folder("/")


async def test_messages_newest_first_in_pages(provider, outlook, graph_tenant):
    made = [outlook.deliver(subject=f"P{i}", cc="cc@example.com", sender=f"Kunde <k{i}@example.com>")
            for i in range(5)]
    # receivedDateTime decides the order; deliveries within one second keep their delivery order
    page = await provider.messages("inbox", page_size=2)
    seen = list(page.items)
    while page.next_page_token:
        page = await provider.messages("inbox", page_size=2, page_token=page.next_page_token)
        seen += page.items
    assert len(seen) == 5 and {s.ref for s in seen} == {m["immutableId"] for m in made}
    assert [s.received_at for s in seen] == sorted((s.received_at for s in seen), reverse=True)
    first = next(s for s in seen if s.ref == made[0]["immutableId"])
    assert (first.subject, first.sender.email, first.sender.name) == ("P0", "k0@example.com", "Kunde")
    assert [m.email for m in first.to] == [graph_tenant.upn] and [m.email for m in first.cc] == ["cc@example.com"]
    assert first.unread and not first.has_attachments and first.folder_id == "inbox"
    assert first.message_id == made[0]["internetMessageId"]


async def test_bad_page_token_and_size_name_the_field(provider):
    for token in ("not-a-token", "c2tpcDotMQ", "aHR0cHM6Ly9ldmlsLmV4YW1wbGU"):
        with pytest.raises(InvalidRequest) as err:
            await provider.messages("inbox", page_size=2, page_token=token)
        assert err.value.code == "page_token"
    with pytest.raises(InvalidRequest) as err:
        await provider.messages("inbox", page_size=0)
    assert err.value.code == "page_size"


async def test_move_keeps_the_immutable_id(provider, outlook):
    made = outlook.deliver(subject="move me", attachment=("a.pdf", b"%PDF"))
    target = outlook.folder("CRM")
    assert (await provider.messages("inbox", page_size=10)).items[0].has_attachments
    moved = await provider.move("inbox", [made["immutableId"], "AAkALgAAgone"], target["id"])
    assert moved == {made["immutableId"]: made["immutableId"]}
    [stored] = outlook.messages(target["id"])
    assert stored["immutableId"] == made["immutableId"] and stored["id"] != made["id"]  # the REST id changed
    raw = await provider.raw_message(target["id"], made["immutableId"])
    assert email.message_from_bytes(raw, policy=policy.default)["Subject"] == "move me"
    assert (await provider.count("inbox")).total == 0


async def test_move_out_of_the_import_folder_is_removed_in_the_next_round(provider, outlook):
    made = outlook.deliver(subject="x")
    inbox = await provider.resolve_folder("inbox")
    first = await provider.next_batch(inbox.id, None, 10)
    assert first.done and [m.ref for m in first.messages] == [made["immutableId"]]
    await provider.move(inbox.id, [made["immutableId"]], "deleteditems")
    second = await provider.next_batch(inbox.id, first.cursor, 10)
    assert second.removed == {made["immutableId"]} and second.messages == ()


async def test_raw_message_of_a_missing_ref_is_not_found(provider):
    with pytest.raises(NotFound):
        await provider.raw_message("inbox", "AAkALgAAgone")
