"""Entry point: ``kontor-mail-import serve | migrate``."""

from pathlib import Path

from kontor.platform.runtime import ServiceDefinition, main as run_main

from kontor.mail_import.settings import MailImportSettings

DEFINITION = ServiceDefinition(
    name="mail-import",
    settings_cls=MailImportSettings,
    migrations_dir=Path(__file__).resolve().parents[3] / "migrations",
    title="Kontor mail import",
    description="Import folders, filter rules, filing mail to CRM records, and the CRM mailbox.",
    publishes=("mail",),
)


def main() -> int:
    return run_main(DEFINITION)
