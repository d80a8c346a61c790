"""``kontor-mail-import import --account <id> [--tenant <id>] [--rounds N]``: import rounds in the foreground.

For operators: the first import of a large mailbox, or looking at an account that does not become healthy.
Runs the same rounds as the worker (``runner.import_account``: the advisory lock keeps it from running
beside a worker's round of the same account, which answers "busy"), shows a progress bar (messages done of
the folder's total, messages per second) and prints each round's reconciliation. Exit code 0 when the last
round ended healthy, 1 otherwise, 2 when the account does not exist.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from kontor.platform.db import Database
from kontor.platform.runtime import Command
from kontor.platform.secrets_box import box_from_settings

from kontor.mail_import.accounts.models import MailAccount, MailTenant
from kontor.mail_import.imports.round import RoundReport


async def find_tenant(db: Database, account_id: uuid.UUID) -> uuid.UUID | None:
    """The tenant of an account (accounts are only visible inside their tenant: look in each)."""
    async with db.unit_of_work(None) as session:
        tenants = list(await session.scalars(select(MailTenant.tenant_id)))
    for tenant_id in tenants:
        async with db.unit_of_work(tenant_id) as session:
            if await session.scalar(select(MailAccount.id).where(MailAccount.id == account_id)) is not None:
                return tenant_id
    return None


class _Bar:
    """A rich progress bar: messages done of the folder's total, messages per second."""

    def __init__(self) -> None:
        self._started = time.monotonic()
        self._task = None
        self._progress = Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(),
                                  TextColumn("{task.fields[rate]:.1f} msgs/s"), TimeElapsedColumn())

    def __enter__(self) -> _Bar:
        self._progress.__enter__()
        self._task = self._progress.add_task("import", total=None, rate=0.0)
        return self

    def __exit__(self, *exc_info) -> None:
        self._progress.__exit__(*exc_info)

    def update(self, report: RoundReport) -> None:
        stored = report.imported + report.referenced + report.quarantined
        rate = stored / max(time.monotonic() - self._started, 1e-6)
        self._progress.update(self._task, completed=report.progress_done, total=report.progress_total or None,
                              rate=rate)


def describe(report: RoundReport) -> str:
    lines = [f"outcome: {report.outcome}   state: {report.state or '-'}"
             + (f"   error: {report.error}" if report.error else ""),
             f"this round: {report.imported} new mails, {report.referenced} already in the CRM from another "
             f"mailbox, {report.quarantined} quarantined, {report.skipped} already stored, {report.remapped} "
             f"remapped, {report.gone} gone" + ("   (the server forgot the cursor: read again)"
                                              if report.cursor_expired else "")]
    if report.unfiled:
        lines.append(f"{report.unfiled} mails stored unfiled (matching unavailable; re-matched later)")
    rec = report.reconciliation
    if rec is not None:
        lines.append(f"reconciliation: folder {rec.folder_count} = imported {rec.imported_count} + quarantined "
                     f"{rec.quarantined_count} + gap {rec.gap}")
    return "\n".join(lines)


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--account", required=True, type=uuid.UUID, help="the mail account's id")
    parser.add_argument("--tenant", type=uuid.UUID, default=None,
                        help="its tenant's id (found by looking through the tenants when left out)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds to run one after the other (default 1)")


def _run(args: argparse.Namespace, settings) -> int:
    from kontor.mail_import.imports.runner import import_account  # noqa: PLC0415 - celery etc. only for this command
    from kontor.mail_import.imports.tasks import importer_for, token_cache  # noqa: PLC0415

    async def run() -> int:
        tenant_id = args.tenant
        if tenant_id is None:
            db = Database(settings.database_url.get_secret_value(), pool_size=1)
            try:
                tenant_id = await find_tenant(db, args.account)
            finally:
                await db.dispose()
            if tenant_id is None:
                print(f"mail account {args.account} not found")
                return 2
        report: RoundReport | None = None
        async with importer_for(settings, box_from_settings(settings), token_cache(settings)) as importer:
            for number in range(1, max(args.rounds, 1) + 1):
                with _Bar() as bar:
                    report = await import_account(importer, tenant_id=tenant_id, account_id=args.account,
                                                  on_progress=bar.update)
                print(f"round {number}:\n{describe(report)}", flush=True)
                if report.outcome == "skipped":
                    print(f"mail account {args.account} not found in tenant {tenant_id}")
                    return 2
                if report.outcome in ("busy", "needs_auth", "disabled"):
                    break
        return 0 if report is not None and report.state == "healthy" else 1

    return asyncio.run(run())


IMPORT = Command(help="run import rounds of one mail account in the foreground, with progress and reconciliation",
                 configure=_configure, run=_run)
