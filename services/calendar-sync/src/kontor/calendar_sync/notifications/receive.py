"""Notifications the gateway's webhook received: verify each, ask its mailbox to sync now.

Verification (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks, "Processing the
change notification"): the subscription must be one Kontor holds, its clientState must match the stored
hash (constant time) and, when Graph names its directory, that must be the subscription's server's.
Anything else is ignored and only counted: it may be forged, and the answer to the webhook's caller is the
same either way.

What a verified notification does:

* a change (``created``, ``updated``, ``deleted``) or lifecycle ``missed``: the mailbox syncs now. Many
  notifications for one mailbox make one request; the run reads the delta, so which event changed does
  not matter. :func:`kontor.calendar_sync.sync.now.request_run` marks it due first, so a lost task only
  delays the run to beat's next tick;
* ``subscriptionRemoved``: the row goes (the next upkeep pass subscribes again) and the mailbox syncs
  now, since changes may have been missed meanwhile;
* ``reauthorizationRequired``: the subscription is marked for renewal at the next upkeep pass (a renewal
  re-authorises it).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from kontor.platform.db import Database

from kontor.calendar_sync.connectors.models import ConnectorSettings
from kontor.calendar_sync.notifications import client_state
from kontor.calendar_sync.notifications.models import GraphSubscription
from kontor.calendar_sync.sync import now as sync_now
from kontor.calendar_sync.sync import state

log = logging.getLogger(__name__)

MAX_NOTIFICATIONS = 1000
CHANGE_TYPES = frozenset({"created", "updated", "deleted"})
LIFECYCLE_EVENTS = frozenset({"reauthorizationRequired", "subscriptionRemoved", "missed"})


@dataclass(frozen=True)
class Notification:
    subscription_id: str
    client_state: str
    change_type: str = ""
    lifecycle_event: str = ""
    azure_tenant_id: str = ""


@dataclass(frozen=True)
class RunRequest:
    tenant_id: uuid.UUID
    connector_id: uuid.UUID
    wait_s: float  # a throttled mailbox: queue the run this much later


@dataclass
class Received:
    accepted: int = 0
    ignored: int = 0
    runs: list[RunRequest] = field(default_factory=list)


def _genuine(row: GraphSubscription | None, item: Notification) -> bool:
    if row is None or not client_state.matches(row.client_state_hash, item.client_state):
        return False
    if item.azure_tenant_id and row.azure_tenant_id and item.azure_tenant_id.lower() != row.azure_tenant_id.lower():
        return False
    return item.change_type in CHANGE_TYPES or item.lifecycle_event in LIFECYCLE_EVENTS


async def receive(db: Database, items: list[Notification], *, now: datetime | None = None) -> Received:
    """Verify ``items``; mark the mailboxes they name due. The caller queues ``runs`` after this returns."""
    now = now or state.now()
    result = Received()
    ids = {i.subscription_id for i in items if i.subscription_id}
    to_run: dict[uuid.UUID, uuid.UUID] = {}  # connector -> tenant
    async with db.unit_of_work(None) as session:
        rows = {r.id: r for r in (await session.scalars(
            select(GraphSubscription).where(GraphSubscription.id.in_(ids)))).all()} if ids else {}
        for item in items:
            row = rows.get(item.subscription_id)
            if not _genuine(row, item):
                result.ignored += 1
                continue
            result.accepted += 1
            row.last_notified_at = now
            if item.lifecycle_event == "reauthorizationRequired":
                row.expires_at = min(row.expires_at, now)  # due for the next upkeep pass
                continue
            if item.lifecycle_event == "subscriptionRemoved" and row.id in rows:
                await session.delete(row)
                del rows[row.id]
            to_run[row.connector_id] = row.tenant_id
    if result.ignored:
        log.info("graph notifications ignored", extra={"count": result.ignored})  # never the values
    for connector_id, tenant_id in to_run.items():
        async with db.unit_of_work(tenant_id) as session:
            enabled = await session.scalar(select(ConnectorSettings.enabled).where(ConnectorSettings.id == connector_id))
            if not enabled:
                continue  # disabled or removed meanwhile: upkeep removes its subscription
            wait = await sync_now.request_run(session, connector_id, now=now)
        result.runs.append(RunRequest(tenant_id, connector_id, wait))
    if result.accepted:
        log.info("graph notifications accepted", extra={"count": result.accepted, "runs": len(result.runs)})
    return result
