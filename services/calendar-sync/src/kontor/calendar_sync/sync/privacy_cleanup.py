"""The optional job that deletes past private appointments from the CRM.

Off by default; a connector turns it on with ``delete_private_after_days`` = N (1-3650). Once a day (Celery
beat) every such connector's private appointments that ended more than N days ago are deleted in the CRM:

* which: private, not already deleted, ended before ``now - N days`` (a series: its last occurrence ended,
  so an endless series never goes); for a personal connector its user's own, for an other calendar the
  ones mapped to that mailbox (their owner is the registering manager, whose own are not its business);
* how: through the appointments domain (deleted like any deletion: resource bookings freed, the
  ``AppointmentDeleted`` event published); their mappings, to every mailbox, become ``deleted`` tombstones
  and waiting pushes for them are dropped;
* the groupware is **not** touched, whatever the deletion policy: the user's Outlook keeps its private
  appointments. The tombstones keep those copies from coming back into the CRM at the next (or a full)
  sync, and stop the outbound side from turning the CRM deletion into a groupware deletion.

A run is idempotent, and each connector is handled in its own transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.db import Database

from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.connectors.models import ConnectorSettings, ConnectorTenant
from kontor.calendar_sync.sync import crm, state
from kontor.calendar_sync.sync.models import PendingPush, SyncMapping

log = logging.getLogger(__name__)

BATCH = 500  # appointments per connector and run; the rest goes next time


def cutoff_of(connector: ConnectorSettings, now: datetime) -> datetime:
    return now - timedelta(days=connector.delete_private_after_days)


async def past_private(session: AsyncSession, connector: ConnectorSettings, now: datetime) -> list[Appointment]:
    cutoff = cutoff_of(connector, now)
    ended = or_(and_(Appointment.rrule.is_(None), Appointment.ends_at < cutoff),
                and_(Appointment.rrule.is_not(None), Appointment.series_ends_at.is_not(None),
                     Appointment.series_ends_at < cutoff))
    query = select(Appointment).where(Appointment.private, Appointment.deleted_at.is_(None), ended)
    if connector.kind == "personal":
        query = query.where(Appointment.owner_id == connector.user_id)
    else:
        query = query.where(Appointment.id.in_(select(SyncMapping.appointment_id).where(
            SyncMapping.connector_id == connector.id)))
    return list((await session.scalars(query.order_by(Appointment.ends_at, Appointment.id).limit(BATCH)
                                       .with_for_update(skip_locked=True))).all())


async def clean_connector(session: AsyncSession, connector: ConnectorSettings, now: datetime) -> int:
    """Delete the connector's past private appointments in the CRM only; returns how many."""
    gone = await past_private(session, connector, now)
    for appointment in gone:
        await crm.delete(session, connector, appointment)
    ids = [a.id for a in gone]
    if ids:
        # Tombstones, not removals: the groupware copy must neither come back nor be deleted by the push side.
        await session.execute(update(SyncMapping).where(SyncMapping.appointment_id.in_(ids),
                                                        SyncMapping.state == "live")
                              .values(state="deleted", ended_at=now))
        await session.execute(delete(PendingPush).where(PendingPush.appointment_id.in_(ids)))
        state.log(session, connector.id, "private_cleanup", f"{len(ids)} past private appointment(s) that ended "
                  f"before {cutoff_of(connector, now).date().isoformat()} deleted in the CRM (the groupware keeps "
                  "its copies)")
    return len(ids)


async def run(db: Database, *, now: datetime | None = None) -> int:
    """One run over every tenant; returns the number of appointments deleted."""
    now = now or state.now()
    async with db.unit_of_work(None) as session:
        tenants = (await session.scalars(select(ConnectorTenant.tenant_id).order_by(ConnectorTenant.tenant_id))).all()
    total = 0
    for tenant_id in tenants:
        async with db.unit_of_work(tenant_id) as session:
            connector_ids = (await session.scalars(select(ConnectorSettings.id).where(
                ConnectorSettings.delete_private_after_days > 0).order_by(ConnectorSettings.id))).all()
        for connector_id in connector_ids:
            try:
                async with db.unit_of_work(tenant_id) as session:
                    connector = await session.get(ConnectorSettings, connector_id)
                    if connector is not None and connector.delete_private_after_days > 0:
                        total += await clean_connector(session, connector, now)
            except Exception as exc:  # noqa: BLE001 - one connector's trouble does not stop the others
                log.warning("private cleanup failed", extra={"connector_id": str(connector_id),
                                                             "error": type(exc).__name__})
    return total


__all__ = ["clean_connector", "cutoff_of", "past_private", "run"]
