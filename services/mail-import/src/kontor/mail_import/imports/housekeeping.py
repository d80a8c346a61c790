"""Housekeeping of the importer (Celery beat, ``housekeeping_tasks.py``).

* ``prune_import_log``: import log lines older than the retention (``import_log_retention_days``) go. The
  failure backoff reads the log only back to the last finished round and is capped, so pruning never
  changes a retry time that matters.
* ``sweep_blobs``: blobs no row of their tenant refers to (``mails.raw_address``, the addresses in
  ``mails.attachments``, ``mail_quarantine.raw_address``) and not stored or touched within ``grace``. They
  come from batches that never committed (a crash, a database error: the blobs are put before the batch's
  transaction), from a send that failed after composing, and from the raw bytes of a further copy of a mail
  already in the CRM (the Mail keeps the first copy's raw MIME). The grace period keeps the sweep away from a
  batch between its blob puts and its commit; content that exists is touched by a put, so the grace counts
  from the latest one.

The sweep removes every unreferenced blob of a tenant namespace: mail-import's blob store must be its own
(its own folder or S3 prefix, as devstack and the Helm chart configure it), never shared with another service.
Both run per tenant of ``mail_tenants`` (the sweep: per namespace that is a tenant id) under row-level security.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from kontor.platform.blobs import BlobStore
from kontor.platform.blobs.sweep import SweepResult, sweep_unreferenced
from kontor.platform.db import Database

from kontor.mail_import.accounts.models import MailTenant

log = logging.getLogger(__name__)

PRUNE_CHUNK = 5000  # log lines deleted per transaction (a first prune after a long time stays short)

_PRUNE = text("DELETE FROM mail_import_log WHERE id IN "
              "(SELECT id FROM mail_import_log WHERE at < :cutoff ORDER BY id LIMIT :limit)")
_REFERENCED = text(
    "SELECT raw_address FROM mails "
    "UNION SELECT a->>'address' FROM mails, jsonb_array_elements(attachments) AS a "
    "UNION SELECT raw_address FROM mail_quarantine WHERE raw_address <> ''")


async def _tenants(db: Database) -> list[uuid.UUID]:
    async with db.unit_of_work(None) as session:
        return list(await session.scalars(select(MailTenant.tenant_id)))


async def prune_import_log(db: Database, *, keep: timedelta, now: datetime | None = None) -> int:
    """Deletes log lines older than ``keep``; answers how many."""
    cutoff = (now or datetime.now(UTC)) - keep
    deleted = 0
    for tenant_id in await _tenants(db):
        while True:
            async with db.unit_of_work(tenant_id) as session:
                count = (await session.execute(_PRUNE, {"cutoff": cutoff, "limit": PRUNE_CHUNK})).rowcount or 0
            deleted += count
            if count < PRUNE_CHUNK:
                break
    if deleted:
        log.info("import log pruned", extra={"deleted": deleted, "cutoff": cutoff.isoformat()})
    return deleted


async def sweep_blobs(db: Database, store: BlobStore, *, grace: timedelta,
                      now: datetime | None = None) -> SweepResult:
    """Deletes the blobs no row refers to that were last stored before now - ``grace``. A tenant without mail
    accounts never stored mail: its namespace is not ours to judge."""
    return await sweep_unreferenced(db, store, _REFERENCED, grace=grace, now=now, tenants=set(await _tenants(db)),
                                    what="mail blob")
