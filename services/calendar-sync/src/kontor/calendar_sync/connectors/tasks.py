"""Celery beat task: re-import every server's rooms and equipment (``resource_refresh_interval_s``)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from celery import Celery

from kontor.platform.db import Database
from kontor.platform.secrets_box import box_from_settings

from kontor.calendar_sync.connectors.directory import ProviderDirectory
from kontor.calendar_sync.connectors.resources import refresh_all

TASK = "calendar-sync.connectors.refresh_resources"


def register(app: Celery, settings) -> None:
    box = box_from_settings(settings)

    @app.task(name=TASK)
    def refresh_resources() -> dict[str, int]:
        async def run() -> dict[str, int]:
            db = Database(settings.database_url.get_secret_value(), pool_size=1)
            try:
                return await refresh_all(db, box, ProviderDirectory())
            finally:
                await db.dispose()

        return asyncio.run(run())

    app.conf.beat_schedule.setdefault(TASK, {"task": TASK,
                                             "schedule": timedelta(seconds=settings.resource_refresh_interval_s)})
