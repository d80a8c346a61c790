"""Keep one Graph subscription per synced mailbox: create, renew before expiry, remove when unwanted.

One pass (Celery beat, ``tasks.py``) per tenant:

* **wanted**: enabled connectors on an active Graph server whose mailbox synced at least once (the
  delta cursor exists, so a notification has a round to trigger), and only while a notification URL is
  configured. Mailboxes waiting for re-authorisation are left alone (they cannot sync anyway);
* **create** for wanted mailboxes without a subscription (Graph validates the URL through the gateway
  during the call);
* **renew** those with less than ``renew_before`` left (``PATCH expirationDateTime``); one Graph no longer
  knows (404) is dropped and created again in the same pass;
* **remove** the rest (connector disabled or removed, server removed, URL unset): ``DELETE`` at Graph, then
  the row. A server whose credentials no longer open cannot be asked; its rows go (the subscriptions
  expire at Graph by themselves, and their notifications find no row).

Network calls happen outside transactions; every row change is its own short unit of work. A failure
stays with its mailbox (logged with the error type only) and the next pass tries again.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from kontor.platform.db import Database
from kontor.platform.groupware.errors import NotFound
from kontor.platform.secrets_box import SecretBox

from kontor.calendar_sync.connectors.models import ConnectorSettings, ConnectorTenant, GroupwareServer
from kontor.calendar_sync.notifications import client_state, graph_api
from kontor.calendar_sync.notifications.models import GraphSubscription
from kontor.calendar_sync.sync import scheduler, state
from kontor.calendar_sync.sync.models import SyncMailbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SubscriptionPolicy:
    notification_url: str  # empty: no subscriptions (every held one is removed)
    lifetime: timedelta = timedelta(minutes=2880)
    renew_before: timedelta = timedelta(minutes=1440)

    @classmethod
    def from_settings(cls, settings) -> SubscriptionPolicy:
        lifetime = timedelta(minutes=settings.graph_subscription_lifetime_min)
        renew_before = timedelta(minutes=settings.graph_subscription_renew_before_min)
        return cls(settings.graph_notification_url, lifetime, min(renew_before, lifetime / 2))


@dataclass(frozen=True)
class Wanted:
    connector_id: uuid.UUID
    server_id: uuid.UUID
    mailbox: str
    azure_tenant_id: str


async def _plan(db: Database, tenant_id: uuid.UUID, policy: SubscriptionPolicy
                ) -> tuple[dict[uuid.UUID, Wanted], set[uuid.UUID], list[GraphSubscription]]:
    """(wanted mailboxes, mailboxes to leave alone, held subscriptions) of a tenant."""
    async with db.unit_of_work(tenant_id) as session:
        rows = (await session.execute(
            select(ConnectorSettings.id, ConnectorSettings.server_id, ConnectorSettings.mailbox,
                   ConnectorSettings.needs_reauthorisation, GroupwareServer.azure_tenant_id)
            .join(GroupwareServer, GroupwareServer.id == ConnectorSettings.server_id)
            .join(SyncMailbox, SyncMailbox.connector_id == ConnectorSettings.id)
            .where(ConnectorSettings.enabled, GroupwareServer.active, GroupwareServer.deleted_at.is_(None),
                   GroupwareServer.provider == "graph", SyncMailbox.last_success_at.is_not(None)))).all()
        held = list((await session.scalars(
            select(GraphSubscription).where(GraphSubscription.tenant_id == tenant_id))).all())
    wanted: dict[uuid.UUID, Wanted] = {}
    leave: set[uuid.UUID] = set()
    for connector_id, server_id, mailbox, needs_auth, azure_tenant_id in rows:
        if needs_auth:
            leave.add(connector_id)
        elif policy.notification_url:
            wanted[connector_id] = Wanted(connector_id, server_id, mailbox, azure_tenant_id)
    return wanted, leave, held


class _Providers:
    """One provider client per server for a pass; ``None`` for a server whose client cannot be made."""

    def __init__(self, db: Database, box: SecretBox, tenant_id: uuid.UUID, factory) -> None:
        self._db, self._box, self._tenant_id, self._factory = db, box, tenant_id, factory
        self._made: dict[uuid.UUID, object | None] = {}

    async def http(self, server_id: uuid.UUID):
        if server_id not in self._made:
            try:
                provider = await scheduler._provider(self._db, self._box, self._tenant_id, server_id,  # noqa: SLF001
                                                     self._factory)
            except Exception as exc:  # noqa: BLE001 - removed server, credentials that do not open
                log.info("no graph client for subscriptions", extra={"server_id": str(server_id),
                                                                     "error": type(exc).__name__})
                provider = None
            self._made[server_id] = provider
        provider = self._made[server_id]
        return getattr(provider, "http", None)  # non-Graph providers have no subscriptions

    async def aclose(self) -> None:
        for provider in self._made.values():
            close = getattr(provider, "aclose", None)
            if close is not None:
                await close()


async def _drop(db: Database, subscription_id: str) -> None:
    async with db.unit_of_work(None) as session:
        await session.execute(delete(GraphSubscription).where(GraphSubscription.id == subscription_id))


async def _create(db: Database, http, tenant_id: uuid.UUID, want: Wanted, policy: SubscriptionPolicy,
                  now: datetime) -> None:
    secret = client_state.new_client_state()
    made = await graph_api.create(http, want.mailbox, notification_url=policy.notification_url,
                                  client_state=secret, expires_at=now + policy.lifetime)
    async with db.unit_of_work(None) as session:
        session.add(GraphSubscription(
            id=made.id, tenant_id=tenant_id, connector_id=want.connector_id, server_id=want.server_id,
            azure_tenant_id=want.azure_tenant_id, client_state_hash=client_state.digest(secret),
            expires_at=made.expires_at))


async def _renew(db: Database, http, held: GraphSubscription, want: Wanted, policy: SubscriptionPolicy,
                 now: datetime) -> bool:
    """Renew; False when Graph no longer knows it (the row is dropped)."""
    try:
        expires_at = await graph_api.renew(http, want.mailbox, held.id, now + policy.lifetime)
    except NotFound:
        await _drop(db, held.id)
        return False
    async with db.unit_of_work(None) as session:
        row = await session.get(GraphSubscription, held.id)
        if row is not None:
            row.expires_at, row.renewed_at = expires_at, now
    return True


async def _remove(db: Database, providers: _Providers, held: GraphSubscription, now: datetime) -> None:
    http = await providers.http(held.server_id)
    if http is not None:
        try:
            # The limiter key only: the connector (and its mailbox address) may be gone.
            await graph_api.delete(http, str(held.server_id), held.id)
        except Exception:
            if held.expires_at > now:
                raise  # kept: the next pass asks Graph again
            # expired anyway: nothing left to delete at Graph
    await _drop(db, held.id)


async def maintain_tenant(db: Database, box: SecretBox, tenant_id: uuid.UUID, policy: SubscriptionPolicy, *,
                          now: datetime | None = None, factory: scheduler.ProviderFactory | None = None
                          ) -> dict[str, int]:
    now = now or state.now()
    wanted, leave, held = await _plan(db, tenant_id, policy)
    totals: dict[str, int] = {}

    def count(outcome: str) -> None:
        totals[outcome] = totals.get(outcome, 0) + 1

    providers = _Providers(db, box, tenant_id, factory)
    try:
        covered: set[uuid.UUID] = set()
        for sub in held:
            want = wanted.get(sub.connector_id)
            try:
                if sub.connector_id in leave:
                    continue
                if want is None or want.server_id != sub.server_id or sub.connector_id in covered:
                    await _remove(db, providers, sub, now)
                    count("removed")
                    continue
                covered.add(sub.connector_id)
                if sub.expires_at - now > policy.renew_before:
                    continue
                http = await providers.http(sub.server_id)
                if http is None:
                    count("failed")
                elif await _renew(db, http, sub, want, policy, now):
                    count("renewed")
                else:
                    covered.discard(sub.connector_id)  # gone at Graph: made again below
                    count("lost")
            except Exception as exc:  # noqa: BLE001 - one mailbox's failure does not stop the pass
                log.warning("graph subscription upkeep failed", extra={"connector_id": str(sub.connector_id),
                                                                      "error": type(exc).__name__})
                count("failed")
        for connector_id, want in wanted.items():
            if connector_id in covered:
                continue
            try:
                http = await providers.http(want.server_id)
                if http is None:
                    count("failed")
                    continue
                await _create(db, http, tenant_id, want, policy, now)
                count("created")
            except Exception as exc:  # noqa: BLE001 - e.g. the webhook failed Graph's validation
                log.warning("graph subscription not created", extra={"connector_id": str(connector_id),
                                                                    "error": type(exc).__name__})
                count("failed")
    finally:
        await providers.aclose()
    return totals


async def maintain(db: Database, box: SecretBox, policy: SubscriptionPolicy, *, now: datetime | None = None,
                   factory: scheduler.ProviderFactory | None = None) -> dict[str, int]:
    """One beat pass over every tenant that registered a server (and every tenant still holding a row)."""
    async with db.unit_of_work(None) as session:
        tenants = set((await session.scalars(select(ConnectorTenant.tenant_id))).all())
        tenants |= set((await session.scalars(select(GraphSubscription.tenant_id).distinct())).all())
    totals: dict[str, int] = {}
    for tenant_id in sorted(tenants):
        for outcome, n in (await maintain_tenant(db, box, tenant_id, policy, now=now, factory=factory)).items():
            totals[outcome] = totals.get(outcome, 0) + n
    return totals
