"""Housekeeping (imports/housekeeping.py): the import log pruned past its retention, and blobs no row refers to
swept after a grace period, with the raw MIME, attachments and quarantined raw bytes of stored mail kept."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from kontor.mail_import.accounts.models import MailTenant
from kontor.mail_import.imports.housekeeping import prune_import_log, sweep_blobs
from kontor.mail_import.imports.models import ImportLogEntry, QuarantinedMessage
from kontor.mail_import.mails.models import Mail

from .test_round import message

WITH_ATTACHMENT = (
    "From: Anna <anna@customer.example>\r\nTo: sales@kontor.example\r\nSubject: Vertrag\r\n"
    "Date: Tue, 3 Mar 2026 09:15:00 +0100\r\nMessage-ID: <contract-{n}@customer.example>\r\nMIME-Version: 1.0\r\n"
    'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nAnbei.\r\n--b\r\n'
    'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="v.pdf"\r\n'
    "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK{n}\r\n--b--\r\n")


async def enrol(world) -> None:
    async with world.db.unit_of_work(None) as session:
        await session.execute(insert(MailTenant).values(tenant_id=world.tenant_id).on_conflict_do_nothing())


async def test_log_lines_older_than_the_retention_are_pruned(world):
    box = await world.mailbox("Import")
    await enrol(world)
    now = datetime.now(UTC)
    async with world.db.unit_of_work(world.tenant_id) as session:
        for days in (200, 91, 89, 1):
            session.add(ImportLogEntry(tenant_id=world.tenant_id, account_id=box.account_id, level="info",
                                       code="import.finished", message=f"{days}", details={},
                                       at=now - timedelta(days=days)))

    deleted = await prune_import_log(world.db, keep=timedelta(days=90), now=now)

    assert deleted >= 2  # other tests' tenants may have old lines too
    async with world.db.unit_of_work(world.tenant_id) as session:
        left = sorted(await session.scalars(select(ImportLogEntry.message).where(
            ImportLogEntry.account_id == box.account_id)), key=int)
    assert left == ["1", "89"]


async def test_blobs_no_row_refers_to_are_swept_after_the_grace_period(world):
    box = await world.mailbox("Import")
    await enrol(world)
    box.deliver(message(1), WITH_ATTACHMENT.format(n=1).encode(), b"\x00\x01 not a mail")
    report = await box.run()
    assert (report.imported, report.quarantined) == (2, 1)
    namespace = str(world.tenant_id)
    async with world.db.unit_of_work(world.tenant_id) as session:
        mails = list(await session.scalars(select(Mail)))
        quarantined = list(await session.scalars(select(QuarantinedMessage.raw_address)))
    kept = {m.raw_address for m in mails} | {a["address"] for m in mails for a in m.attachments} | set(quarantined)
    assert len(kept) == 4 and "" not in kept  # two raw messages, one attachment, one quarantined raw
    orphan = (await world.blobs.put(namespace, b"raw MIME of a batch that never committed")).address
    outside = str(uuid.uuid4())  # a namespace of no tenant with mail accounts
    foreign = (await world.blobs.put(outside, b"not ours")).address

    # Within the grace period nothing goes.
    within = await sweep_blobs(world.db, world.blobs, grace=timedelta(days=1))
    assert (within.deleted, within.kept) == (0, 5)
    assert orphan in {b.address async for b in world.blobs.list(namespace)}

    later = await sweep_blobs(world.db, world.blobs, grace=timedelta(days=1),
                              now=datetime.now(UTC) + timedelta(days=2))

    left = {b.address async for b in world.blobs.list(namespace)}
    assert left == kept  # the orphan went; everything a row refers to stayed
    assert (later.tenants, later.deleted, later.kept) == (1, 1, 4)
    assert await world.blobs.exists(outside, foreign)
    for address in kept:
        assert await world.blobs.read(namespace, address)


def test_both_run_on_celery_beat_with_the_configured_interval(settings_for):
    from kontor.mail_import.imports.housekeeping_tasks import PRUNE_LOG, SWEEP_BLOBS  # noqa: PLC0415
    from kontor.mail_import.tasks import celery_app  # noqa: PLC0415

    app = celery_app(settings_for(blob_sweep_interval_s=7200))

    assert {PRUNE_LOG, SWEEP_BLOBS} <= set(app.tasks)
    assert app.conf.beat_schedule[SWEEP_BLOBS]["schedule"] == timedelta(hours=2)
    assert app.conf.beat_schedule[PRUNE_LOG]["schedule"] == timedelta(days=1)
