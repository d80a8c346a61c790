"""Entry point: ``kontor-contacts serve | migrate | worker | beat``."""

from pathlib import Path

from kontor.platform.runtime import ServiceDefinition, main as run_main

from kontor.contacts import grpc_api
from kontor.contacts.settings import ContactsSettings
from kontor.contacts.tasks import celery_app

DEFINITION = ServiceDefinition(
    name="contacts",
    settings_cls=ContactsSettings,
    migrations_dir=Path(__file__).resolve().parents[3] / "migrations",
    title="Kontor contacts",
    description="Companies, contact persons, employees, rights and access.",
    register_grpc=lambda server, rt: grpc_api.register_all(server, rt.db),
    publishes=("contacts",),
    celery=celery_app,
)


def main() -> int:
    return run_main(DEFINITION)
