"""Celery beat tasks of the importer's housekeeping (``housekeeping.py``): the import log pruned daily past
``import_log_retention_days``; blobs nothing refers to swept every ``blob_sweep_interval_s``."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import timedelta

from celery import Celery

from kontor.platform import blobs
from kontor.platform.db import Database

from kontor.mail_import.imports.housekeeping import SweepResult, prune_import_log, sweep_blobs

PRUNE_LOG = "mail-import.imports.prune_log"
SWEEP_BLOBS = "mail-import.imports.sweep_blobs"
PRUNE_EVERY = timedelta(days=1)


def register(app: Celery, settings) -> None:
    @app.task(name=PRUNE_LOG)
    def prune_log() -> int:
        async def run() -> int:
            db = Database(settings.database_url.get_secret_value(), pool_size=1)
            try:
                return await prune_import_log(db, keep=timedelta(days=settings.import_log_retention_days))
            finally:
                await db.dispose()

        return asyncio.run(run())

    @app.task(name=SWEEP_BLOBS)
    def sweep() -> dict[str, int]:
        async def run() -> dict[str, int]:
            store = blobs.store_from_settings(settings)
            if store is None:
                return asdict(SweepResult())
            db = Database(settings.database_url.get_secret_value(), pool_size=1)
            try:
                return asdict(await sweep_blobs(db, store, grace=timedelta(seconds=settings.blob_sweep_grace_s)))
            finally:
                await store.close()
                await db.dispose()

        return asyncio.run(run())

    app.conf.beat_schedule.setdefault(PRUNE_LOG, {"task": PRUNE_LOG, "schedule": PRUNE_EVERY})
    app.conf.beat_schedule.setdefault(SWEEP_BLOBS, {"task": SWEEP_BLOBS,
                                                    "schedule": timedelta(seconds=settings.blob_sweep_interval_s)})
