"""Business rules of appointments. Functions take the session; the edge owns the transaction.

Visibility comes from contacts (``privacy.may_see`` through a ``Sight``); an appointment the caller may not
see answers NOT_FOUND. Changing one takes its owner, an employee participant, or a caller who sees every
record (org managers). Writes lock the row and compare the version (412 at the REST edge when stale).
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select, Uuid, and_, any_, delete, literal, or_, select, text
from sqlalchemy.dialects.postgresql import ARRAY, Range
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from kontor.platform import pagination
from kontor.platform.auth import Principal
from kontor.platform.contacts_access import Sight
from kontor.platform.errors import AlreadyExists, Conflict, InvalidArgument, NotFound, PermissionDenied

from kontor.calendar_sync.appointments import events, privacy, recurrence
from kontor.calendar_sync.appointments.models import Appointment, AppointmentOverride, ResourceBooking
from kontor.calendar_sync.appointments.schemas import AppointmentData, OverrideData, field_of
from kontor.calendar_sync.resources.models import Resource

# Occurrences of a series are booked (and so protected from double booking) this far ahead.
BOOKING_HORIZON = timedelta(days=730)
MAX_WINDOW = timedelta(days=366)
CALENDAR_TYPES = ("user", "company", "contact_person", "resource")
# Fields compared for "changed" (updated event, version bump).
_STATE_FIELDS = ("owner_id", "type", "activity", "subject", "location", "notes", "category", "participants",
                 "links", "attachments", "resource_ids", "starts_at", "ends_at", "time_zone", "all_day", "rrule",
                 "exdates", "status", "show_as", "private", "sync_disabled")


def validated(values: dict[str, Any]) -> AppointmentData:
    """AppointmentData, with model-level errors turned into InvalidArgument naming their field."""
    try:
        return AppointmentData(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["loc"]:
            raise InvalidArgument(".".join(str(p) for p in first["loc"]), first["msg"]) from None
        message = first["msg"].removeprefix("Value error, ")
        field = field_of(message)
        raise InvalidArgument(field, message.removeprefix(f"{field}: ")) from None


def series_of(appointment: Appointment, overrides: list[AppointmentOverride] = ()) -> recurrence.Series:
    return recurrence.Series(
        start=appointment.starts_at, end=appointment.ends_at, time_zone=appointment.time_zone,
        all_day=appointment.all_day, rrule=appointment.rrule or "",
        exdates=frozenset(d.astimezone(UTC) for d in appointment.exdates),
        overrides={o.recurrence_id.astimezone(UTC): (o.starts_at, o.ends_at) for o in overrides},
    )


def state_of(appointment: Appointment) -> dict[str, Any]:
    """The stored appointment as AppointmentData input (what an update overlays)."""
    tz = recurrence.zone(appointment.time_zone)
    state = {
        "owner_id": appointment.owner_id, "type": appointment.type, "activity": appointment.activity,
        "subject": appointment.subject, "location": appointment.location, "notes": appointment.notes,
        "category": appointment.category, "participants": appointment.participants, "links": appointment.links,
        "attachments": appointment.attachments, "resource_ids": list(appointment.resource_ids),
        "time_zone": appointment.time_zone, "all_day": appointment.all_day, "rrule": appointment.rrule or "",
        "exdates": list(appointment.exdates), "status": appointment.status, "show_as": appointment.show_as,
        "private": appointment.private, "sync_disabled": appointment.sync_disabled,
    }
    if appointment.all_day:
        state["start_date"] = appointment.starts_at.astimezone(tz).date()
        state["end_date"] = appointment.ends_at.astimezone(tz).date()
    else:
        state["start"], state["end"] = appointment.starts_at, appointment.ends_at
    return state


def _json_lists(data: AppointmentData) -> dict[str, Any]:
    attachments = []
    for a in data.attachments:
        attachments.append({"id": str(a.id or uuid.uuid4()), "name": a.name, "media_type": a.media_type,
                            "size": a.size, "content_ref": a.content_ref})
    return {
        "participants": [{"kind": p.kind, "id": str(p.id), "status": p.status} for p in data.participants],
        "links": [{"type": link.type, "id": str(link.id)} for link in data.links],
        "attachments": attachments,
    }


def _apply(appointment: Appointment, data: AppointmentData, overrides: list[AppointmentOverride]) -> None:
    values = {
        "owner_id": data.owner_id, "type": data.type, "activity": data.activity, "subject": data.subject,
        "location": data.location, "notes": data.notes, "category": data.category,
        "resource_ids": list(data.resource_ids), "starts_at": data.start, "ends_at": data.end,
        "time_zone": data.time_zone, "all_day": data.all_day, "rrule": data.rrule or None,
        "exdates": list(data.exdates), "status": data.status, "show_as": data.show_as, "private": data.private,
        "sync_disabled": data.sync_disabled, **_json_lists(data),
    }
    for name, value in values.items():
        setattr(appointment, name, value)
    appointment.series_ends_at = recurrence.series_end(series_of(appointment, overrides))


def _changed_fields(before: dict[str, Any], appointment: Appointment) -> list[str]:
    return [name for name in _STATE_FIELDS if before[name] != getattr(appointment, name)]


def _snapshot(appointment: Appointment) -> dict[str, Any]:
    return {name: copy.deepcopy(getattr(appointment, name)) for name in _STATE_FIELDS}


async def _check_refs(sight: Sight, data: AppointmentData, known: set[tuple[str, str]]) -> None:
    """Newly named companies and contact persons must be records the caller may see (contacts decides)."""
    for index, link in enumerate(data.links):
        if (link.type, str(link.id)) not in known and not await sight.confirms(link.type, link.id):
            raise InvalidArgument(f"links[{index}].id", f"{link.type.replace('_', ' ')} {link.id} not found")
    for index, p in enumerate(data.participants):
        if p.kind == "contact_person" and ("contact_person", str(p.id)) not in known \
                and not await sight.confirms("contact_person", p.id):
            raise InvalidArgument(f"participants[{index}].id", f"contact person {p.id} not found")


async def _new_appointment(principal: Principal, sight: Sight, values: dict[str, Any]) -> Appointment:
    """A validated, not yet stored appointment (the checks every create makes)."""
    if values.get("owner_id") is None:
        owner = privacy.user_id_of(principal)
        if owner is None:
            raise InvalidArgument("owner_id", "your token names no employee; name the owner")
        values = {**values, "owner_id": owner}
    data = validated(values)
    if data.owner_id != privacy.user_id_of(principal) and not await sight.sees_everything():
        raise PermissionDenied("only managers who see every record create appointments for someone else")
    await _check_refs(sight, data, set())
    appointment = Appointment(id=uuid.uuid4(), tenant_id=principal.tenant_id, created_by=principal.subject,
                              version=1)
    _apply(appointment, data, [])
    return appointment


async def create_appointment(session: AsyncSession, *, principal: Principal, sight: Sight,
                             values: dict[str, Any]) -> Appointment:
    appointment = await _new_appointment(principal, sight, values)
    session.add(appointment)
    await session.flush()
    await _book(session, appointment, [])
    await session.refresh(appointment)
    await events.appointment_created(session, appointment)
    return appointment


async def create_appointments(session: AsyncSession, *, principal: Principal, sight: Sight,
                              values: list[dict[str, Any]]) -> list[Appointment]:
    """``create_appointment`` for many at once (a mailbox's first sync): the same checks and events, but one
    INSERT round and one read-back for all. Raises like ``create_appointment`` on the first refused item;
    the caller's transaction (or savepoint) then holds none of them."""
    made = [await _new_appointment(principal, sight, v) for v in values]
    if not made:
        return made
    session.add_all(made)
    await session.flush()
    for appointment in made:
        if appointment.resource_ids:  # a new appointment has no slots to replace: only bookings need the query
            await _book(session, appointment, [])
    # The server's defaults (created_at, updated_at) in one read-back of just those columns, not one per row.
    stamps = await session.execute(select(Appointment.id, Appointment.created_at, Appointment.updated_at)
                                   .where(Appointment.id == any_(literal([a.id for a in made], ARRAY(Uuid)))))
    by_id = {a.id: a for a in made}
    for appointment_id, created_at, updated_at in stamps:
        set_committed_value(by_id[appointment_id], "created_at", created_at)
        set_committed_value(by_id[appointment_id], "updated_at", updated_at)
    for appointment in made:
        await events.appointment_created(session, appointment)
    return made


def _new_version(appointment: Appointment) -> None:
    appointment.version += 1
    appointment.updated_at = datetime.now(UTC)


def _live() -> Select:
    return select(Appointment).where(Appointment.deleted_at.is_(None))


async def _overrides(session: AsyncSession, appointment_ids: list[uuid.UUID]) -> dict[uuid.UUID, list]:
    found: dict[uuid.UUID, list] = {}
    if not appointment_ids:
        return found
    rows = await session.scalars(select(AppointmentOverride).where(
        AppointmentOverride.appointment_id.in_(appointment_ids)).order_by(AppointmentOverride.recurrence_id))
    for row in rows:
        found.setdefault(row.appointment_id, []).append(row)
    return found


async def get_appointment(session: AsyncSession, *, principal: Principal, sight: Sight,
                          appointment_id: uuid.UUID) -> privacy.Presented:
    appointment = await session.scalar(_live().where(Appointment.id == appointment_id))
    if appointment is None or not await privacy.may_see(principal, sight, appointment):
        raise NotFound(f"appointment {appointment_id} not found")
    overrides = (await _overrides(session, [appointment.id])).get(appointment.id, [])
    return await privacy.present(sight, appointment, overrides)


async def _lock(session: AsyncSession, principal: Principal, sight: Sight, appointment_id: uuid.UUID,
                expected_version: int) -> Appointment:
    if expected_version <= 0:
        raise InvalidArgument("expected_version", "send the version you last read (the ETag) so nobody's change "
                              "is overwritten")
    appointment = await session.scalar(_live().where(Appointment.id == appointment_id).with_for_update())
    if appointment is None or not await privacy.may_see(principal, sight, appointment):
        raise NotFound(f"appointment {appointment_id} not found")
    if not privacy.involved(principal, appointment) and not await sight.sees_everything():
        raise PermissionDenied("only the owner, a participant or a manager may change this appointment")
    if appointment.version != expected_version:
        raise Conflict(f"appointment {appointment_id} is at version {appointment.version}, not {expected_version}: "
                       "someone changed it meanwhile; read it again and reapply your change")
    return appointment


async def update_appointment(session: AsyncSession, *, principal: Principal, sight: Sight,
                             appointment_id: uuid.UUID, expected_version: int,
                             changes: dict[str, Any]) -> privacy.Presented:
    appointment = await _lock(session, principal, sight, appointment_id, expected_version)
    if "owner_id" in changes and changes["owner_id"] != appointment.owner_id and not await sight.sees_everything():
        if appointment.owner_id != privacy.user_id_of(principal):
            raise PermissionDenied("only the owner or a manager hands an appointment to someone else")
    if changes.get("private") and changes.get("resource_ids"):
        raise InvalidArgument("resource_ids", "private appointments book no resources: a booking would tell "
                              "who uses the room when")
    state = state_of(appointment)
    known = {(link["type"], link["id"]) for link in appointment.links}
    known |= {("contact_person", p["id"]) for p in appointment.participants if p["kind"] == "contact_person"}
    hidden_participants, hidden_links = await privacy.hidden_refs(sight, appointment)
    if ("start" in changes or "end" in changes) and not changes.get("all_day", appointment.all_day):
        state.pop("start_date", None), state.pop("end_date", None)
    if ("start_date" in changes or "end_date" in changes) and "all_day" not in changes:
        changes = {**changes, "all_day": True}
    if changes.get("all_day") and not appointment.all_day and "start_date" not in changes:
        raise InvalidArgument("start_date", "send start_date (and end_date) when making it an all-day appointment")
    state.update(changes)
    # References the caller may not see stay when the caller replaces a list (they never saw them).
    if "links" in changes:
        state["links"] = [*changes["links"], *hidden_links]
    if "participants" in changes:
        state["participants"] = [*changes["participants"], *hidden_participants]
    data = validated(state)
    await _check_refs(sight, data, known)
    overrides = (await _overrides(session, [appointment.id])).get(appointment.id, [])
    before = _snapshot(appointment)
    if data.private and not appointment.private:
        await _strip_overrides(session, overrides)
    if data.rrule != (appointment.rrule or "") or data.start != appointment.starts_at or \
            data.time_zone != appointment.time_zone:
        # The occurrences moved: changed occurrences no longer match their recurrence ids.
        await session.execute(delete(AppointmentOverride).where(AppointmentOverride.appointment_id == appointment.id))
        overrides = []
    _apply(appointment, data, overrides)
    changed = _changed_fields(before, appointment)
    if changed:
        _new_version(appointment)
        await session.flush()
        await _book(session, appointment, overrides)
        await events.appointment_updated(session, appointment, changed)
    return await privacy.present(sight, appointment, overrides)


async def _strip_overrides(session: AsyncSession, overrides: list[AppointmentOverride]) -> None:
    """Before a series turns private: its changed occurrences drop their details too."""
    for override in overrides:
        override.subject = override.location = override.notes = None
    await session.flush()


async def delete_appointment(session: AsyncSession, *, principal: Principal, sight: Sight,
                             appointment_id: uuid.UUID, expected_version: int) -> None:
    appointment = await _lock(session, principal, sight, appointment_id, expected_version)
    appointment.deleted_at = datetime.now(UTC)
    _new_version(appointment)
    await session.execute(delete(ResourceBooking).where(ResourceBooking.appointment_id == appointment.id))
    await session.flush()
    await events.appointment_deleted(session, appointment)


async def override_occurrence(session: AsyncSession, *, principal: Principal, sight: Sight,
                              appointment_id: uuid.UUID, expected_version: int,
                              data: OverrideData) -> privacy.Presented:
    appointment = await _lock(session, principal, sight, appointment_id, expected_version)
    series = series_of(appointment)
    if not recurrence.is_occurrence(series, data.recurrence_id):
        raise InvalidArgument("recurrence_id", "is not the original start of an occurrence of this series")
    if data.recurrence_id in series.exdates:
        raise InvalidArgument("recurrence_id", "that occurrence is cancelled")
    existing = await session.scalar(select(AppointmentOverride).where(
        AppointmentOverride.appointment_id == appointment.id,
        AppointmentOverride.recurrence_id == data.recurrence_id))
    if existing is None:
        existing = AppointmentOverride(id=uuid.uuid4(), tenant_id=appointment.tenant_id,
                                       appointment_id=appointment.id, recurrence_id=data.recurrence_id)
        session.add(existing)
    existing.private = appointment.private
    existing.starts_at, existing.ends_at = data.start, data.end
    # A changed occurrence of a private series stays private: its details are not kept either.
    details = (None, None, None) if appointment.private else (data.subject, data.location, data.notes)
    existing.subject, existing.location, existing.notes = details
    existing.status, existing.show_as = data.status, data.show_as
    await session.flush()
    overrides = (await _overrides(session, [appointment.id])).get(appointment.id, [])
    return await _series_changed(session, sight, appointment, overrides, "occurrence")


async def cancel_occurrence(session: AsyncSession, *, principal: Principal, sight: Sight,
                            appointment_id: uuid.UUID, expected_version: int,
                            recurrence_id: datetime) -> privacy.Presented:
    appointment = await _lock(session, principal, sight, appointment_id, expected_version)
    rid = recurrence_id.astimezone(UTC)
    if not recurrence.is_occurrence(series_of(appointment), rid):
        raise InvalidArgument("recurrence_id", "is not the original start of an occurrence of this series")
    overrides = (await _overrides(session, [appointment.id])).get(appointment.id, [])
    if rid in {d.astimezone(UTC) for d in appointment.exdates}:
        return await privacy.present(sight, appointment, overrides)  # cancelled already: nothing changes
    await session.execute(delete(AppointmentOverride).where(AppointmentOverride.appointment_id == appointment.id,
                                                            AppointmentOverride.recurrence_id == rid))
    overrides = [o for o in overrides if o.recurrence_id.astimezone(UTC) != rid]
    appointment.exdates = sorted([*appointment.exdates, rid])
    return await _series_changed(session, sight, appointment, overrides, "exdates")


async def restore_occurrence(session: AsyncSession, *, principal: Principal, sight: Sight,
                             appointment_id: uuid.UUID, expected_version: int,
                             recurrence_id: datetime) -> privacy.Presented:
    """The occurrence at ``recurrence_id`` is a plain one again: its EXDATE and its override go."""
    appointment = await _lock(session, principal, sight, appointment_id, expected_version)
    rid = recurrence_id.astimezone(UTC)
    overrides = (await _overrides(session, [appointment.id])).get(appointment.id, [])
    kept = [o for o in overrides if o.recurrence_id.astimezone(UTC) != rid]
    exdates = [d for d in appointment.exdates if d.astimezone(UTC) != rid]
    if len(kept) == len(overrides) and len(exdates) == len(appointment.exdates):
        if not recurrence.is_occurrence(series_of(appointment), rid):
            raise InvalidArgument("recurrence_id", "is not the original start of an occurrence of this series")
        return await privacy.present(sight, appointment, overrides)  # plain already: nothing changes
    # (An EXDATE or override left from an earlier pattern may go although it names no occurrence any more.)
    await session.execute(delete(AppointmentOverride).where(AppointmentOverride.appointment_id == appointment.id,
                                                            AppointmentOverride.recurrence_id == rid))
    appointment.exdates = exdates
    return await _series_changed(session, sight, appointment, kept, "occurrence")


async def _series_changed(session: AsyncSession, sight: Sight, appointment: Appointment,
                          overrides: list[AppointmentOverride], field: str) -> privacy.Presented:
    """After an occurrence changed: the series' end, a new version, its resource slots and the event."""
    appointment.series_ends_at = recurrence.series_end(series_of(appointment, overrides))
    _new_version(appointment)
    await session.flush()
    await _book(session, appointment, overrides)
    await events.appointment_updated(session, appointment, [field])
    return await privacy.present(sight, appointment, overrides)


# ----------------------------------------------------------------------------------------- resource bookings


async def _book(session: AsyncSession, appointment: Appointment, overrides: list[AppointmentOverride]) -> None:
    """Replace the appointment's resource slots; ALREADY_EXISTS naming the slot when one is taken.

    Race-free by the database: ``resource_bookings`` has an exclusion constraint (btree_gist) over
    (tenant, resource, period) for exclusive slots, so of two concurrent transactions booking overlapping
    slots the second waits for the first and then fails; no check-then-insert window exists. Series are
    materialised occurrence by occurrence up to BOOKING_HORIZON (beyond it they are not protected yet).
    """
    await session.execute(delete(ResourceBooking).where(ResourceBooking.appointment_id == appointment.id))
    if not appointment.resource_ids or appointment.status == "cancelled" or appointment.deleted_at is not None:
        return
    resources = {r.id: r for r in await session.scalars(select(Resource).where(
        Resource.id.in_(appointment.resource_ids), Resource.deleted_at.is_(None)))}
    for index, resource_id in enumerate(appointment.resource_ids):
        if resource_id not in resources:
            raise InvalidArgument(f"resource_ids[{index}]", f"resource {resource_id} not found")
    cancelled = {o.recurrence_id.astimezone(UTC) for o in overrides if o.status == "cancelled"}
    instances = [i for i in recurrence.expand(series_of(appointment, overrides), window_start=appointment.starts_at
                                              - timedelta(days=1), window_end=datetime.now(UTC) + BOOKING_HORIZON)
                 if i.recurrence_id not in cancelled]
    rows = [{"id": uuid.uuid4(), "tenant_id": appointment.tenant_id, "resource_id": resource.id,
             "appointment_id": appointment.id, "period": _range(i.start, i.end),
             "exclusive": not resource.allow_double_booking}
            for resource in resources.values() for i in instances if i.end > i.start]
    if not rows:
        return
    try:
        async with session.begin_nested():
            await session.execute(ResourceBooking.__table__.insert(), rows)
    except IntegrityError as exc:
        if "resource_bookings_no_overlap" not in str(exc.orig):
            raise
        raise await _conflict(session, appointment, rows, resources) from None


def _range(start: datetime, end: datetime) -> Range:
    return Range(start, end, bounds="[)")


async def _conflict(session: AsyncSession, appointment: Appointment, rows: list[dict],
                    resources: dict[uuid.UUID, Resource]) -> AlreadyExists:
    found = (await session.execute(text(
        "SELECT b.resource_id, lower(b.period) AS s, upper(b.period) AS e FROM resource_bookings b "
        "JOIN unnest(CAST(:resource_ids AS uuid[]), CAST(:starts AS timestamptz[]), CAST(:ends AS timestamptz[])) "
        "AS mine(resource_id, s, e) ON b.resource_id = mine.resource_id AND b.period && tstzrange(mine.s, mine.e) "
        "WHERE b.exclusive AND b.appointment_id <> :appointment_id ORDER BY lower(b.period) LIMIT 1"),
        {"resource_ids": [r["resource_id"] for r in rows if r["exclusive"]],
         "starts": [r["period"].lower for r in rows if r["exclusive"]],
         "ends": [r["period"].upper for r in rows if r["exclusive"]], "appointment_id": appointment.id})).first()
    if found is None:
        return AlreadyExists("a resource is booked at that time already; choose another time or resource")
    name = resources[found.resource_id].name
    error = AlreadyExists(f'resource "{name}" ({found.resource_id}) is booked from {found.s.isoformat()} to '
                          f"{found.e.isoformat()}; choose another time or resource, or allow double booking")
    error.conflict = {"resource_id": str(found.resource_id), "start": found.s.isoformat(), "end": found.e.isoformat()}
    return error


# ----------------------------------------------------------------------------------------- calendar views


@dataclass(frozen=True)
class OccurrenceView:
    presented: privacy.Presented
    instance: recurrence.Instance
    override: AppointmentOverride | None

    @property
    def key(self) -> tuple[datetime, str, datetime]:
        return (self.instance.start, str(self.presented.appointment.id),
                self.instance.recurrence_id or self.instance.start)


def check_window(start: datetime, end: datetime) -> None:
    if end <= start:
        raise InvalidArgument("to", "must be after from")
    if end - start > MAX_WINDOW:
        raise InvalidArgument("to", "a window spans at most 366 days; page through longer periods")


def _in_window(start: datetime, end: datetime) -> Select:
    return _live().where(Appointment.starts_at < end,
                         or_(Appointment.series_ends_at.is_(None), Appointment.series_ends_at > start,
                             and_(Appointment.series_ends_at == Appointment.starts_at,
                                  Appointment.starts_at >= start)))


def _participating(kind: str, record_id: uuid.UUID):
    return Appointment.participants.contains([{"kind": kind, "id": str(record_id)}])


def _linked(record_type: str, record_id: uuid.UUID):
    return Appointment.links.contains([{"type": record_type, "id": str(record_id)}])


async def _calendar_filter(session: AsyncSession, sight: Sight | None, calendar_type: str, calendar_id: uuid.UUID):
    if calendar_type == "user":
        return or_(Appointment.owner_id == calendar_id, _participating("employee", calendar_id))
    if calendar_type == "resource":
        if await session.scalar(select(Resource.id).where(Resource.id == calendar_id,
                                                          Resource.deleted_at.is_(None))) is None:
            raise NotFound(f"resource {calendar_id} not found")
        return Appointment.resource_ids.contains([calendar_id])
    if calendar_type in ("company", "contact_person"):
        if not await sight.confirms(calendar_type, calendar_id):
            raise NotFound(f"{calendar_type.replace('_', ' ')} {calendar_id} not found")
        if calendar_type == "contact_person":
            return or_(_linked(calendar_type, calendar_id), _participating("contact_person", calendar_id))
        # A company's calendar: every appointment with the company or with any of its persons the caller may
        # see (linked or taking part); each still passes privacy.may_see like every other view.
        persons = await sight.persons_of(calendar_id)
        return or_(_linked("company", calendar_id), *(_linked("contact_person", p) for p in persons),
                   *(_participating("contact_person", p) for p in persons))
    raise InvalidArgument("calendar_type", f"use one of {', '.join(CALENDAR_TYPES)}")


def _encode(key: tuple[datetime, str, datetime]) -> str:
    body = json.dumps([key[0].isoformat(), key[1], key[2].isoformat()])
    return base64.urlsafe_b64encode(body.encode()).decode()


def _decode(token: str) -> tuple[datetime, str, datetime] | None:
    if not token:
        return None
    try:
        start, appointment_id, rid = json.loads(base64.urlsafe_b64decode(token.encode()))
        key = (datetime.fromisoformat(start), str(uuid.UUID(appointment_id)), datetime.fromisoformat(rid))
        if key[0].tzinfo is None or key[2].tzinfo is None:
            raise ValueError("naive")
        return key
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise InvalidArgument("page_token", "is not a token from a previous page; start again without it") from None


async def list_calendar(session: AsyncSession, *, principal: Principal, sight: Sight, calendar_type: str,
                        calendar_id: uuid.UUID, start: datetime, end: datetime, page_size: int,
                        page_token: str) -> tuple[list[OccurrenceView], str]:
    """Occurrences overlapping [start, end) the caller may see, by (start, appointment id, recurrence id)."""
    check_window(start, end)
    size = pagination.page_size(page_size)
    after = _decode(page_token)
    clause = await _calendar_filter(session, sight, calendar_type, calendar_id)
    appointments = list(await session.scalars(_in_window(start, end).where(clause)))
    if any(privacy.record_refs(a) and not privacy.involved(principal, a) for a in appointments):
        await sight.load()  # many records to judge: one VisibleRecords listing instead of a CheckAccess each
    overrides = await _overrides(session, [a.id for a in appointments if a.rrule])
    views: list[OccurrenceView] = []
    for appointment in appointments:
        if not await privacy.may_see(principal, sight, appointment):
            continue
        own = overrides.get(appointment.id, [])
        by_rid = {o.recurrence_id.astimezone(UTC): o for o in own}
        presented = await privacy.present(sight, appointment)
        for instance in recurrence.expand(series_of(appointment, own), window_start=start, window_end=end):
            view = OccurrenceView(presented, instance, by_rid.get(instance.recurrence_id))
            if after is None or view.key > after:
                views.append(view)
    views.sort(key=lambda v: v.key)
    next_token = _encode(views[size - 1].key) if len(views) > size else ""
    return views[:size], next_token


# ----------------------------------------------------------------------------------------- free/busy


@dataclass(frozen=True)
class Busy:
    start: datetime
    end: datetime
    show_as: str


async def free_busy(session: AsyncSession, *, kind: str, owner_id: uuid.UUID, start: datetime,
                    end: datetime) -> list[Busy]:
    """Busy times of a user (own appointments and those they take part in and did not decline) or a resource:
    times and busy status only, so private and invisible appointments count without saying anything."""
    check_window(start, end)
    if kind == "user":  # user ids are opaque references: an unknown one is simply free
        clause = or_(Appointment.owner_id == owner_id, _participating("employee", owner_id))
    else:
        clause = await _calendar_filter(session, None, "resource", owner_id)  # NotFound for an unknown resource
    appointments = list(await session.scalars(_in_window(start, end).where(clause)))
    overrides = await _overrides(session, [a.id for a in appointments if a.rrule])
    busy: list[Busy] = []
    for appointment in appointments:
        if appointment.status == "cancelled":
            continue
        if kind == "user" and appointment.owner_id != owner_id and any(
                p["kind"] == "employee" and p["id"] == str(owner_id) and p["status"] == "declined"
                for p in appointment.participants):
            continue
        own = overrides.get(appointment.id, [])
        by_rid = {o.recurrence_id.astimezone(UTC): o for o in own}
        for instance in recurrence.expand(series_of(appointment, own), window_start=start, window_end=end):
            override = by_rid.get(instance.recurrence_id)
            status = (override.status if override and override.status else None) or appointment.status
            show_as = (override.show_as if override and override.show_as else None) or appointment.show_as
            if status != "cancelled" and show_as != "free":
                busy.append(Busy(max(instance.start, start), min(instance.end, end), show_as))
    busy.sort(key=lambda b: (b.start, b.end))
    return busy
