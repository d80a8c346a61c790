"""Entry point: ``kontor-billing serve | migrate | worker | beat``."""

from pathlib import Path

from kontor.platform.runtime import Runtime, ServiceDefinition, main as run_main

from kontor.billing.clients import events as client_events
from kontor.billing.clients import servicer as clients
from kontor.billing.permissions import Permissions
from kontor.billing.settings import BillingSettings
from kontor.billing.tasks import celery_app


async def on_start(rt: Runtime) -> None:
    rt.extras["permissions"] = Permissions.connect(rt.settings)


async def on_stop(rt: Runtime) -> None:
    await rt.extras["permissions"].close()


DEFINITION = ServiceDefinition(
    name="billing",
    settings_cls=BillingSettings,
    migrations_dir=Path(__file__).resolve().parents[3] / "migrations",
    title="Kontor billing",
    description="Client projects, time tracking, rates, invoices and payments.",
    register_grpc=lambda server, rt: clients.register(server, rt.db, rt.extras["permissions"]),
    consumers=lambda rt: [client_events.consumer()],
    publishes=("billing",),
    celery=celery_app,
    on_start=on_start,
    on_stop=on_stop,
)


def main() -> int:
    return run_main(DEFINITION)
