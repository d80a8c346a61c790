"""Celery beat: poll due mailboxes every ``sync_tick_s``; each mailbox every ``sync_poll_interval_s``, staggered."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from celery import Celery

from kontor.platform.db import Database
from kontor.platform.secrets_box import box_from_settings

from kontor.calendar_sync.sync.scheduler import run_due

TASK = "calendar-sync.sync.poll_mailboxes"


def register(app: Celery, settings) -> None:
    box = box_from_settings(settings)
    interval = timedelta(seconds=settings.sync_poll_interval_s)
    tick = timedelta(seconds=settings.sync_tick_s)

    @app.task(name=TASK)
    def poll_mailboxes() -> dict[str, int]:
        async def run() -> dict[str, int]:
            db = Database(settings.database_url.get_secret_value(), pool_size=2)
            try:
                return await run_due(db, box, interval=interval)
            finally:
                await db.dispose()

        return asyncio.run(run())

    # expires: a tick that waited longer than one tick in the queue is dropped; the next one covers it.
    app.conf.beat_schedule.setdefault(TASK, {"task": TASK, "schedule": tick,
                                             "options": {"expires": tick.total_seconds()}})
