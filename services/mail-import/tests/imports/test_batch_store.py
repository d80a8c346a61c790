"""How a batch is stored (imports/store.py ``write``): in a few multi-row statements, falling back to message by
message only when the database refuses the batch; and a round that could not start (``record_failure``)
never shows its attempt with the state of the round before."""

from __future__ import annotations

from sqlalchemy import select

from kontor.platform.groupware.errors import TransientError
from kontor.platform.outbox import OutboxEvent

from kontor.mail_import.imports import health, store
from kontor.mail_import.imports import round as import_round
from kontor.mail_import.imports.models import ImportState
from kontor.mail_import.mails.models import Mail, MailboxReference

from .test_round import message


def _unstorable_message() -> bytes:
    """Parses fine, but its sender address is longer than ``mails.from_address`` allows: PostgreSQL refuses it."""
    return ("From: " + "a" * 400 + "@customer.example\r\nTo: sales@kontor.example\r\nSubject: Long\r\n"
            "Date: Tue, 3 Mar 2026 09:15:00 +0100\r\n\r\nToo long a sender.\r\n").encode()


async def test_a_message_the_database_refuses_is_quarantined_and_the_rest_of_its_batch_stored(world):
    box = await world.mailbox("Import")
    no_headers = b"this is not a mail at all, just a line of text without any header\r\n"
    box.deliver(message(1), message(2), _unstorable_message(), message(3), no_headers)

    report = await box.run(batch_size=10)

    assert (report.outcome, report.state, report.batches) == ("ok", "healthy", 1), report
    assert (report.imported, report.quarantined) == (3, 2)
    assert sorted(q.reason for q in await box.quarantined()) == ["no_headers", store.UNSTORABLE]
    assert await world.mails() == 3 and len(await box.refs()) == 3
    async with world.db.unit_of_work(world.tenant_id) as session:
        events = list(await session.scalars(select(OutboxEvent.subject).where(
            OutboxEvent.tenant_id == world.tenant_id)))
    assert len(events) == 3

    again = await box.run(batch_size=10)  # quarantined refs are not read again
    assert (again.outcome, again.state, again.imported, again.quarantined) == ("ok", "healthy", 0, 0)


async def test_copies_in_one_batch_and_in_another_mailbox_are_one_mail_with_a_reference_each(world):
    shared_id = "<shared-copy@customer.example>"
    first, second = await world.mailbox("First"), await world.mailbox("Second")
    first.deliver(message(1, message_id=shared_id))
    second.deliver(message(1, message_id=shared_id), message(2), message(1, message_id=shared_id))

    assert (await first.run(batch_size=10)).imported == 1
    report = await second.run(batch_size=10)

    # The copy another mailbox stored first and the same mail twice in this batch: references, no new Mail.
    assert (report.imported, report.referenced, report.quarantined) == (1, 2, 0), report
    async with world.db.unit_of_work(world.tenant_id) as session:
        shared = await session.scalar(select(Mail).where(Mail.message_id == shared_id))
        refs = list(await session.scalars(select(MailboxReference).where(MailboxReference.mail_id == shared.id)))
        events = list(await session.scalars(select(OutboxEvent.subject).where(
            OutboxEvent.tenant_id == world.tenant_id)))
    assert sorted(r.account_id for r in refs) == sorted([first.account_id, second.account_id, second.account_id])
    assert await world.mails() == 2 and len(events) == 2  # MailImported once per new Mail


async def test_a_round_that_could_not_start_never_shows_its_attempt_with_the_old_state(world, monkeypatch):
    box = await world.mailbox("Import")
    box.deliver(message(1))
    assert (await box.run()).state == "healthy"
    seen: list[tuple[str, object]] = []
    fail = import_round._fail

    async def watched(r, *args, **kwargs):
        # What a reader (the API) sees right before the failure is written.
        async with world.db.unit_of_work(world.tenant_id) as session:
            row = await session.get(ImportState, box.account_id)
            seen.append((row.state, row.last_attempt_at))
        return await fail(r, *args, **kwargs)

    monkeypatch.setattr(import_round, "_fail", watched)
    at = health.now()

    report = await import_round.record_failure(world.db, tenant_id=world.tenant_id, account_id=box.account_id,
                                               exc=TransientError("server down"), now=at)

    assert report.outcome == "failed"
    (state_before, attempt_before), = seen
    assert state_before == "healthy" and attempt_before != at
    state = await box.state()
    assert (state.state, state.last_attempt_at) == ("failing", at)
