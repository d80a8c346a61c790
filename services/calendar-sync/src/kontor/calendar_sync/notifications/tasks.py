"""Celery beat: keep the Graph subscriptions (``manage.maintain``) every ``graph_subscription_check_s``."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from celery import Celery

from kontor.platform.db import Database
from kontor.platform.secrets_box import box_from_settings

from kontor.calendar_sync.notifications.manage import SubscriptionPolicy, maintain

TASK = "calendar-sync.notifications.maintain_subscriptions"


def register(app: Celery, settings) -> None:
    box = box_from_settings(settings)
    policy = SubscriptionPolicy.from_settings(settings)
    every = timedelta(seconds=settings.graph_subscription_check_s)

    @app.task(name=TASK)
    def maintain_subscriptions() -> dict[str, int]:
        async def run() -> dict[str, int]:
            db = Database(settings.database_url.get_secret_value(), pool_size=2)
            try:
                return await maintain(db, box, policy)
            finally:
                await db.dispose()

        return asyncio.run(run())

    # Runs even without a URL: then it removes any subscription still held (the setting was cleared).
    app.conf.beat_schedule.setdefault(TASK, {"task": TASK, "schedule": every,
                                             "options": {"expires": every.total_seconds()}})
