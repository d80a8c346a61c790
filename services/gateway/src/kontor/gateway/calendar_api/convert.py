"""Translations between the REST shapes and calendar-sync's messages; times get the offset of a zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from kontor.platform.errors import InvalidArgument
from kontor.platform.grpc_client import to_domain_error
from kontor.platform.http import problem
from kontor.protos.calendar.v1 import calendar_pb2

from kontor.gateway.calendar_api.schemas import (
    AppointmentRead, Attachment, Link, OccurrenceRead, OverrideRead, Participant, ResourceRead, _Fields,
)

# calendar-sync names the slot a booking collided with in this trailing metadata key.
CONFLICT_METADATA = "kontor-conflict-slot"
_TEXT = ("type", "activity", "subject", "location", "notes", "category", "time_zone", "rrule", "status", "show_as")


def zone(name: str, field: str = "time_zone") -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidArgument(field, 'must be an IANA time zone such as "Europe/Berlin"') from None


def timestamp(value: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(value.astimezone(UTC))
    return ts


def _at(ts: Timestamp, tz: ZoneInfo) -> datetime:
    return ts.ToDatetime(UTC).astimezone(tz)


def _zone_of(a: calendar_pb2.Appointment, shown_in: ZoneInfo | None) -> ZoneInfo:
    if shown_in is not None:
        return shown_in
    try:
        return ZoneInfo(a.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _optional(message, name: str) -> str | None:
    return getattr(message, name) if message.HasField(name) else None


def appointment_read(a: calendar_pb2.Appointment, shown_in: ZoneInfo | None = None) -> AppointmentRead:
    tz = _zone_of(a, shown_in)
    return AppointmentRead(
        id=a.id, owner_id=a.owner_id, type=a.type, activity=a.activity, subject=_optional(a, "subject"),
        location=_optional(a, "location"), notes=_optional(a, "notes"), category=_optional(a, "category"),
        start=_at(a.start, tz), end=_at(a.end, tz), time_zone=a.time_zone, all_day=a.all_day,
        start_date=date.fromisoformat(a.start_date) if a.start_date else None,
        end_date=date.fromisoformat(a.end_date) if a.end_date else None, rrule=a.rrule,
        exdates=[_at(d, tz) for d in a.exdates],
        overrides=[OverrideRead(recurrence_id=_at(o.recurrence_id, tz), start=_at(o.start, tz), end=_at(o.end, tz),
                                subject=_optional(o, "subject"), location=_optional(o, "location"),
                                notes=_optional(o, "notes"), status=o.status, show_as=o.show_as)
                   for o in a.overrides],
        participants=[Participant(kind=p.kind, id=p.id, status=p.status) for p in a.participants],
        resource_ids=list(a.resource_ids), links=[Link(type=link.type, id=link.id) for link in a.links],
        attachments=[Attachment(id=x.id, name=x.name, media_type=x.media_type, size=x.size, content_ref=x.content_ref)
                     for x in a.attachments],
        status=a.status, show_as=a.show_as, private=a.private, sync_disabled=a.sync_disabled, version=a.version,
        created_at=_at(a.created_at, tz), updated_at=_at(a.updated_at, tz), created_by=a.created_by,
    )


def occurrence_read(o: calendar_pb2.Occurrence, shown_in: ZoneInfo | None = None) -> OccurrenceRead:
    tz = _zone_of(o.appointment, shown_in)
    return OccurrenceRead(
        appointment_id=o.appointment_id,
        recurrence_id=_at(o.recurrence_id, tz) if o.HasField("recurrence_id") else None,
        start=_at(o.start, tz), end=_at(o.end, tz), overridden=o.overridden, subject=_optional(o, "subject"),
        location=_optional(o, "location"), status=o.status, show_as=o.show_as,
        appointment=appointment_read(o.appointment, shown_in),
    )


def fields_message(body: _Fields) -> calendar_pb2.AppointmentFields:
    """Only what the client sent; a text sent as null is cleared (empty)."""
    sent = body.model_fields_set
    message = calendar_pb2.AppointmentFields()
    for name in _TEXT:
        if name in sent:
            setattr(message, name, getattr(body, name) or "")
    if "owner_id" in sent and body.owner_id:
        message.owner_id = body.owner_id
    for name in ("all_day", "private", "sync_disabled"):
        if name in sent and getattr(body, name) is not None:
            setattr(message, name, getattr(body, name))
    for name in ("start", "end"):
        if name in sent and getattr(body, name) is not None:
            getattr(message, name).CopyFrom(timestamp(getattr(body, name)))
    for name in ("start_date", "end_date"):
        if name in sent and getattr(body, name) is not None:
            setattr(message, name, getattr(body, name).isoformat())
    if "exdates" in sent:
        message.exdates.SetInParent()
        message.exdates.items.extend(timestamp(d) for d in body.exdates or [])
    if "participants" in sent:
        message.participants.SetInParent()
        message.participants.items.extend(calendar_pb2.Participant(kind=p.kind, id=p.id, status=p.status)
                                          for p in body.participants or [])
    if "resource_ids" in sent:
        message.resource_ids.SetInParent()
        message.resource_ids.items.extend(body.resource_ids or [])
    if "links" in sent:
        message.links.SetInParent()
        message.links.items.extend(calendar_pb2.Link(type=link.type, id=link.id) for link in body.links or [])
    if "attachments" in sent:
        message.attachments.SetInParent()
        message.attachments.items.extend(
            calendar_pb2.Attachment(id=x.id, name=x.name, media_type=x.media_type, size=x.size,
                                    content_ref=x.content_ref) for x in body.attachments or [])
    return message


def resource_read(r: calendar_pb2.Resource) -> ResourceRead:
    return ResourceRead(id=r.id, name=r.name, kind=r.kind, email=r.email, external_id=r.external_id,
                        capacity=r.capacity, allow_double_booking=r.allow_double_booking,
                        server_id=r.server_id or None, version=r.version, created_at=r.created_at.ToDatetime(UTC))


async def call_booking(method, request):
    """Call an RPC that may book resources; a taken slot becomes 409 problem+json with ``conflict``."""
    try:
        return await method(request)
    except grpc.aio.AioRpcError as exc:
        slot = dict(exc.trailing_metadata() or ()).get(CONFLICT_METADATA)
        if exc.code() == grpc.StatusCode.ALREADY_EXISTS and slot:
            resource_id, start, end = slot.split(" ")
            return problem(409, exc.details(), code="resource_booked",
                           conflict={"resource_id": resource_id, "start": start, "end": end})
        raise to_domain_error(exc) from None
