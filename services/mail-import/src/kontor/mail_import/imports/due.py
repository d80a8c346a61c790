"""Which accounts beat starts a round for, and "import now".

Beat's tick (``tasks.py``) claims due accounts tenant by tenant (``mail_tenants`` lists them; each tenant is
read under row-level security) with ``SELECT ... FOR UPDATE SKIP LOCKED`` on ``mail_import_states``, marks
each claim (``retry_at`` = now + CLAIM, so the next tick does not queue it again while the task waits), and
queues one task per account. A lost task only delays the account until its claim expires. One round per
account at a time is the advisory lock's job (``round.account_lock``); a claim is only an economy.

Due: never_synced; healthy or gap whose last attempt is older than the poll interval; throttled or failing
whose ``retry_at`` passed; importing whose attempt is older than LEASE (a dead worker); an account switched
on or off since its last round. needs_auth waits for the account to be connected again or "import now".
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import and_, literal, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.db import Database

from kontor.mail_import.accounts.models import MailAccount, MailTenant
from kontor.mail_import.imports import health
from kontor.mail_import.imports.models import ImportState

log = logging.getLogger(__name__)

CLAIM = timedelta(minutes=10)
RUN_ACCOUNT = "mail-import.imports.run_account"  # args: tenant id, account id (strings), retry_busy (bool)


def due_condition(now: datetime, interval: timedelta):
    not_claimed = or_(ImportState.retry_at.is_(None), ImportState.retry_at <= now)
    live = MailAccount.deleted_at.is_(None)
    switched = or_(and_(MailAccount.enabled, ImportState.state == "disabled"),
                   and_(~MailAccount.enabled, ImportState.state != "disabled"))
    return and_(live, not_claimed, or_(
        switched,
        and_(MailAccount.enabled, or_(
            ImportState.state == "never_synced",
            ImportState.state.in_(("throttled", "failing")),
            and_(ImportState.state.in_(("healthy", "gap")),
                 or_(ImportState.last_attempt_at.is_(None), ImportState.last_attempt_at <= now - interval)),
            and_(ImportState.state == "importing",
                 or_(ImportState.last_attempt_at.is_(None), ImportState.last_attempt_at <= now - health.LEASE)),
        )),
    ))


async def claim_in_tenant(session: AsyncSession, tenant_id: uuid.UUID, *, now: datetime, interval: timedelta,
                          limit: int) -> list[uuid.UUID]:
    # Accounts that never had a round get their state row first, so one query (and one lock) covers all.
    await session.execute(insert(ImportState).from_select(
        ["tenant_id", "account_id", "folder_id", "state", "version"],
        select(MailAccount.tenant_id, MailAccount.id, literal(""), literal("never_synced"), literal(1)).where(
            MailAccount.tenant_id == tenant_id, MailAccount.deleted_at.is_(None)))
        .on_conflict_do_nothing(index_elements=[ImportState.account_id]))
    rows = list(await session.scalars(
        select(ImportState).join(MailAccount, MailAccount.id == ImportState.account_id)
        .where(ImportState.tenant_id == tenant_id, due_condition(now, interval))
        .order_by(ImportState.last_attempt_at.asc().nulls_first(), ImportState.account_id)
        .limit(limit).with_for_update(of=ImportState, skip_locked=True)))
    for row in rows:
        row.retry_at = now + CLAIM
    return [row.account_id for row in rows]


async def claim_due(db: Database, *, interval: timedelta, now: datetime | None = None,
                    limit: int = 200) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(tenant id, account id) of every due account, claimed; at most ``limit`` in all per tick."""
    now = now or health.now()
    async with db.unit_of_work(None) as session:
        tenants = list(await session.scalars(select(MailTenant.tenant_id).order_by(MailTenant.tenant_id)))
    claimed: list[tuple[uuid.UUID, uuid.UUID]] = []
    for tenant_id in tenants:
        if len(claimed) >= limit:
            break
        async with db.unit_of_work(tenant_id) as session:
            ids = await claim_in_tenant(session, tenant_id, now=now, interval=interval, limit=limit - len(claimed))
        claimed.extend((tenant_id, account_id) for account_id in ids)
    return claimed


class ImportTrigger:
    """Queues ``RUN_ACCOUNT`` on mail-import's Celery queue from the gRPC server (a Redis publish, off the loop)."""

    def __init__(self, broker_url: str, queue: str = "mail-import") -> None:
        self._broker_url, self._queue = broker_url, queue
        self._app = None

    def _celery(self):
        if self._app is None:
            from celery import Celery  # noqa: PLC0415 - only processes that trigger rounds need it

            self._app = Celery("mail-import-trigger", broker=self._broker_url)
            self._app.conf.update(task_ignore_result=True, broker_connection_retry_on_startup=True)
        return self._app

    def _send(self, tenant_id: uuid.UUID, account_id: uuid.UUID) -> None:
        self._celery().send_task(RUN_ACCOUNT, args=[str(tenant_id), str(account_id), True], queue=self._queue)

    async def request(self, tenant_id: uuid.UUID, account_id: uuid.UUID) -> bool:
        """Queue a round now; False when the broker is unreachable."""
        try:
            await asyncio.to_thread(self._send, tenant_id, account_id)
            return True
        except Exception as exc:  # noqa: BLE001 - the caller reports it; beat still runs the account later
            log.warning("could not queue an import round", extra={"account_id": str(account_id),
                                                                  "error": type(exc).__name__})
            return False
