"""Celery tasks of the importer (registered by ``kontor.mail_import.tasks``):

* ``mail-import.imports.tick`` (beat, every ``import_tick_s``): claims due accounts (``due.py``) and queues
  one ``run_account`` per account;
* ``mail-import.imports.run_account(tenant_id, account_id, retry_busy=False)``: one round
  (``runner.import_account``). "Import now" (``ImportTrigger``) sets ``retry_busy``: an account whose round
  is running comes back shortly instead of being dropped.

Rounds ask contacts as the account's user (``identity.py``) with tokens from the gateway; without
GATEWAY_ADDR / SERVICE_SECRET mail is stored unfiled (a warning, once per worker).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

from celery import Celery

from kontor.platform import blobs as blob_stores
from kontor.platform import grpc_client
from kontor.platform.db import Database
from kontor.platform.delegation import DelegatedTokens, TokenCache
from kontor.platform.secrets_box import box_from_settings

from kontor.mail_import.contacts_client import ContactsClient
from kontor.mail_import.imports import due
from kontor.mail_import.imports.identity import CLIENT
from kontor.mail_import.imports.runner import Importer, import_account

log = logging.getLogger(__name__)

TICK = "mail-import.imports.tick"
RUN_ACCOUNT = due.RUN_ACCOUNT
MAX_BUSY_RETRIES = 30
BUSY_RETRY_S = 10.0


def token_cache(settings) -> TokenCache | None:
    if settings.gateway_addr and settings.service_secret.get_secret_value():
        return TokenCache()
    log.warning("background identity not configured (KONTOR_MAIL_IMPORT_GATEWAY_ADDR, "
                "KONTOR_MAIL_IMPORT_SERVICE_SECRET): imported mail is stored unfiled")
    return None


@contextlib.asynccontextmanager
async def importer_for(settings, box, cache: TokenCache | None) -> AsyncIterator[Importer]:
    """An Importer for one task's event loop (database pool, blob store and gRPC channels belong to it)."""
    db = Database(settings.database_url.get_secret_value(), pool_size=2)
    store = blob_stores.store_from_settings(settings)
    contacts = ContactsClient.connect(settings.contacts_addr, timeout_s=settings.upstream_timeout_s) \
        if settings.contacts_addr and cache is not None else None
    gateway = grpc_client.channel(settings.gateway_addr, default_timeout_s=settings.upstream_timeout_s) \
        if cache is not None else None
    try:
        tokens = DelegatedTokens(gateway, client=CLIENT, secret=settings.service_secret.get_secret_value(),
                                 cache=cache) if gateway is not None else None
        async with _graph_limits(settings) as limits:
            yield Importer(db, settings, box, store, contacts=contacts, tokens=tokens, limits=limits)
    finally:
        if contacts is not None:
            await contacts.close()
        if gateway is not None:
            await gateway.close()
        if store is not None:
            await store.close()
        await db.dispose()


@contextlib.asynccontextmanager
async def _graph_limits(settings) -> AsyncIterator[object | None]:
    """Graph's per-mailbox request budget, shared by every worker through Redis."""
    from kontor.platform.groupware.graph.shared_limits import redis_limits  # noqa: PLC0415

    async with redis_limits(settings.redis_url.get_secret_value()) as limits:
        yield limits


def register(app: Celery, settings) -> None:
    box = box_from_settings(settings)
    cache = token_cache(settings)  # outlives the tasks' event loops: tokens are reused until shortly before expiry
    interval = timedelta(seconds=settings.import_poll_interval_s)
    tick_every = timedelta(seconds=settings.import_tick_s)

    @app.task(name=RUN_ACCOUNT, bind=True, max_retries=MAX_BUSY_RETRIES)
    def run_account(self, tenant_id: str, account_id: str, retry_busy: bool = False) -> str:
        async def run() -> str:
            async with importer_for(settings, box, cache) as importer:
                report = await import_account(importer, tenant_id=uuid.UUID(tenant_id),
                                              account_id=uuid.UUID(account_id))
            return report.outcome

        outcome = asyncio.run(run())
        if outcome == "busy" and retry_busy and self.request.retries < MAX_BUSY_RETRIES:
            raise self.retry(countdown=BUSY_RETRY_S)
        return outcome

    @app.task(name=TICK)
    def tick() -> int:
        async def run() -> list[tuple[uuid.UUID, uuid.UUID]]:
            db = Database(settings.database_url.get_secret_value(), pool_size=1)
            try:
                return await due.claim_due(db, interval=interval)
            finally:
                await db.dispose()

        claimed = asyncio.run(run())
        for tenant_id, account_id in claimed:
            run_account.apply_async(args=[str(tenant_id), str(account_id)])
        return len(claimed)

    # expires: a tick that waited longer than one tick in the queue is dropped; the next one covers it.
    app.conf.beat_schedule.setdefault(TICK, {"task": TICK, "schedule": tick_every,
                                             "options": {"expires": tick_every.total_seconds()}})
