"""Which mailboxes are due, and one provider client per groupware server for a round of runs.

Every mailbox polls every ``interval``; a new one gets a stable offset inside the interval (``stagger``) and
keeps it, since each run schedules the next one interval later. Mailboxes that are paused, or wait for
re-authorisation while the connector still says so, are not due; throttled and failed ones are due at their
``retry_after``.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from kontor.platform.db import Database
from kontor.platform.groupware.graph.shared_limits import RedisLimits
from kontor.platform.secrets_box import SecretBox

from kontor.calendar_sync.connectors.models import ConnectorSettings, ConnectorTenant, GroupwareServer
from kontor.calendar_sync.connectors.resources import connection_of
from kontor.calendar_sync.connectors.service import open_credentials
from kontor.calendar_sync.providers.base import CalendarProvider, NeedsReauthorisation
from kontor.calendar_sync.sync import engine, state
from kontor.calendar_sync.sync.as_owner import OwnerRounds
from kontor.calendar_sync.sync.models import SyncMailbox

log = logging.getLogger(__name__)

ProviderFactory = Callable[[GroupwareServer, SecretBox], Awaitable[CalendarProvider]]


async def graph_provider(server: GroupwareServer, box: SecretBox, credentials=None,
                         limits: RedisLimits | None = None) -> CalendarProvider:
    """``limits``: the per-mailbox limits shared by every worker (Redis); None counts in this process only."""
    from kontor.calendar_sync.connectors.directory import graph_credentials  # noqa: PLC0415 - msal only when used
    from kontor.calendar_sync.providers.graph import GraphProvider  # noqa: PLC0415
    from kontor.platform.groupware.graph.http import GRAPH_BASE  # noqa: PLC0415

    connection = connection_of(server, credentials)
    authority = f"{server.authority_url}/{server.azure_tenant_id}" if server.authority_url else None
    return GraphProvider(graph_credentials(connection), origin=str(server.tenant_id),
                         base_url=server.base_url or GRAPH_BASE, authority=authority,
                         ca_path=server.ca_bundle_path or None, limits=limits)


async def due_connectors(db: Database, tenant_id: uuid.UUID, now: datetime,
                         interval: timedelta) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(connector id, server id) of the tenant's mailboxes due now; new ones get their staggered slot."""
    async with db.unit_of_work(tenant_id) as session:
        rows = (await session.execute(
            select(ConnectorSettings.id, ConnectorSettings.server_id, ConnectorSettings.needs_reauthorisation,
                   SyncMailbox.state, SyncMailbox.next_poll_at, SyncMailbox.resync_requested)
            .join(GroupwareServer, GroupwareServer.id == ConnectorSettings.server_id)
            .outerjoin(SyncMailbox, SyncMailbox.connector_id == ConnectorSettings.id)
            .where(ConnectorSettings.enabled, GroupwareServer.active, GroupwareServer.deleted_at.is_(None),
                   or_(SyncMailbox.next_poll_at.is_(None), SyncMailbox.next_poll_at <= now)))).all()
        due = []
        for connector_id, server_id, needs_auth, current, next_poll, resync in rows:
            if current is None:  # first sight of this mailbox: its slot in the interval
                row = await state.mailbox_state(session, connector_id)
                row.next_poll_at = now + state.stagger(connector_id, interval)
                if row.next_poll_at > now:
                    continue
            if current == "paused" and not resync:
                continue
            if current == "needs_auth" and needs_auth:
                continue
            due.append((connector_id, server_id))
        return due


async def run_due(db: Database, box: SecretBox, *, now: datetime | None = None,
                  interval: timedelta = engine.DEFAULT_INTERVAL, factory: ProviderFactory | None = None,
                  limit: int = 500, limits: RedisLimits | None = None,
                  owners: OwnerRounds | None = None) -> dict[str, int]:
    """One beat tick: every due mailbox of every tenant, one after another; a failure stays with its mailbox.

    ``owners``: each round runs as its mailbox's owner (attendees resolve through contacts); None: by
    connector mailboxes only."""
    now = now or state.now()
    totals: dict[str, int] = {}
    async with db.unit_of_work(None) as session:
        tenants = (await session.scalars(select(ConnectorTenant.tenant_id).order_by(ConnectorTenant.tenant_id))).all()
    runs = 0
    for tenant_id in tenants:
        providers: dict[uuid.UUID, CalendarProvider] = {}
        try:
            for connector_id, server_id in await due_connectors(db, tenant_id, now, interval):
                if runs >= limit:
                    break
                runs += 1
                try:
                    if server_id not in providers:
                        try:
                            providers[server_id] = await _provider(db, box, tenant_id, server_id, factory,
                                                                   limits=limits)
                        except NeedsReauthorisation as exc:  # no credentials (or refused): needs_auth, not failed
                            report = await engine.cannot_sign_in(db, tenant_id=tenant_id, connector_id=connector_id,
                                                                 exc=exc, now=now)
                            totals[report.outcome] = totals.get(report.outcome, 0) + 1
                            continue
                    async with owner_round(owners, tenant_id=tenant_id, connector_id=connector_id):
                        report = await engine.sync_mailbox(db, providers[server_id], tenant_id=tenant_id,
                                                           connector_id=connector_id, now=now, interval=interval)
                    outcome = report.outcome
                except Exception as exc:  # noqa: BLE001 - e.g. credentials that do not open; next mailbox
                    log.warning("sync run could not start", extra={"connector_id": str(connector_id),
                                                                   "error": type(exc).__name__})
                    outcome = "error"
                totals[outcome] = totals.get(outcome, 0) + 1
        finally:
            for provider in providers.values():
                close = getattr(provider, "aclose", None)
                if close is not None:
                    await close()
    return totals


def owner_round(owners: OwnerRounds | None, *, tenant_id: uuid.UUID, connector_id: uuid.UUID):
    """The round's identity: its owner's, or none (connector mailboxes only)."""
    if owners is None:
        return contextlib.nullcontext(False)
    return owners.round(tenant_id=tenant_id, connector_id=connector_id)


async def _provider(db: Database, box: SecretBox, tenant_id: uuid.UUID, server_id: uuid.UUID,
                    factory: ProviderFactory | None, *, limits: RedisLimits | None = None) -> CalendarProvider:
    async with db.unit_of_work(tenant_id) as session:
        server = await session.get(GroupwareServer, server_id)
        credentials = await open_credentials(session, box, server)
    if factory is not None:
        return await factory(server, box)
    return await graph_provider(server, box, credentials, limits)
