"""Garbage collection of a service's blobs: content no row of its tenant refers to any more.

Content is shared within a tenant (stored once per address), so bytes cannot go when one row goes; a sweep
removes a blob once the service's own query lists no reference to its address. It spares blobs modified
within ``grace``: a service stores (or, for content that exists, touches) a blob before the transaction that
refers to it commits, and the grace period keeps the sweep from collecting it in between. Runs per tenant
(the blob namespace is the tenant id), under RLS, so ``referenced`` sees only that tenant's rows. A
service's blob store must not be shared with another service's: each judges only its own references.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.sql import Executable

from kontor.platform.blobs.base import BlobStore
from kontor.platform.db import Database

log = logging.getLogger(__name__)


@dataclass
class SweepResult:
    tenants: int = 0
    kept: int = 0
    deleted: int = 0


async def sweep_unreferenced(db: Database, store: BlobStore, referenced: Executable, *, grace: timedelta,
                             now: datetime | None = None, tenants: set[uuid.UUID] | None = None,
                             what: str = "blob") -> SweepResult:
    """Deletes the blobs whose address ``referenced`` (a query answering addresses, run in each tenant's
    unit of work) does not list and that were last stored before now - ``grace``. ``tenants``: only these
    namespaces (None: every namespace that is a tenant id). ``what`` names the sweep in its log line."""
    cutoff = (now or datetime.now(UTC)) - grace
    result = SweepResult()
    for namespace in await store.namespaces():
        try:
            tenant_id = uuid.UUID(namespace)
        except ValueError:
            continue  # not a tenant's namespace: the bucket or folder may hold other data
        if tenants is not None and tenant_id not in tenants:
            continue
        result.tenants += 1
        async with db.unit_of_work(tenant_id) as session:
            addresses = set((await session.scalars(referenced)).all())
        async for blob in store.list(namespace):
            if blob.address in addresses or blob.modified > cutoff:
                result.kept += 1
                continue
            if await store.delete(namespace, blob.address):
                result.deleted += 1
    if result.deleted:
        log.info("%s sweep", what, extra={"tenants": result.tenants, "deleted": result.deleted,
                                          "kept": result.kept})
    return result
