"""The importer's side of the IMAP provider against pymap: batches, cursors, remaps, counts, fetch."""

from __future__ import annotations

import pytest
from imapclient import DELETED

from kontor.mail_import.providers.base import FolderCount, ImportBatch, MailProvider, Remap
from kontor.mail_import.providers.imap import ImapMailProvider
from kontor.platform.groupware.errors import CursorExpired, InvalidRequest, NotFound


async def _drain(provider, folder, cursor, batch_size):
    batches = []
    while True:
        batch = await provider.next_batch(folder, cursor, batch_size)
        assert isinstance(batch, ImportBatch)
        batches.append(batch)
        cursor = batch.cursor
        if batch.done:
            return batches, cursor


async def test_is_a_mail_provider_without_server_rules(account):
    provider = ImapMailProvider(account, smtp=None)
    assert isinstance(provider, MailProvider)
    assert provider.server_rules is False
    with pytest.raises(InvalidRequest, match="importer applies them"):
        await provider.create_rule("r", None, "x")
    with pytest.raises(InvalidRequest):
        await provider.delete_rule("r")


async def test_batches_oldest_first_with_a_cursor_past_each_batch(pymap, account, folders, make_message):
    name = folders("Import")
    sent = [make_message(n) for n in range(5)]
    for raw in sent:
        pymap.deliver(name, raw)

    async with ImapMailProvider(account, smtp=None) as provider:
        batches, cursor = await _drain(provider, name, None, 2)
        assert [len(b.messages) for b in batches] == [2, 2, 1]
        assert [b.done for b in batches] == [False, False, True]
        fetched = [m for b in batches for m in b.messages]
        assert [m.raw for m in fetched] == sent
        refs = [m.ref for m in fetched]
        assert all(ref.isdigit() for ref in refs) and [int(r) for r in refs] == sorted(int(r) for r in refs)
        assert all(b.removed == frozenset() for b in batches)
        assert all(m.received_at is not None and m.received_at.tzinfo is not None for m in fetched)
        assert set(cursor) == {"uidvalidity", "last_uid", "highestmodseq"}
        assert cursor["last_uid"] == int(refs[-1])
        assert batches[0].cursor["last_uid"] == int(refs[1])

        # nothing new: an empty, finished batch with the same cursor
        again = await provider.next_batch(name, cursor, 2)
        assert again.messages == () and again.done and again.cursor == cursor

        pymap.deliver(name, newer := make_message(9))
        later = await provider.next_batch(name, cursor, 2)
        assert [m.raw for m in later.messages] == [newer] and later.done

        # fetch by refs with the stored cursor gives the same bytes
        again_fetched = await provider.fetch(name, cursor, [refs[3], refs[0]])
        assert [m.raw for m in again_fetched] == [sent[0], sent[3]]


async def test_uidvalidity_change_answers_a_remap_with_text_refs(pymap, account, folders, make_message):
    name = folders("Import")
    pymap.deliver(name, make_message(1, "<keep@test.example>"))
    async with ImapMailProvider(account, smtp=None) as provider:
        first = await provider.next_batch(name, None, 10)
        pymap.recreate_folder(name)
        pymap.deliver(name, make_message(1, "<keep@test.example>"))
        pymap.deliver(name, make_message(2, "<new@test.example>"))

        remap = await provider.next_batch(name, first.cursor, 10)
        assert isinstance(remap, Remap)
        assert {e.message_id for e in remap.entries} == {"<keep@test.example>", "<new@test.example>"}
        assert all(e.ref.isdigit() and e.size > 0 for e in remap.entries)
        assert remap.cursor["uidvalidity"] != first.cursor["uidvalidity"]

        with pytest.raises(CursorExpired):  # the old cursor's UIDs mean nothing now
            await provider.fetch(name, first.cursor, [first.messages[0].ref])
        new_ref = next(e.ref for e in remap.entries if e.message_id == "<new@test.example>")
        (fetched,) = await provider.fetch(name, remap.cursor, [new_ref])
        assert b"<new@test.example>" in fetched.raw
        after = await provider.next_batch(name, remap.cursor, 10)
        assert isinstance(after, ImportBatch) and after.messages == ()


async def test_count_with_refs_shows_an_expunge(pymap, account, folders, make_message, raw_client):
    name = folders("Import")
    for n in range(3):
        pymap.deliver(name, make_message(n))
    async with ImapMailProvider(account, smtp=None) as provider:
        batch = await provider.next_batch(name, None, 10)
        refs = [m.ref for m in batch.messages]
        assert await provider.count(name) == FolderCount(total=3)

        raw_client.select_folder(name)
        raw_client.add_flags([int(refs[1])], [DELETED])
        raw_client.expunge()

        counted = await provider.count(name, with_refs=True)
        assert counted.total == 2
        assert counted.refs == frozenset({refs[0], refs[2]})


async def test_bad_input_and_missing_folders(account, folders):
    async with ImapMailProvider(account, smtp=None) as provider:
        with pytest.raises(NotFound):
            await provider.count(folders("Missing"))
        with pytest.raises(InvalidRequest, match="ref"):
            await provider.fetch("INBOX", {"uidvalidity": 1, "last_uid": 0}, ["12abc"])
        with pytest.raises(InvalidRequest, match="uidvalidity"):
            await provider.next_batch("INBOX", {"last_uid": 3}, 10)
        with pytest.raises(InvalidRequest, match="batch_size"):
            await provider.next_batch("INBOX", None, 0)
