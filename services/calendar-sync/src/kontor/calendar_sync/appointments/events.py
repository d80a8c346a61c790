"""What appointments publish: calendar.appointment.created / .updated / .deleted.

Only ids, times, zone and flags: never a subject, location, notes, participant or link (events travel far,
and for private appointments those are not even stored).
"""

from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.outbox import add_event
from kontor.protos.events.v1 import calendar_pb2

from kontor.calendar_sync.appointments.models import Appointment

PRODUCER = "calendar-sync"


def _shape(appointment: Appointment) -> dict:
    return {
        "appointment_id": str(appointment.id), "owner_id": str(appointment.owner_id),
        "start": appointment.starts_at.isoformat(), "end": appointment.ends_at.isoformat(),
        "time_zone": appointment.time_zone, "all_day": appointment.all_day, "recurring": bool(appointment.rrule),
        "private": appointment.private, "status": appointment.status, "version": appointment.version,
    }


async def appointment_created(session: AsyncSession, appointment: Appointment) -> None:
    await add_event(session, calendar_pb2.AppointmentCreated(**_shape(appointment)),
                    tenant_id=appointment.tenant_id, producer=PRODUCER, subject=str(appointment.id))


async def appointment_updated(session: AsyncSession, appointment: Appointment, changed: list[str]) -> None:
    # Field names only; for private appointments the detail fields cannot change (they are never stored).
    await add_event(session, calendar_pb2.AppointmentUpdated(**_shape(appointment), changed_fields=changed),
                    tenant_id=appointment.tenant_id, producer=PRODUCER, subject=str(appointment.id))


async def appointment_deleted(session: AsyncSession, appointment: Appointment) -> None:
    await add_event(session, calendar_pb2.AppointmentDeleted(
        appointment_id=str(appointment.id), owner_id=str(appointment.owner_id), version=appointment.version,
    ), tenant_id=appointment.tenant_id, producer=PRODUCER, subject=str(appointment.id))
