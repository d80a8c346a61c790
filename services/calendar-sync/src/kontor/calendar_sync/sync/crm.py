"""The engine's writes to the CRM calendar, through the appointments domain's own service functions.

The engine acts for a connector: its principal names the connector (``calendar-sync:<id>``), and its sight
sees every record, because what it writes came from the mailbox owner's own calendar. The appointments
domain still validates every value and strips a private appointment's details itself.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal
from kontor.platform.contacts_access import Sight

from kontor.calendar_sync.appointments import service as appointments
from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.appointments.schemas import OverrideData
from kontor.calendar_sync.connectors.models import ConnectorSettings


class EngineSight(Sight):
    """Sees everything: the engine imports a user's own calendar and asks contacts nothing."""

    def __init__(self) -> None:  # no channel to contacts
        self._answers, self._lists = {}, {}

    async def sees_everything(self) -> bool:
        return True

    async def load(self) -> None:
        return None

    async def confirms(self, record_type: str, record_id: uuid.UUID) -> bool:
        return True

    async def sees(self, record_type: str, record_id: uuid.UUID) -> bool:
        return True


SIGHT = EngineSight()


def principal(connector: ConnectorSettings) -> Principal:
    return Principal(subject=f"calendar-sync:{connector.id}", tenant_id=connector.tenant_id, roles=("service",))


# session.info key: appointments a round read (and locked) in bulk, each answered once (sync/batch.py).
PRELOADED = "kontor.calendar_sync.preloaded_appointments"


async def load(session: AsyncSession, appointment_id: uuid.UUID | None, *, lock: bool = False) -> Appointment | None:
    if appointment_id is None:
        return None
    preloaded = session.info.get(PRELOADED)
    if preloaded and appointment_id in preloaded:  # read with FOR UPDATE already; later loads ask the database
        return preloaded.pop(appointment_id)
    query = select(Appointment).where(Appointment.id == appointment_id)
    return await session.scalar(query.with_for_update() if lock else query)


async def create_many(session: AsyncSession, connector: ConnectorSettings,
                      values: list[dict[str, Any]]) -> list[Appointment]:
    """``create`` for many (a first sync): the domain's checks and events, one INSERT round."""
    return await appointments.create_appointments(session, principal=principal(connector), sight=SIGHT,
                                                  values=[{"owner_id": connector.user_id, **v} for v in values])


async def create(session: AsyncSession, connector: ConnectorSettings, values: dict[str, Any]) -> Appointment:
    return await appointments.create_appointment(session, principal=principal(connector), sight=SIGHT,
                                                 values={"owner_id": connector.user_id, **values})


async def update(session: AsyncSession, connector: ConnectorSettings, appointment: Appointment,
                 changes: dict[str, Any]) -> Appointment:
    if not changes:
        return appointment
    presented = await appointments.update_appointment(
        session, principal=principal(connector), sight=SIGHT, appointment_id=appointment.id,
        expected_version=appointment.version, changes=changes)
    return presented.appointment


async def delete(session: AsyncSession, connector: ConnectorSettings, appointment: Appointment) -> None:
    await appointments.delete_appointment(session, principal=principal(connector), sight=SIGHT,
                                          appointment_id=appointment.id, expected_version=appointment.version)


async def override_occurrence(session: AsyncSession, connector: ConnectorSettings, appointment: Appointment,
                              data: dict[str, Any]) -> Appointment:
    """One changed occurrence (``OverrideData`` input; the domain drops a private series' details itself)."""
    presented = await appointments.override_occurrence(
        session, principal=principal(connector), sight=SIGHT, appointment_id=appointment.id,
        expected_version=appointment.version, data=OverrideData(**data))
    return presented.appointment


async def cancel_occurrence(session: AsyncSession, connector: ConnectorSettings, appointment: Appointment,
                            recurrence_id: datetime) -> Appointment:
    presented = await appointments.cancel_occurrence(
        session, principal=principal(connector), sight=SIGHT, appointment_id=appointment.id,
        expected_version=appointment.version, recurrence_id=recurrence_id)
    return presented.appointment


async def restore_occurrence(session: AsyncSession, connector: ConnectorSettings, appointment: Appointment,
                             recurrence_id: datetime) -> Appointment:
    presented = await appointments.restore_occurrence(
        session, principal=principal(connector), sight=SIGHT, appointment_id=appointment.id,
        expected_version=appointment.version, recurrence_id=recurrence_id)
    return presented.appointment


async def set_participation(session: AsyncSession, connector: ConnectorSettings, appointment: Appointment,
                            user_id: uuid.UUID, *, present: bool) -> Appointment:
    """Add (or remove) an employee as a participant: one meeting in several mailboxes is one appointment."""
    if appointment.private or appointment.owner_id == user_id:
        return appointment
    others = [p for p in appointment.participants if not (p["kind"] == "employee" and p["id"] == str(user_id))]
    if present == (len(others) != len(appointment.participants)):
        return appointment
    wanted = [*others, {"kind": "employee", "id": str(user_id), "status": "accepted"}] if present else others
    return await update(session, connector, appointment, {"participants": wanted})
