"""Entry point: ``kontor-calendar-sync serve | migrate | worker | beat | reseal-credentials``."""

from pathlib import Path

from kontor.platform.runtime import ServiceDefinition, main as run_main

from kontor.calendar_sync import grpc_api
from kontor.calendar_sync.connectors.cli import RESEAL
from kontor.calendar_sync.settings import CalendarSyncSettings
from kontor.calendar_sync.tasks import celery_app

DEFINITION = ServiceDefinition(
    name="calendar-sync",
    settings_cls=CalendarSyncSettings,
    migrations_dir=Path(__file__).resolve().parents[3] / "migrations",
    title="Kontor calendar sync",
    description="CRM calendar and two-way appointment sync with Exchange/365, Google and Domino.",
    register_grpc=grpc_api.register_all,
    on_stop=grpc_api.close,
    publishes=("calendar",),
    celery=celery_app,
    commands={"reseal-credentials": RESEAL},
)


def main() -> int:
    return run_main(DEFINITION)
