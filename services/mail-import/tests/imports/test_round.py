"""An import round through the real IMAP provider into PostgreSQL: import, dedup, quarantine, remap, gone."""

from __future__ import annotations

import uuid

from imapclient import IMAPClient
from sqlalchemy import select

from kontor.platform.outbox import OutboxEvent

from kontor.mail_import.imports.models import ImportLogEntry
from kontor.mail_import.mails.models import Mail, MailboxReference


def message(n: int, *, message_id: str | None = None, sender: str = "anna@customer.example",
            body: str | None = None) -> bytes:
    mid = message_id if message_id is not None else f"<m{n}-{uuid.uuid4().hex}@customer.example>"
    headers = [f"From: Anna <{sender}>", "To: sales@kontor.example", f"Subject: Offer {n}",
               "Date: Tue, 3 Mar 2026 09:15:00 +0100"]
    if mid:
        headers.append(f"Message-ID: {mid}")
    return ("\r\n".join(headers) + "\r\n\r\n" + (body if body is not None else f"Offer number {n}.\r\n")).encode()


async def test_a_round_imports_every_message_and_ends_healthy(world):
    box = await world.mailbox("Import")
    box.deliver(*(message(n) for n in range(23)))

    report = await box.run(batch_size=5)

    assert report.outcome == "ok" and report.state == "healthy"
    assert report.imported == 23 and report.batches >= 5
    assert await world.mails() == 23
    assert len(set(await box.refs())) == 23
    state = await box.state()
    assert (state.state, state.folder_count, state.imported_count, state.quarantined_count, state.gap) == (
        "healthy", 23, 23, 0, 0)
    assert (state.progress_done, state.progress_total) == (23, 23)
    assert state.cursor is not None and state.last_success_at is not None
    async with world.db.unit_of_work(world.tenant_id) as session:
        events = list(await session.scalars(select(OutboxEvent).where(OutboxEvent.tenant_id == world.tenant_id)))
        raws = list(await session.scalars(select(Mail.raw_address)))
    assert len(events) == 23 and {e.event_type for e in events} == {"kontor.mail.mail.imported"}
    for address in raws:
        assert await world.blobs.exists(str(world.tenant_id), address)

    # A second round finds nothing new and stores nothing twice.
    again = await box.run(batch_size=5)
    assert (again.outcome, again.state, again.imported, again.referenced) == ("ok", "healthy", 0, 0)
    assert await world.mails() == 23


async def test_new_mail_is_imported_from_the_cursor_on(world):
    box = await world.mailbox("Import")
    box.deliver(message(1), message(2))
    await box.run()
    box.deliver(message(3))

    report = await box.run()

    assert (report.imported, report.skipped) == (1, 0)
    assert await world.mails() == 3


async def test_the_same_mail_in_two_mailboxes_is_one_mail_with_two_references(world):
    first, second = await world.mailbox("Anna"), await world.mailbox("Ben")
    shared = message(7, message_id="<shared-7@customer.example>")
    # Each copy carries its own delivery header, as two mailboxes' copies do.
    first.deliver(b"Delivered-To: anna@kontor.example\r\n" + shared)
    second.deliver(b"Delivered-To: ben@kontor.example\r\n" + shared, message(8))

    await first.run()
    report = await second.run()

    assert (report.imported, report.referenced) == (1, 1)
    assert await world.mails() == 2
    async with world.db.unit_of_work(world.tenant_id) as session:
        mail = await session.scalar(select(Mail).where(Mail.message_id == "<shared-7@customer.example>"))
        accounts = set(await session.scalars(select(MailboxReference.account_id)
                                             .where(MailboxReference.mail_id == mail.id)))
        imported_events = list(await session.scalars(select(OutboxEvent).where(
            OutboxEvent.tenant_id == world.tenant_id)))
    assert accounts == {first.account_id, second.account_id}
    assert len(imported_events) == 2  # once per new mail, not per reference


async def test_a_reused_message_id_with_other_content_stays_two_mails(world):
    box = await world.mailbox("Import")
    box.deliver(message(1, message_id="<same@x.example>", body="first\r\n"),
                message(1, message_id="<same@x.example>", body="second\r\n"))

    await box.run()

    assert await world.mails() == 2


