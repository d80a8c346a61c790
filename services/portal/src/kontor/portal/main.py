"""Entry point: ``kontor-portal serve | migrate``."""

from pathlib import Path

from kontor.platform.runtime import ServiceDefinition, main as run_main

from kontor.portal.pages import router as pages
from kontor.portal.settings import PortalSettings

DEFINITION = ServiceDefinition(
    name="portal",
    settings_cls=PortalSettings,
    migrations_dir=Path(__file__).resolve().parents[3] / "migrations",
    title="Kontor customer portal",
    description="Clients see only their own projects, time reports and invoices.",
    http_routers=lambda rt: [pages.router()],
)


def main() -> int:
    return run_main(DEFINITION)
