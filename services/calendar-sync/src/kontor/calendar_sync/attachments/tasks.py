"""Celery beat task: remove attachment content nothing refers to any more (``attachment_sweep_interval_s``)."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import timedelta

from celery import Celery

from kontor.platform import blobs
from kontor.platform.db import Database

from kontor.calendar_sync.attachments.sweep import sweep

TASK = "calendar-sync.attachments.sweep"


def register(app: Celery, settings) -> None:
    @app.task(name=TASK)
    def sweep_attachments() -> dict[str, int]:
        async def run() -> dict[str, int]:
            store = blobs.store_from_settings(settings)
            if store is None:
                return {"tenants": 0, "kept": 0, "deleted": 0}
            db = Database(settings.database_url.get_secret_value(), pool_size=1)
            try:
                return asdict(await sweep(db, store, grace=timedelta(seconds=settings.attachment_sweep_grace_s)))
            finally:
                await store.close()
                await db.dispose()

        return asyncio.run(run())

    app.conf.beat_schedule.setdefault(TASK, {"task": TASK,
                                             "schedule": timedelta(seconds=settings.attachment_sweep_interval_s)})
