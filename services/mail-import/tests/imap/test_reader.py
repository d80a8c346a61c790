"""The IMAP folder reader against pymap: batches, increments, expunges, UIDVALIDITY remaps."""

from __future__ import annotations

import pytest
from imapclient import DELETED, SEEN

from kontor.mail_import.imap.aio import AsyncImapFolder
from kontor.mail_import.imap.cursor import FolderCursor, NewMessages, Remap
from kontor.mail_import.imap.errors import UidValidityChanged


async def _drain(folder: AsyncImapFolder, cursor):
    batches = []
    while True:
        result = await folder.next_batch(cursor)
        assert isinstance(result, NewMessages)
        batches.append(result)
        cursor = result.cursor
        if result.remaining == 0:
            return batches, cursor


async def test_initial_fetch_comes_in_batches_oldest_first_and_unchanged(pymap, account, folders, make_message,
                                                                          raw_client):
    name = folders("Import")
    sent = [make_message(n) for n in range(5)]
    for raw in sent:
        pymap.deliver(name, raw)

    async with AsyncImapFolder(account, name, batch_size=2) as folder:
        batches, cursor = await _drain(folder, None)

    assert [len(b.messages) for b in batches] == [2, 2, 1]
    assert [b.remaining for b in batches] == [3, 1, 0]
    fetched = [m for b in batches for m in b.messages]
    assert [m.raw for m in fetched] == sent  # raw MIME kept byte for byte, in arrival order
    assert all(m.size == len(m.raw) and m.internaldate is not None for m in fetched)
    uids = [m.uid for m in fetched]
    assert uids == sorted(uids) and cursor.last_uid == uids[-1]
    assert [b.cursor.last_uid for b in batches] == [uids[1], uids[3], uids[4]]
    # BODY.PEEK: importing must not mark the user's mail as read.
    raw_client.select_folder(name, readonly=True)
    assert all(SEEN not in flags for flags in raw_client.get_flags(uids).values())


async def test_incremental_fetch_returns_only_mail_after_the_cursor(pymap, account, folders, make_message):
    name = folders("Import")
    pymap.deliver(name, make_message(1))
    async with AsyncImapFolder(account, name) as folder:
        first = await folder.next_batch(None)
        assert len(first.messages) == 1
        nothing = await folder.next_batch(first.cursor)
        assert nothing.messages == () and nothing.remaining == 0 and nothing.cursor == first.cursor

        later = [make_message(2), make_message(3)]
        for raw in later:
            pymap.deliver(name, raw)
        second = await folder.next_batch(first.cursor)

    assert [m.raw for m in second.messages] == later
    assert second.cursor.uidvalidity == first.cursor.uidvalidity
    assert second.cursor.last_uid > first.cursor.last_uid


async def test_expunged_messages_are_detected(pymap, account, folders, make_message, raw_client):
    name = folders("Import")
    for n in range(3):
        pymap.deliver(name, make_message(n))
    async with AsyncImapFolder(account, name) as folder:
        batch = await folder.next_batch(None)
        uids = [m.uid for m in batch.messages]
        assert (await folder.expunged(batch.cursor, set(uids))).uids == frozenset()

        raw_client.select_folder(name)
        raw_client.add_flags([uids[1]], [DELETED])
        raw_client.expunge()

        result = await folder.expunged(batch.cursor, set(uids) | {batch.cursor.last_uid + 10})

    # Only the really removed one; a UID past the cursor was never read from here and is not reported.
    assert result.uids == frozenset({uids[1]})
    assert result.cursor.uidvalidity == batch.cursor.uidvalidity


async def test_uidvalidity_change_answers_a_remap_instead_of_new_mail(pymap, account, folders, make_message):
    name = folders("Import")
    sent = [make_message(1, "<one@test.example>"), make_message(2, ""), make_message(3, "<three@test.example>")]
    for raw in sent:
        pymap.deliver(name, raw)
    async with AsyncImapFolder(account, name) as folder:
        before = await folder.next_batch(None)
        assert len(before.messages) == 3

        pymap.recreate_folder(name)  # a new UIDVALIDITY, as after a server migration
        for raw in sent:
            pymap.deliver(name, raw)

        remap = await folder.next_batch(before.cursor)
        assert isinstance(remap, Remap)
        assert remap.old_uidvalidity == before.cursor.uidvalidity
        assert remap.cursor.uidvalidity != before.cursor.uidvalidity
        assert [(e.message_id, e.size) for e in remap.entries] == [
            ("<one@test.example>", len(sent[0])), (None, len(sent[1])), ("<three@test.example>", len(sent[2]))]
        assert remap.cursor.last_uid == max(e.uid for e in remap.entries)

        # After the remap nothing is fetched again ...
        after = await folder.next_batch(remap.cursor)
        assert after.messages == () and after.remaining == 0
        # ... an entry that matched nothing can be fetched by its new UID ...
        (refetched,) = await folder.fetch_uids(remap.cursor, [remap.entries[1].uid])
        assert refetched.raw == sent[1]
        # ... and nothing acts on the old UIDs.
        with pytest.raises(UidValidityChanged):
            await folder.expunged(before.cursor, {m.uid for m in before.messages})
        with pytest.raises(UidValidityChanged):
            await folder.fetch_uids(before.cursor, [before.messages[0].uid])


async def test_folded_message_id_header_is_unfolded_in_the_remap(pymap, account, folders):
    name = folders("Import")
    raw = b"From: a@example.org\r\nMessage-ID:\r\n <folded@test.example>\r\nSubject: x\r\n\r\nbody\r\n"
    pymap.deliver(name, raw)
    async with AsyncImapFolder(account, name) as folder:
        stale = FolderCursor(uidvalidity=(await folder.status()).uidvalidity + 1)  # as if stored before a change
        remap = await folder.next_batch(stale)
    assert [e.message_id for e in remap.entries] == ["<folded@test.example>"]


async def test_status_reports_the_folder_counters(pymap, account, folders, make_message):
    name = folders("Import")
    pymap.deliver(name, make_message(1))
    async with AsyncImapFolder(account, name) as folder:
        status = await folder.status()
        batch = await folder.next_batch(None)
    assert status.exists == 1
    assert status.uidnext > batch.cursor.last_uid
    assert status.uidvalidity == batch.cursor.uidvalidity
    # pymap offers no CONDSTORE, so there is no HIGHESTMODSEQ to keep.
    assert status.highestmodseq is None and batch.cursor.highestmodseq is None
