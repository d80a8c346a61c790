"""Moving mail into the import folder: MOVE when offered, else COPY + \\Deleted + (UID) EXPUNGE."""

from __future__ import annotations

import dataclasses

import pytest

from kontor.mail_import.imap.aio import AsyncImapFolder


def _message_ids(client, folder: str) -> set[str]:
    client.select_folder(folder, readonly=True)
    uids = client.search(["ALL"])
    fetched = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]) if uids else {}
    return {item[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode().split(":", 1)[1].strip()
            for item in fetched.values()}


@pytest.mark.parametrize(("disabled", "expected_how"), [
    (frozenset(), "MOVE"),
    (frozenset({"MOVE"}), "COPY+UID EXPUNGE"),
    (frozenset({"MOVE", "UIDPLUS"}), "COPY+EXPUNGE"),
])
async def test_move_into_the_import_folder(pymap, account, folders, make_message, raw_client, disabled, expected_how):
    inbox, target = folders("Inbox"), folders("Import")
    ids = [f"<move{n}@test.example>" for n in range(4)]
    for n, mid in enumerate(ids):
        pymap.deliver(inbox, make_message(n, mid))
    raw_client.create_folder(target)
    raw_client.select_folder(inbox)
    uid_by_id = {mid: uid for mid, uid in zip(ids, sorted(raw_client.search(["ALL"])), strict=True)}
    account = dataclasses.replace(account, disabled_capabilities=disabled)

    async with AsyncImapFolder(account, target) as folder:
        how = await folder.move_in(inbox, [uid_by_id[ids[0]], uid_by_id[ids[2]]])
        moved = await folder.next_batch(None)

    assert how == expected_how
    assert _message_ids(raw_client, target) == {ids[0], ids[2]}
    assert len(moved.messages) == 2  # the reader sees them as new mail in the import folder
    assert _message_ids(raw_client, inbox) == {ids[1], ids[3]}


async def test_uid_expunge_leaves_other_deleted_mail_of_the_user_alone(pymap, account, folders, make_message,
                                                                       raw_client):
    inbox, target = folders("Inbox"), folders("Import")
    pymap.deliver(inbox, make_message(1, "<ours@test.example>"))
    pymap.deliver(inbox, make_message(2, "<users@test.example>"), flags=("\\Deleted",))
    raw_client.create_folder(target)
    raw_client.select_folder(inbox)
    ours, users = sorted(raw_client.search(["ALL"]))
    account = dataclasses.replace(account, disabled_capabilities=frozenset({"MOVE"}))

    async with AsyncImapFolder(account, target) as folder:
        assert await folder.move_in(inbox, [ours]) == "COPY+UID EXPUNGE"

    assert _message_ids(raw_client, inbox) == {"<users@test.example>"}
    assert _message_ids(raw_client, target) == {"<ours@test.example>"}
