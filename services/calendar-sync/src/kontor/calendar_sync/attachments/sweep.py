"""Garbage collection of attachment content: blobs no live appointment of their tenant refers to.

Content is shared within a tenant (the same file attached to ten appointments is one blob), so bytes
cannot go when one attachment goes; the sweep removes a blob once no appointment that is not deleted
lists its address. It spares blobs modified within ``grace``: an upload stores (or, for content that
exists, touches) the blob before its attach commits, and the grace period keeps the sweep from
collecting it in between. Runs per tenant (the blob namespace is the tenant id), under RLS.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from kontor.platform.blobs import BlobStore
from kontor.platform.db import Database

log = logging.getLogger(__name__)

_REFERENCED = text(
    "SELECT DISTINCT a->>'content_ref' FROM appointments, jsonb_array_elements(attachments) AS a "
    "WHERE deleted_at IS NULL")


@dataclass
class SweepResult:
    tenants: int = 0
    kept: int = 0
    deleted: int = 0


async def sweep(db: Database, store: BlobStore, *, grace: timedelta, now: datetime | None = None) -> SweepResult:
    cutoff = (now or datetime.now(UTC)) - grace
    result = SweepResult()
    for namespace in await store.namespaces():
        try:
            tenant_id = uuid.UUID(namespace)
        except ValueError:
            continue  # not ours: the bucket or folder may be shared with other data
        result.tenants += 1
        async with db.unit_of_work(tenant_id) as session:
            referenced = set((await session.scalars(_REFERENCED)).all())
        async for blob in store.list(namespace):
            if blob.address in referenced or blob.modified > cutoff:
                result.kept += 1
                continue
            if await store.delete(namespace, blob.address):
                result.deleted += 1
    if result.deleted:
        log.info("attachment sweep", extra={"tenants": result.tenants, "deleted": result.deleted,
                                            "kept": result.kept})
    return result
