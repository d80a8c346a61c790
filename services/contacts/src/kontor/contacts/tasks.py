"""Celery tasks of the contacts service (the platform's housekeeping, substitution boundaries)."""

from kontor.platform.celery_app import create_celery_app

from kontor.contacts.settings import ContactsSettings
from kontor.contacts.substitution import tasks as substitution_tasks


def celery_app(settings: ContactsSettings):
    app = create_celery_app("contacts", settings)
    substitution_tasks.register(app, settings.database_url.get_secret_value())
    return app
