"""Entry point: ``kontor-contacts serve | migrate | worker | beat``."""

from pathlib import Path

from kontor.platform.runtime import ServiceDefinition, main as run_main

from kontor.contacts import grpc_api
from kontor.contacts.access import events as access_events
from kontor.contacts.identity.cli import CREATE_TENANT
from kontor.contacts.imports.cli import IMPORT
from kontor.contacts.settings import ContactsSettings
from kontor.contacts.traces import events as trace_events
from kontor.contacts.tasks import celery_app

DEFINITION = ServiceDefinition(
    name="contacts",
    settings_cls=ContactsSettings,
    migrations_dir=Path(__file__).resolve().parents[3] / "migrations",
    title="Kontor contacts",
    description="Companies, contact persons, employees, rights and access.",
    register_grpc=lambda server, rt: grpc_api.register_all(server, rt.db),
    publishes=("contacts",),
    consumers=lambda rt: [access_events.consumer(), trace_events.consumer()],
    celery=celery_app,
    commands={"create-tenant": CREATE_TENANT, "import": IMPORT},
)


def main() -> int:
    return run_main(DEFINITION)
