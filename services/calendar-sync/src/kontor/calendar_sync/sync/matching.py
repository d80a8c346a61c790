"""Which CRM appointment a remote event is: by mapping, by the CRM id Kontor wrote into it, by iCalUId.

Order: (1) this mailbox's mapping by remote id, tombstones included (a deleted or unlinked item stays
away); (2) the CRM id from the extended properties, unless this mailbox maps that appointment to another
remote id already (an Outlook copy of an event copies the properties: that one is new); (3) the iCalUId
(a series: its master's) across every mailbox of the tenant, so one meeting in five mailboxes is one
appointment. A CRM id or iCalUId that leads to a deleted appointment marks the event as deleted too.

The iCalUId also finds this mailbox's own earlier copy when that one is gone: an event Outlook re-created
with a new id (deleted and made again, re-imported) whose old id this round confirms gone, or whose old
mapping was already ended while its appointment lives on (unlinked). That is the same meeting, so it is
re-mapped to the existing appointment ("remapped") instead of becoming a duplicate; only a deleted
appointment stays deleted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.providers.base import RemoteEvent
from kontor.calendar_sync.sync.models import SyncMapping


def identity(event: RemoteEvent) -> str | None:
    return event.series_ical_uid or event.ical_uid


# session.info key: {(connector id, remote id): mapping or None} a round read in bulk (sync/batch.py), each answered once, so
# a mapping made or moved later in the round is read from the database.
PRELOADED = "kontor.calendar_sync.preloaded_mappings"


async def by_remote(session: AsyncSession, connector_id: uuid.UUID, remote_id: str) -> SyncMapping | None:
    preloaded = session.info.get(PRELOADED)
    if preloaded and (connector_id, remote_id) in preloaded:
        return preloaded.pop((connector_id, remote_id))
    return await session.scalar(select(SyncMapping).where(SyncMapping.connector_id == connector_id,
                                                          SyncMapping.remote_id == remote_id))


async def live_for(session: AsyncSession, connector_id: uuid.UUID, appointment_id: uuid.UUID) -> SyncMapping | None:
    return await session.scalar(select(SyncMapping).where(
        SyncMapping.connector_id == connector_id, SyncMapping.appointment_id == appointment_id,
        SyncMapping.state == "live"))


@dataclass(frozen=True)
class Match:
    appointment: Appointment | None
    how: str  # "" (new) | "crm_id" | "ical_uid" | "remapped" | "deleted"
    # "remapped" from a live mapping of this mailbox whose remote item is gone: move it to the new id.
    mapping: SyncMapping | None = None


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def crm_id_of(event: RemoteEvent) -> uuid.UUID | None:
    """The CRM id Kontor wrote into the event, unless it came with a copy from another origin."""
    return None if event.extra.get("foreign_origin") else _uuid(event.crm_id)


async def find(session: AsyncSession, connector_id: uuid.UUID, event: RemoteEvent,
               gone: frozenset[str] = frozenset()) -> Match:
    """``gone``: remote ids of this mailbox that the current round confirmed are no longer there."""
    crm_id = crm_id_of(event)
    if crm_id is not None:
        appointment = await session.get(Appointment, crm_id)
        if appointment is not None:
            if appointment.deleted_at is not None:
                return Match(appointment, "deleted")
            if await live_for(session, connector_id, appointment.id) is None:
                return Match(appointment, "crm_id")
    uid = identity(event)
    if uid:
        rows = (await session.execute(
            select(SyncMapping, Appointment).join(Appointment, Appointment.id == SyncMapping.appointment_id)
            .where(SyncMapping.ical_uid == uid).order_by(SyncMapping.synced_at))).all()
        alive = [(m, a) for m, a in rows if a.deleted_at is None]
        own = [(m, a) for m, a in alive if m.connector_id == connector_id]
        replaced = [(m, a) for m, a in own if m.state == "live" and m.remote_id in gone]
        if replaced:  # checked first: the old copy's removal would otherwise delete the appointment
            return Match(replaced[-1][1], "remapped", replaced[-1][0])
        live = [a for m, a in alive if m.state == "live" and m.connector_id != connector_id]
        if live:
            return Match(live[0], "ical_uid")
        ended = [a for m, a in own if m.state != "live"]
        if ended:
            return Match(ended[-1], "remapped")
        if any(a.deleted_at is not None for _, a in rows):
            return Match(rows[0][1], "deleted")
    return Match(None, "")
