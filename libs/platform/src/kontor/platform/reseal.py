"""``kontor-<service> reseal-credentials``: re-encrypt every stored credential with the newest key.

Key rotation: put a new key first in KONTOR_<SERVICE>_SECRET_KEYS (keep the old ones after it), roll the
service, run this command, then drop the old keys. It visits one tenant at a time under row-level security,
changes only values sealed with an older key, and reports values no configured key opens (without stopping:
those records need their credentials entered again).

A service describes where it keeps its sealed values (``SealedCredentials``) and registers
``CREDENTIALS.command(help=...)`` under ``reseal-credentials``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from kontor.platform.db import Database
from kontor.platform.runtime import Command
from kontor.platform.secrets_box import SecretBox, SecretUnreadable, box_from_settings


@dataclass(frozen=True)
class SealedCredentials:
    """Where a service keeps sealed credentials, and the resealing of them.

    ``rows`` is a tenant-scoped mapped class with ``tenant_id``, ``kind`` and ``sealed`` columns;
    ``record_id`` names its column the values are bound to (see ``secrets_box.associated_data``);
    ``purpose`` is the purpose they were sealed for, with ``{kind}`` standing for the row's kind.
    ``tenants`` is the column listing every tenant that may have rows (read without a tenant).
    """

    tenants: Any
    rows: type
    record_id: str
    purpose: str

    async def reseal_all(self, db: Database, box: SecretBox, *,
                         tenant_ids: Iterable[uuid.UUID] | None = None) -> dict:
        """Counts of credentials resealed, already current and unreadable (with the record ids of the last)."""
        if tenant_ids is None:
            async with db.unit_of_work(None) as session:
                tenant_ids = (await session.scalars(select(self.tenants).order_by(self.tenants))).all()
        report: dict = {"resealed": 0, "current": 0, "unreadable": []}
        for tenant_id in tenant_ids:
            async with db.unit_of_work(tenant_id) as session:
                for row in (await session.scalars(select(self.rows).with_for_update())).all():
                    if not box.needs_rotation(row.sealed):
                        report["current"] += 1
                        continue
                    record_id = getattr(row, self.record_id)
                    try:
                        row.sealed = box.rotate(row.sealed, tenant_id=row.tenant_id, record_id=record_id,
                                                purpose=self.purpose.format(kind=row.kind))
                    except SecretUnreadable:
                        report["unreadable"].append(str(record_id))
                        continue
                    report["resealed"] += 1
        return report

    def command(self, *, help: str) -> Command:  # noqa: A002 - Command's own word
        """The ``reseal-credentials`` command: prints the report as JSON, exits 1 when some value is unreadable."""

        def configure(parser: argparse.ArgumentParser) -> None:
            del parser  # no options: every tenant, every credential

        def run(args: argparse.Namespace, settings) -> int:
            async def reseal() -> dict:
                db = Database(settings.database_url.get_secret_value(), pool_size=1)
                try:
                    return await self.reseal_all(db, box_from_settings(settings))
                finally:
                    await db.dispose()

            report = asyncio.run(reseal())
            print(json.dumps(report))
            return 1 if report["unreadable"] else 0

        return Command(help=help, configure=configure, run=run)
