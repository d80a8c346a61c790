"""Celery tasks of the contacts service (for now: the platform's housekeeping)."""

from kontor.platform.celery_app import create_celery_app

from kontor.contacts.settings import ContactsSettings


def celery_app(settings: ContactsSettings):
    return create_celery_app("contacts", settings)
