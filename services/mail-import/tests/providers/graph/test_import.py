"""Importing a folder over message delta: batches = delta pages, MIME unchanged, @removed, 410, cursors."""

from __future__ import annotations

import pytest

from kontor.mail_import.providers.base import ImportBatch, MailProvider
from kontor.platform.groupware.errors import CursorExpired


async def _round(provider, folder_id, cursor, batch_size=2) -> tuple[list[ImportBatch], dict]:
    batches = []
    while True:
        batch = await provider.next_batch(folder_id, cursor, batch_size)
        assert isinstance(batch, ImportBatch)
        batches.append(batch)
        cursor = batch.cursor
        if batch.done:
            return batches, cursor


def test_is_a_mail_provider(provider):
    assert isinstance(provider, MailProvider) and provider.server_rules is True


async def test_first_round_pages_through_the_folder_with_raw_mime(provider, outlook, graph_tenant):
    made = [outlook.deliver(subject=f"M{i}") for i in range(5)]
    outlook.deliver(folder="drafts", subject="elsewhere")
    inbox = await provider.resolve_folder("inbox")
    batches, cursor = await _round(provider, inbox.id, None)

    assert [len(b.messages) for b in batches] == [2, 2, 1]
    assert [b.done for b in batches] == [False, False, True]
    assert all(set(b.cursor) == {"next_link"} for b in batches[:-1]) and set(cursor) == {"delta_link"}
    refs = [m.ref for b in batches for m in b.messages]
    assert sorted(refs) == sorted(m["immutableId"] for m in made)  # immutable ids, not the REST ids
    delivered = {m["immutableId"]: m["subject"] for m in made}
    for message in (m for b in batches for m in b.messages):
        assert f"Subject: {delivered[message.ref]}".encode() in message.raw
        assert message.raw.startswith(b"From: ") and message.received_at is not None
    # nothing new: one empty, finished batch
    again = await provider.next_batch(inbox.id, cursor, 2)
    assert (again.messages, again.removed, again.done) == ((), frozenset(), True)


async def test_later_round_reports_new_changed_and_removed(provider, outlook):
    kept, moved, read = (outlook.deliver(subject=s) for s in ("kept", "moved", "read"))
    inbox = await provider.resolve_folder("inbox")
    _, cursor = await _round(provider, inbox.id, None, batch_size=10)

    outlook.move(moved["immutableId"], "deleteditems")
    outlook.mark_read(read["immutableId"])
    new = outlook.deliver(subject="new")
    batches, cursor = await _round(provider, inbox.id, cursor, batch_size=10)

    assert {m.ref for b in batches for m in b.messages} == {read["immutableId"], new["immutableId"]}
    assert frozenset().union(*(b.removed for b in batches)) == {moved["immutableId"]}
    assert kept["immutableId"] not in {m.ref for b in batches for m in b.messages}


async def test_expired_delta_token_raises_cursor_expired(provider, outlook):
    outlook.deliver()
    inbox = await provider.resolve_folder("inbox")
    _, cursor = await _round(provider, inbox.id, None)
    outlook.expire_delta()
    with pytest.raises(CursorExpired) as err:
        await provider.next_batch(inbox.id, cursor, 2)
    assert err.value.status == 410
    # starting over works
    batches, _ = await _round(provider, inbox.id, None)
    assert len([m for b in batches for m in b.messages]) == 1


async def test_cursor_pointing_elsewhere_is_not_followed(provider):
    for cursor in ({"delta_link": "https://evil.example/v1.0/users/x/mailFolders/inbox/messages/delta"},
                   {"next_link": None}, {}):
        with pytest.raises(CursorExpired):
            await provider.next_batch("inbox", cursor, 2)


async def test_count_and_refs(provider, outlook):
    made = [outlook.deliver(subject=f"C{i}") for i in range(3)]
    outlook.deliver(folder="drafts")
    inbox = await provider.resolve_folder("inbox")
    plain = await provider.count(inbox.id)
    assert (plain.total, plain.refs) == (3, None)
    full = await provider.count(inbox.id, with_refs=True)
    assert full.total == 3 and full.refs == {m["immutableId"] for m in made}


async def test_fetch_returns_existing_refs_only(provider, outlook, graph_tenant):
    made = outlook.deliver(subject="F")
    gone = outlook.deliver()["immutableId"]
    graph_tenant.control.delete(f"/mailboxes/{graph_tenant.upn}/mail/messages/{gone}", params={"hard": "true"})
    got = await provider.fetch("inbox", {}, [made["immutableId"], "AAkALgAAunknown"])
    assert [m.ref for m in got] == [made["immutableId"]] and b"Subject: F" in got[0].raw
