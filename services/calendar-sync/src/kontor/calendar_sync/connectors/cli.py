"""``kontor-calendar-sync reseal-credentials``: re-encrypt every stored credential with the newest key.

Key rotation: put a new key first in KONTOR_CALENDAR_SYNC_SECRET_KEYS (keep the old ones after it), roll
the service, run this command, then drop the old keys. It visits one tenant at a time under row-level
security, changes only values sealed with an older key, and reports values no configured key opens
(without stopping: those servers need their credentials entered again).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid
from collections.abc import Iterable

from sqlalchemy import select

from kontor.platform.db import Database
from kontor.platform.runtime import Command
from kontor.platform.secrets_box import SecretBox, SecretUnreadable, box_from_settings

from kontor.calendar_sync.connectors.models import ConnectorTenant, ServerCredential
from kontor.calendar_sync.connectors.service import CREDENTIAL_PURPOSE


async def reseal_all(db: Database, box: SecretBox, *, tenant_ids: Iterable[uuid.UUID] | None = None) -> dict:
    """Counts of credentials resealed, already current and unreadable (with the server ids of the last)."""
    if tenant_ids is None:
        async with db.unit_of_work(None) as session:
            tenant_ids = (await session.scalars(select(ConnectorTenant.tenant_id)
                                                .order_by(ConnectorTenant.tenant_id))).all()
    report: dict = {"resealed": 0, "current": 0, "unreadable": []}
    for tenant_id in tenant_ids:
        async with db.unit_of_work(tenant_id) as session:
            for row in (await session.scalars(select(ServerCredential).with_for_update())).all():
                if not box.needs_rotation(row.sealed):
                    report["current"] += 1
                    continue
                try:
                    row.sealed = box.rotate(row.sealed, tenant_id=row.tenant_id, record_id=row.server_id,
                                            purpose=CREDENTIAL_PURPOSE.format(kind=row.kind))
                except SecretUnreadable:
                    report["unreadable"].append(str(row.server_id))
                    continue
                report["resealed"] += 1
    return report


def _configure(parser: argparse.ArgumentParser) -> None:
    del parser  # no options: every tenant, every credential


def _run(args: argparse.Namespace, settings) -> int:
    async def run() -> dict:
        db = Database(settings.database_url.get_secret_value(), pool_size=1)
        try:
            return await reseal_all(db, box_from_settings(settings))
        finally:
            await db.dispose()

    report = asyncio.run(run())
    print(json.dumps(report))
    return 1 if report["unreadable"] else 0


RESEAL = Command(help="re-encrypt every stored groupware credential with the newest of SECRET_KEYS",
                 configure=_configure, run=_run)