async def test_broken_messages_are_quarantined_with_their_raw_bytes_and_counted(world):
    box = await world.mailbox("Import")
    no_headers = b"this is not a mail at all, just a line of text without any header\r\n"
    box.deliver(message(1), no_headers, message(2))

    report = await box.run()

    assert (report.imported, report.quarantined, report.state) == (2, 1, "healthy")
    [held] = await box.quarantined()
    kept = await world.blobs.read(str(world.tenant_id), held.raw_address)
    assert held.reason == "no_headers" and held.detail
    assert held.size == len(kept) and kept.rstrip() == no_headers.rstrip()  # as the server gave it
    state = await box.state()
    assert (state.folder_count, state.imported_count, state.quarantined_count, state.gap) == (3, 2, 1, 0)
    async with world.db.unit_of_work(world.tenant_id) as session:
        lines = list(await session.scalars(select(ImportLogEntry).where(
            ImportLogEntry.account_id == box.account_id, ImportLogEntry.code == "import.quarantined")))
    assert len(lines) == 1 and lines[0].details == {"reason": "no_headers", "size": held.size}

    # Quarantined refs are not read again.
    again = await box.run()
    assert (again.quarantined, again.skipped) == (0, 0)
    assert len(await box.quarantined()) == 1


async def test_a_new_uidvalidity_remaps_stored_refs_without_importing_again(world):
    box = await world.mailbox("Import")
    kept = [message(n) for n in range(6)]
    box.deliver(*kept)
    await box.run(batch_size=4)
    before = await world.mails()
    old_refs = sorted(await box.refs(), key=int)

    # The server renumbers the folder: same messages (reversed order, so UIDs swap), plus a new one.
    world.pymap.recreate_folder(box.folder)
    box.deliver(*reversed(kept), message(99))

    report = await box.run(batch_size=4)

    assert report.outcome == "ok" and report.state == "healthy"
    assert report.remapped == 6 and report.imported == 1
    assert await world.mails() == before + 1
    async with world.db.unit_of_work(world.tenant_id) as session:
        live = list(await session.execute(select(MailboxReference.ref, Mail.message_id).join(
            Mail, Mail.id == MailboxReference.mail_id).where(MailboxReference.account_id == box.account_id,
                                                              MailboxReference.gone_at.is_(None))))
    client: IMAPClient = world.client()
    try:
        client.select_folder(box.folder, readonly=True)
        on_server = {str(uid): data[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode().split(":", 1)[1].strip()
                     for uid, data in client.fetch(client.search(["ALL"]),
                                                   ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]).items()}
    finally:
        client.logout()
    assert {ref: mid for ref, mid in live} == on_server  # every stored ref names the message it holds now
    assert len(old_refs) == 6
    state = await box.state()
    assert (state.folder_count, state.imported_count, state.gap) == (7, 7, 0)


async def test_messages_that_left_the_folder_are_marked_gone_and_the_mail_stays(world):
    box = await world.mailbox("Import")
    box.deliver(message(1), message(2), message(3))
    await box.run()
    client = world.client()
    try:
        client.select_folder(box.folder)
        first = min(client.search(["ALL"]))
        client.delete_messages([first])
        client.expunge()
    finally:
        client.logout()

    report = await box.run()

    assert report.state == "healthy" and report.gone == 1
    assert len(await box.refs()) == 2 and len(await box.refs(live=False)) == 3
    assert await world.mails() == 3
    state = await box.state()
    assert (state.folder_count, state.imported_count, state.gap) == (2, 2, 0)


async def test_a_missing_import_folder_fails_with_a_readable_log_line(world):
    box = await world.mailbox("Import")
    client = world.client()
    try:
        client.delete_folder(box.folder)
    finally:
        client.logout()

    report = await box.run()

    assert report.outcome == "failed" and report.state == "failing"
    state = await box.state()
    assert state.last_error_code == "folder_missing" and state.retry_at is not None
    async with world.db.unit_of_work(world.tenant_id) as session:
        line = await session.scalar(select(ImportLogEntry).where(ImportLogEntry.account_id == box.account_id))
    assert line.code == "import.folder_missing" and line.level == "error"
    assert (state.retry_at - state.last_attempt_at).total_seconds() == 60

    # Failing again doubles the wait (backoff), the state stays readable.
    await box.run()
    state = await box.state()
    assert state.state == "failing" and (state.retry_at - state.last_attempt_at).total_seconds() == 120


async def test_a_second_round_of_the_same_account_waits_its_turn(world):
    from kontor.mail_import.imports.round import account_lock

    box = await world.mailbox("Import")
    box.deliver(message(1))
    async with account_lock(world.db, box.account_id) as held:
        assert held
        report = await box.run()
    assert report.outcome == "busy"
    assert await world.mails() == 0
    assert (await box.run()).imported == 1


async def test_a_disabled_account_is_not_read(world):
    from kontor.mail_import.accounts.models import MailAccount

    box = await world.mailbox("Import")
    box.deliver(message(1))
    async with world.db.unit_of_work(world.tenant_id) as session:
        (await session.get(MailAccount, box.account_id)).enabled = False

    report = await box.run()

    assert (report.outcome, (await box.state()).state) == ("disabled", "disabled")
    assert await world.mails() == 0
