"""Reconciliation after a round: does every message of the import folder have a reference or a quarantine entry?

    folder_count = messages in the folder now (provider ``count(with_refs=True)``)
    imported     = of them, refs with a MailboxReference of this (account, folder)
    quarantined  = of them, refs with a quarantine entry (and no reference)
    gap          = folder_count - imported - quarantined

Refs stored but no longer in the folder are marked gone (the mail stays in the CRM). A gap > 0 is the state
"gap" and a log line with the count; only a round whose reconciliation finds no gap is "healthy".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.db import Database

from kontor.mail_import.imports import health, store
from kontor.mail_import.imports.models import QuarantinedMessage
from kontor.mail_import.mails.models import MailboxReference
from kontor.mail_import.providers.base import MailProvider


@dataclass(frozen=True)
class Reconciliation:
    folder_count: int
    imported_count: int
    quarantined_count: int
    gap: int
    gone: int  # refs marked gone by this reconciliation

    @property
    def complete(self) -> bool:
        return self.gap == 0


async def _live_refs(session: AsyncSession, model, account_id: uuid.UUID, folder_id: str) -> set[str]:
    return set((await session.scalars(select(model.ref).where(
        model.account_id == account_id, model.folder_id == folder_id, model.gone_at.is_(None)))).all())


def tally(folder_refs: frozenset[str] | set[str], referenced: set[str], quarantined: set[str]) -> tuple[int, int, int]:
    """(imported, quarantined, gap) of the refs in the folder."""
    imported = len(folder_refs & referenced)
    held = len(folder_refs & (quarantined - referenced))
    return imported, held, len(folder_refs) - imported - held


async def reconcile(db: Database, provider: MailProvider, *, tenant_id: uuid.UUID, account_id: uuid.UUID,
                    folder_id: str, at: datetime | None = None) -> Reconciliation:
    """Counts the folder against what is stored, marks refs that left it gone, and stores the counts."""
    at = at or health.now()
    count = await provider.count(folder_id, with_refs=True)
    async with db.unit_of_work(tenant_id) as session:
        referenced = await _live_refs(session, MailboxReference, account_id, folder_id)
        quarantined = await _live_refs(session, QuarantinedMessage, account_id, folder_id)
        if count.refs is None:  # the provider cannot list refs: trust what is stored, count only
            imported, held = len(referenced), len(quarantined - referenced)
            result = Reconciliation(count.total, imported, held, max(count.total - imported - held, 0), 0)
        else:
            gone = await store.mark_gone(session, account_id, folder_id,
                                         (referenced | quarantined) - count.refs, at)
            imported, held, gap = tally(count.refs, referenced, quarantined)
            result = Reconciliation(len(count.refs), imported, held, gap, gone)
        row = await health.state_of(session, tenant_id=tenant_id, account_id=account_id, lock=True)
        row.folder_count, row.imported_count = result.folder_count, result.imported_count
        row.quarantined_count, row.gap, row.reconciled_at = result.quarantined_count, result.gap, at
    return result


async def stored_count(session: AsyncSession, account_id: uuid.UUID, folder_id: str) -> int:
    """References and quarantine entries of the folder not marked gone (progress of a resumed round)."""
    total = 0
    for model in (MailboxReference, QuarantinedMessage):
        total += await session.scalar(select(func.count()).select_from(model).where(
            model.account_id == account_id, model.folder_id == folder_id, model.gone_at.is_(None))) or 0
    return total
