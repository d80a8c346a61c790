"""Garbage collection of attachment content: blobs no live appointment of their tenant refers to
(``kontor.platform.blobs.sweep`` does the sweeping; this module says what refers to a blob).

Content is shared within a tenant (the same file attached to ten appointments is one blob), so bytes
cannot go when one attachment goes; the sweep removes a blob once no appointment that is not deleted
lists its address. It spares blobs modified within ``grace``: an upload stores (or, for content that
exists, touches) the blob before its attach commits, and the grace period keeps the sweep from
collecting it in between. Runs per tenant (the blob namespace is the tenant id), under RLS.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text

from kontor.platform.blobs import BlobStore
from kontor.platform.blobs.sweep import SweepResult, sweep_unreferenced
from kontor.platform.db import Database

_REFERENCED = text(
    "SELECT DISTINCT a->>'content_ref' FROM appointments, jsonb_array_elements(attachments) AS a "
    "WHERE deleted_at IS NULL")


async def sweep(db: Database, store: BlobStore, *, grace: timedelta, now: datetime | None = None) -> SweepResult:
    return await sweep_unreferenced(db, store, _REFERENCED, grace=grace, now=now, what="attachment")
