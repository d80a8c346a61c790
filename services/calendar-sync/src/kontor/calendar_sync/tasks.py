"""Celery tasks of the calendar-sync service (the platform's housekeeping, resource refresh, mailbox sync)."""

from kontor.platform.celery_app import create_celery_app

from kontor.calendar_sync.connectors import tasks as connector_tasks
from kontor.calendar_sync.settings import CalendarSyncSettings
from kontor.calendar_sync.sync import tasks as sync_tasks


def celery_app(settings: CalendarSyncSettings):
    app = create_celery_app("calendar-sync", settings)
    connector_tasks.register(app, settings)
    sync_tasks.register(app, settings)
    return app
