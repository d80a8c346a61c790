"""Business rules of attachment content: who may attach, read and detach, and what is recorded.

The bytes live in the blob store (namespace: the tenant id), the metadata in the appointment's
``attachments`` list ({id, name, media_type, size, content_ref}). An upload is two short units of work
around the transfer, so no database connection waits for a slow client: ``check_can_attach`` before,
``attach`` (row lock, checks again) after. Content that ends up unreferenced (a failed attach, a
detach, an appointment deleted or made private, a list replaced through PATCH) is removed by ``sweep``.
"""

from __future__ import annotations

import posixpath
import re
import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal
from kontor.platform.contacts_access import Sight
from kontor.platform.errors import InvalidArgument, NotFound, PermissionDenied

from kontor.calendar_sync.appointments import events, privacy
from kontor.calendar_sync.appointments.models import Appointment

MAX_ATTACHMENTS = 50  # as AppointmentData.attachments
DEFAULT_MEDIA_TYPE = "application/octet-stream"
_TOKEN = r"[A-Za-z0-9!#$&^_.+-]{1,63}"
_MEDIA_TYPE = re.compile(rf"^{_TOKEN}/{_TOKEN}(\s*;\s*{_TOKEN}=(\"[^\"\\\x00-\x1f]*\"|{_TOKEN}))*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_name(name: str) -> str:
    """The file name to keep: the last part of a path (clients send C:\\x\\y.pdf), no control characters."""
    base = posixpath.basename(name.replace("\\", "/")).strip()
    if not base or base in (".", ".."):
        raise InvalidArgument("name", "send the file name, e.g. report.pdf")
    if _CONTROL.search(base):
        raise InvalidArgument("name", "must not contain control characters")
    if len(base) > 255:
        raise InvalidArgument("name", "is longer than 255 characters")
    return base


def clean_media_type(media_type: str) -> str:
    value = media_type.strip() or DEFAULT_MEDIA_TYPE
    if len(value) > 127 or not _MEDIA_TYPE.match(value):
        raise InvalidArgument("media_type", 'must be a media type like "application/pdf"')
    kind, _, params = value.partition(";")
    return kind.lower() + (";" + params if params else "")


def _live(appointment_id: uuid.UUID):
    return select(Appointment).where(Appointment.id == appointment_id, Appointment.deleted_at.is_(None))


async def _changeable(session: AsyncSession, principal: Principal, sight: Sight, appointment_id: uuid.UUID,
                      *, lock: bool) -> Appointment:
    query = _live(appointment_id).with_for_update() if lock else _live(appointment_id)
    appointment = await session.scalar(query)
    if appointment is None or not await privacy.may_see(principal, sight, appointment):
        raise NotFound(f"appointment {appointment_id} not found")
    if not privacy.involved(principal, appointment) and not await sight.sees_everything():
        raise PermissionDenied("only the owner, a participant or a manager may change this appointment")
    if appointment.private:
        # The privacy rule (docs/calendar.md): a private appointment keeps no details, files included.
        raise InvalidArgument("appointment_id", "private appointments keep no attachments")
    return appointment


async def check_can_attach(session: AsyncSession, *, principal: Principal, sight: Sight,
                           appointment_id: uuid.UUID) -> None:
    """Before the transfer: refuse early what ``attach`` would refuse anyway."""
    appointment = await _changeable(session, principal, sight, appointment_id, lock=False)
    if len(appointment.attachments) >= MAX_ATTACHMENTS:
        raise InvalidArgument("appointment_id", f"an appointment holds at most {MAX_ATTACHMENTS} attachments")


async def attach(session: AsyncSession, *, principal: Principal, sight: Sight, appointment_id: uuid.UUID,
                 name: str, media_type: str, size: int, content_ref: str) -> dict:
    appointment = await _changeable(session, principal, sight, appointment_id, lock=True)
    if len(appointment.attachments) >= MAX_ATTACHMENTS:
        raise InvalidArgument("appointment_id", f"an appointment holds at most {MAX_ATTACHMENTS} attachments")
    attachment = {"id": str(uuid.uuid4()), "name": name, "media_type": media_type, "size": size,
                  "content_ref": content_ref}
    appointment.attachments = [*appointment.attachments, attachment]
    _changed(appointment)
    await session.flush()
    await events.appointment_updated(session, appointment, ["attachments"])
    return attachment


async def find(session: AsyncSession, *, principal: Principal, sight: Sight, appointment_id: uuid.UUID,
               attachment_id: uuid.UUID) -> dict:
    """The metadata of one attachment of an appointment the caller may see; NOT_FOUND otherwise."""
    appointment = await session.scalar(_live(appointment_id))
    if appointment is None or not await privacy.may_see(principal, sight, appointment):
        raise NotFound(f"appointment {appointment_id} not found")
    for attachment in appointment.attachments:
        if attachment["id"] == str(attachment_id):
            return attachment
    raise NotFound(f"attachment {attachment_id} not found")


async def detach(session: AsyncSession, *, principal: Principal, sight: Sight, appointment_id: uuid.UUID,
                 attachment_id: uuid.UUID) -> None:
    appointment = await session.scalar(_live(appointment_id).with_for_update())
    if appointment is None or not await privacy.may_see(principal, sight, appointment):
        raise NotFound(f"appointment {appointment_id} not found")
    kept = [a for a in appointment.attachments if a["id"] != str(attachment_id)]
    if len(kept) == len(appointment.attachments):
        raise NotFound(f"attachment {attachment_id} not found")
    if not privacy.involved(principal, appointment) and not await sight.sees_everything():
        raise PermissionDenied("only the owner, a participant or a manager may change this appointment")
    appointment.attachments = kept
    _changed(appointment)
    await session.flush()
    await events.appointment_updated(session, appointment, ["attachments"])


def _changed(appointment: Appointment) -> None:
    appointment.version += 1
    appointment.updated_at = datetime.now(UTC)
