"""Celery beat task: the optional deletion of past private appointments (``sync/privacy_cleanup.py``), daily.

It runs for every deployment; it only acts on connectors whose ``delete_private_after_days`` is set.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from celery import Celery

from kontor.platform.db import Database

from kontor.calendar_sync.sync import privacy_cleanup

TASK = "calendar-sync.sync.delete_past_private_appointments"
INTERVAL = timedelta(days=1)


def register(app: Celery, settings) -> None:
    @app.task(name=TASK)
    def delete_past_private_appointments() -> int:
        async def run() -> int:
            db = Database(settings.database_url.get_secret_value(), pool_size=1)
            try:
                return await privacy_cleanup.run(db)
            finally:
                await db.dispose()

        return asyncio.run(run())

    app.conf.beat_schedule.setdefault(TASK, {"task": TASK, "schedule": INTERVAL,
                                             "options": {"expires": INTERVAL.total_seconds()}})
