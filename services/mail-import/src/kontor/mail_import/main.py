"""Entry point: ``kontor-mail-import serve | migrate | worker | beat | import``."""

from pathlib import Path

from kontor.platform.runtime import ServiceDefinition, main as run_main

from kontor.mail_import import grpc_api
from kontor.mail_import.accounts.cli import RESEAL
from kontor.mail_import.imports.cli import IMPORT
from kontor.mail_import.settings import MailImportSettings
from kontor.mail_import.tasks import celery_app

DEFINITION = ServiceDefinition(
    name="mail-import",
    settings_cls=MailImportSettings,
    migrations_dir=Path(__file__).resolve().parents[3] / "migrations",
    title="Kontor mail import",
    description="Import folders, filter rules, filing mail to CRM records, and the CRM mailbox.",
    register_grpc=grpc_api.register_all,
    on_stop=grpc_api.close,
    publishes=("mail",),
    celery=celery_app,
    commands={"import": IMPORT},
)


def main() -> int:
    return run_main(DEFINITION)
