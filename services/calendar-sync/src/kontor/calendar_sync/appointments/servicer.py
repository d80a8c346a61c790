"""gRPC edge of appointments, calendar views and free/busy: check the right, open the unit of work, translate."""

from __future__ import annotations

from datetime import UTC, date
from typing import Any

import grpc
from google.protobuf.empty_pb2 import Empty

from kontor.platform.contacts_access import Contacts
from kontor.platform.db import Database
from kontor.platform.errors import AlreadyExists, InvalidArgument
from kontor.platform.pagination import parse_uuid
from kontor.protos.calendar.v1 import calendar_pb2, calendar_pb2_grpc

from kontor.calendar_sync.appointments import service
from kontor.calendar_sync.appointments.models import Appointment, AppointmentOverride
from kontor.calendar_sync.appointments.privacy import Presented
from kontor.calendar_sync.appointments.schemas import OverrideData
from kontor.calendar_sync.edge import authorised, instant, timestamp

ENTITY = "appointment"
# gRPC trailing metadata naming the slot a booking collided with: "<resource id> <start> <end>".
CONFLICT_METADATA = "kontor-conflict-slot"
_TEXT = ("type", "activity", "subject", "location", "notes", "category", "time_zone", "rrule", "status", "show_as")
_OPTIONAL_TEXT = ("subject", "location", "notes", "category")


def _override_proto(o: AppointmentOverride) -> calendar_pb2.OccurrenceOverride:
    message = calendar_pb2.OccurrenceOverride(recurrence_id=timestamp(o.recurrence_id), start=timestamp(o.starts_at),
                                              end=timestamp(o.ends_at), status=o.status or "",
                                              show_as=o.show_as or "")
    for name in ("subject", "location", "notes"):
        if getattr(o, name) is not None:
            setattr(message, name, getattr(o, name))
    return message


def to_proto(presented: Presented, *, with_overrides: bool = True) -> calendar_pb2.Appointment:
    a: Appointment = presented.appointment
    message = calendar_pb2.Appointment(
        id=str(a.id), owner_id=str(a.owner_id), type=a.type or "", activity=a.activity or "",
        start=timestamp(a.starts_at), end=timestamp(a.ends_at), time_zone=a.time_zone, all_day=a.all_day,
        rrule=a.rrule or "", exdates=[timestamp(d) for d in a.exdates],
        participants=[calendar_pb2.Participant(**p) for p in presented.participants],
        resource_ids=[str(r) for r in a.resource_ids],
        links=[calendar_pb2.Link(**link) for link in presented.links],
        attachments=[calendar_pb2.Attachment(**att) for att in a.attachments],
        status=a.status, show_as=a.show_as, private=a.private, sync_disabled=a.sync_disabled, version=a.version,
        created_at=timestamp(a.created_at), updated_at=timestamp(a.updated_at), created_by=a.created_by,
    )
    if with_overrides:
        message.overrides.extend(_override_proto(o) for o in presented.overrides)
    for name in _OPTIONAL_TEXT:
        value = getattr(a, name)
        if value is not None:
            setattr(message, name, value)
    if a.all_day:
        tz = service.recurrence.zone(a.time_zone)
        message.start_date = a.starts_at.astimezone(tz).date().isoformat()
        message.end_date = a.ends_at.astimezone(tz).date().isoformat()
    return message


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument(field, "must be a date YYYY-MM-DD") from None


def fields_from_proto(fields: calendar_pb2.AppointmentFields) -> dict[str, Any]:
    """The fields the request sets, as AppointmentData input."""
    values: dict[str, Any] = {name: getattr(fields, name) for name in _TEXT if fields.HasField(name)}
    if fields.HasField("owner_id"):
        values["owner_id"] = parse_uuid(fields.owner_id, "owner_id")
    for name in ("all_day", "private", "sync_disabled"):
        if fields.HasField(name):
            values[name] = getattr(fields, name)
    for name in ("start", "end"):
        if fields.HasField(name):
            values[name] = instant(getattr(fields, name), name)
    for name in ("start_date", "end_date"):
        if fields.HasField(name):
            values[name] = _date(getattr(fields, name), name)
    if fields.HasField("exdates"):
        values["exdates"] = [t.ToDatetime(tzinfo=UTC) for t in fields.exdates.items]
    if fields.HasField("participants"):
        values["participants"] = [{"kind": p.kind, "id": p.id, "status": p.status or "needs_action"}
                                  for p in fields.participants.items]
    if fields.HasField("resource_ids"):
        values["resource_ids"] = list(fields.resource_ids.items)
    if fields.HasField("links"):
        values["links"] = [{"type": link.type, "id": link.id} for link in fields.links.items]
    if fields.HasField("attachments"):
        values["attachments"] = [{"name": a.name, "media_type": a.media_type or "application/octet-stream",
                                  "size": a.size, "content_ref": a.content_ref, **({"id": a.id} if a.id else {})}
                                 for a in fields.attachments.items]
    return values


def _occurrence_proto(view: service.OccurrenceView) -> calendar_pb2.Occurrence:
    a, o = view.presented.appointment, view.override
    message = calendar_pb2.Occurrence(
        appointment_id=str(a.id), start=timestamp(view.instance.start), end=timestamp(view.instance.end),
        overridden=view.instance.overridden, status=(o.status if o and o.status else a.status),
        show_as=(o.show_as if o and o.show_as else a.show_as),
        appointment=to_proto(view.presented, with_overrides=False),
    )
    if view.instance.recurrence_id is not None:
        message.recurrence_id.CopyFrom(timestamp(view.instance.recurrence_id))
    for name in ("subject", "location"):
        value = getattr(o, name) if o is not None and getattr(o, name) is not None else getattr(a, name)
        if value is not None:
            setattr(message, name, value)
    return message


