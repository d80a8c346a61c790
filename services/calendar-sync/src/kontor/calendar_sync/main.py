"""Entry point: ``kontor-calendar-sync serve | migrate``."""

from pathlib import Path

from kontor.platform.runtime import ServiceDefinition, main as run_main

from kontor.calendar_sync.settings import CalendarSyncSettings

DEFINITION = ServiceDefinition(
    name="calendar-sync",
    settings_cls=CalendarSyncSettings,
    migrations_dir=Path(__file__).resolve().parents[3] / "migrations",
    title="Kontor calendar sync",
    description="CRM calendar and two-way appointment sync with Exchange/365, Google and Domino.",
    publishes=("calendar",),
)


def main() -> int:
    return run_main(DEFINITION)
