"""Celery tasks of the gateway (the platform's housekeeping, refresh-token cleanup)."""

from kontor.platform.celery_app import create_celery_app

from kontor.gateway.identity.sessions import tasks as session_tasks
from kontor.gateway.settings import GatewaySettings


def celery_app(settings: GatewaySettings):
    app = create_celery_app("gateway", settings)
    session_tasks.register(app, settings)
    return app