class _ReportingConflict:
    """Forward the slot a booking collided with as trailing metadata (the status keeps ALREADY_EXISTS)."""

    def __init__(self, context: grpc.aio.ServicerContext):
        self._context = context

    async def __aenter__(self):
        return self

    async def __aexit__(self, exc_type, exc, tb):
        conflict = getattr(exc, "conflict", None) if isinstance(exc, AlreadyExists) else None
        if conflict:
            self._context.set_trailing_metadata(
                ((CONFLICT_METADATA, f"{conflict['resource_id']} {conflict['start']} {conflict['end']}"),))
        return False


class AppointmentServicer(calendar_pb2_grpc.AppointmentServiceServicer):
    def __init__(self, db: Database, contacts: Contacts):
        self._db = db
        self._contacts = contacts

    def _uow(self, action: str):
        return authorised(self._db, self._contacts, ENTITY, action)

    async def CreateAppointment(self, request, context):
        values = fields_from_proto(request.fields)
        async with _ReportingConflict(context), self._uow("create") as (session, principal, sight):
            created = await service.create_appointment(session, principal=principal, sight=sight, values=values)
            return to_proto(await service.privacy.present(sight, created))

    async def GetAppointment(self, request, context):
        appointment_id = parse_uuid(request.id, "id")
        async with self._uow("read") as (session, principal, sight):
            return to_proto(await service.get_appointment(session, principal=principal, sight=sight,
                                                          appointment_id=appointment_id))

    async def UpdateAppointment(self, request, context):
        appointment_id = parse_uuid(request.id, "id")
        changes = fields_from_proto(request.fields)
        async with _ReportingConflict(context), self._uow("update") as (session, principal, sight):
            return to_proto(await service.update_appointment(
                session, principal=principal, sight=sight, appointment_id=appointment_id,
                expected_version=request.expected_version, changes=changes))

    async def DeleteAppointment(self, request, context):
        appointment_id = parse_uuid(request.id, "id")
        async with self._uow("delete") as (session, principal, sight):
            await service.delete_appointment(session, principal=principal, sight=sight,
                                             appointment_id=appointment_id, expected_version=request.expected_version)
            return Empty()

    async def OverrideOccurrence(self, request, context):
        appointment_id = parse_uuid(request.id, "id")
        o = request.override
        data = OverrideData(
            recurrence_id=instant(o.recurrence_id, "override.recurrence_id"),
            start=instant(o.start, "override.start"), end=instant(o.end, "override.end"),
            subject=o.subject if o.HasField("subject") else None,
            location=o.location if o.HasField("location") else None,
            notes=o.notes if o.HasField("notes") else None, status=o.status or None, show_as=o.show_as or None)
        async with _ReportingConflict(context), self._uow("update") as (session, principal, sight):
            return to_proto(await service.override_occurrence(
                session, principal=principal, sight=sight, appointment_id=appointment_id,
                expected_version=request.expected_version, data=data))

    async def CancelOccurrence(self, request, context):
        appointment_id = parse_uuid(request.id, "id")
        recurrence_id = instant(request.recurrence_id, "recurrence_id")
        async with self._uow("update") as (session, principal, sight):
            return to_proto(await service.cancel_occurrence(
                session, principal=principal, sight=sight, appointment_id=appointment_id,
                expected_version=request.expected_version, recurrence_id=recurrence_id))

    async def ListCalendar(self, request, context):
        calendar_id = parse_uuid(request.calendar_id, "calendar_id")
        start, end = instant(getattr(request, "from"), "from"), instant(request.to, "to")
        async with self._uow("read") as (session, principal, sight):
            views, next_token = await service.list_calendar(
                session, principal=principal, sight=sight, calendar_type=request.calendar_type,
                calendar_id=calendar_id, start=start, end=end, page_size=request.page_size,
                page_token=request.page_token)
            return calendar_pb2.ListCalendarResponse(occurrences=[_occurrence_proto(v) for v in views],
                                                     next_page_token=next_token)

    async def GetFreeBusy(self, request, context):
        start, end = instant(getattr(request, "from"), "from"), instant(request.to, "to")
        wanted = [("user", parse_uuid(i, f"user_ids[{n}]")) for n, i in enumerate(request.user_ids)]
        wanted += [("resource", parse_uuid(i, f"resource_ids[{n}]")) for n, i in enumerate(request.resource_ids)]
        if not wanted:
            raise InvalidArgument("user_ids", "name at least one user or resource")
        if len(wanted) > 50:
            raise InvalidArgument("user_ids", "ask for at most 50 users and resources at once")
        async with self._uow("read") as (session, _principal, _sight):
            schedules = []
            for kind, owner_id in wanted:
                busy = await service.free_busy(session, kind=kind, owner_id=owner_id, start=start, end=end)
                schedules.append(calendar_pb2.FreeBusySchedule(kind=kind, id=str(owner_id), busy=[
                    calendar_pb2.BusyInterval(start=timestamp(b.start), end=timestamp(b.end), show_as=b.show_as)
                    for b in busy]))
            return calendar_pb2.GetFreeBusyResponse(schedules=schedules)


def register(server: grpc.aio.Server, db: Database, contacts: Contacts) -> list[str]:
    calendar_pb2_grpc.add_AppointmentServiceServicer_to_server(AppointmentServicer(db, contacts), server)
    return [calendar_pb2.DESCRIPTOR.services_by_name["AppointmentService"].full_name]
