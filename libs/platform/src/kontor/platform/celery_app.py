"""Celery app factory: Redis broker, one queue per service, beat schedule, housekeeping.

Every service that owns an outbox/inbox gets the hourly housekeeping task that
prunes published outbox rows and old inbox ids past their retention.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from celery import Celery

from kontor.platform.consumer import prune_inbox
from kontor.platform.db import Database
from kontor.platform.outbox import prune_published
from kontor.platform.settings import ServiceSettings


def create_celery_app(service: str, settings: ServiceSettings, *, beat_schedule: dict | None = None) -> Celery:
    queue = service
    app = Celery(service, broker=settings.redis_url.get_secret_value())
    app.conf.update(
        task_default_queue=queue,
        task_ignore_result=True,  # results go to the service's database, not to Redis
        task_acks_late=True,  # a worker that dies mid-task leaves it for another
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        beat_schedule=beat_schedule or {},
        beat_schedule_filename=settings.celery_beat_schedule_file,
    )
    _register_housekeeping(app, service, settings)
    return app


def _register_housekeeping(app: Celery, service: str, settings: ServiceSettings) -> None:
    name = f"{service}.housekeeping.prune_messaging"

    @app.task(name=name)
    def prune_messaging() -> dict[str, int]:
        async def run() -> dict[str, int]:
            db = Database(settings.database_url.get_secret_value(), pool_size=1)
            try:
                return {
                    "outbox": await prune_published(db, older_than=timedelta(days=settings.outbox_retention_days)),
                    "inbox": await prune_inbox(db, older_than=timedelta(days=settings.inbox_retention_days)),
                }
            finally:
                await db.dispose()

        return asyncio.run(run())

    app.conf.beat_schedule.setdefault(name, {"task": name, "schedule": timedelta(hours=1)})
