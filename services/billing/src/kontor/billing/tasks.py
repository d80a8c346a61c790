"""Celery tasks of the billing service (for now: the platform's housekeeping)."""

from kontor.platform.celery_app import create_celery_app

from kontor.billing.settings import BillingSettings


def celery_app(settings: BillingSettings):
    return create_celery_app("billing", settings)
