"""Celery tasks of the calendar-sync service (the platform's housekeeping, resource refresh, mailbox sync,
attachment sweep)."""

from kontor.platform.celery_app import create_celery_app

from kontor.calendar_sync.attachments import tasks as attachment_tasks
from kontor.calendar_sync.connectors import tasks as connector_tasks
from kontor.calendar_sync.notifications import tasks as notification_tasks
from kontor.calendar_sync.settings import CalendarSyncSettings
from kontor.calendar_sync.sync import cleanup_tasks
from kontor.calendar_sync.sync import tasks as sync_tasks


def celery_app(settings: CalendarSyncSettings):
    app = create_celery_app("calendar-sync", settings)
    connector_tasks.register(app, settings)
    sync_tasks.register(app, settings)
    cleanup_tasks.register(app, settings)  # deletes past private appointments where a connector asks for it
    notification_tasks.register(app, settings)
    attachment_tasks.register(app, settings)
    return app
