"""Changed and cancelled occurrences of a series, both ways, one occurrence at a time.

A series is one mapping (the CRM appointment ↔ the Graph series master). Its pattern and the fields
of the whole series go through the ordinary per-field merge; what happened to single occurrences is
kept beside them, in the same per-side hash maps, under one key per occurrence: ``occ:<original start,
UTC>`` → ``"cancelled"`` (CRM: EXDATE; Graph: a deleted instance) or the digest of the changed
occurrence (CRM: an override; Graph: an exception). A plain occurrence has no key.

Why one key per occurrence: Graph tells cancelled occurrences and exceptions only inside the window
its instances were read for, while the CRM knows every one. Keys outside the window are carried over
from the last sync (not seen is not changed), so a window that moves on never looks like a change, and
two sides that changed different occurrences of one series both keep their change. The same
occurrence changed on both sides is a conflict the connector's policy decides, recorded as the field
``occurrences``.

The digest covers what the CRM can hold of an occurrence (times, and, unless the series is private,
subject, location and notes where they differ from the series, busy status and a cancelled status), so
a private series' changed occurrence is compared by its shape only and never carries its details into
the CRM. Pushing sends only the parts of an occurrence that differ from Graph's instance, so attendees
are not sent updates for what did not change.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.db import Database
from kontor.platform.errors import DomainError

from kontor.calendar_sync.appointments.models import Appointment, AppointmentOverride
from kontor.calendar_sync.connectors.models import ConnectorSettings
from kontor.calendar_sync.providers.base import (
    CalendarProvider, EventChanges, NotFound, RemoteEvent, TimeWindow, normalise_text,
)
from kontor.calendar_sync.sync import conflicts, convert, crm
from kontor.calendar_sync.sync.models import SyncMapping
from kontor.calendar_sync.sync.state import log as sync_log

PREFIX = "occ:"
CANCELLED = "cancelled"
FIELD = "occurrences"  # how an occurrence conflict is recorded (a field name, never a value)
# How far around the occurrences we push we list instances: an exception may have moved away from its slot.
LISTING_MARGIN = timedelta(days=31)


def key(recurrence_id: datetime) -> str:
    return PREFIX + recurrence_id.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def recurrence_id(occurrence_key: str) -> datetime:
    return datetime.strptime(occurrence_key[len(PREFIX):], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def only(fields: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in fields.items() if k.startswith(PREFIX)}


def without(fields: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in fields.items() if not k.startswith(PREFIX)}


def diff(base: dict[str, str], current: dict[str, str]) -> set[str]:
    """Occurrence keys that differ, both ways (a key that went is a change too)."""
    return {k for k in base.keys() | current.keys() if base.get(k) != current.get(k)}


_NOT_A_SERIES = convert._short(None)  # the "recurrence" hash of a single event


def is_series(mapping: SyncMapping) -> bool:
    value = (mapping.remote_fields or {}).get("recurrence")
    return value is not None and value not in (_NOT_A_SERIES, convert.ABSENT)


def _inside(occurrence_key: str, window: TimeWindow) -> bool:
    return window.start <= recurrence_id(occurrence_key) < window.end


# ---------------------------------------------------------------- the neutral state of a changed occurrence


@dataclasses.dataclass(frozen=True)
class Changed:
    start: datetime
    end: datetime
    subject: str | None = None  # None: as the series (and always for a private series)
    location: str | None = None
    notes: str | None = None
    show_as: str | None = None  # CRM vocabulary; None: as the series
    cancelled: bool = False  # the occurrence shows as cancelled (an attendee's copy), not removed

    def digest(self) -> str:
        def instant(dt: datetime) -> str:
            return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

        raw = json.dumps([instant(self.start), instant(self.end), self.subject, self.location, self.notes,
                          self.show_as, self.cancelled], separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(raw.encode()).hexdigest()[:24]


def _own(value: str | None, series_value: str | None, private: bool) -> str | None:
    """The occurrence's own text: None when private or the same as the series'."""
    if private:
        return None
    text = normalise_text(value)
    return text if text and text != normalise_text(series_value) else None


def _show_as_in(value: str) -> str:
    return convert._SHOW_AS_IN.get(value, "busy")


def from_exception(exception: RemoteEvent, master: RemoteEvent) -> Changed:
    private = master.is_private or exception.is_private
    show_as = _show_as_in(exception.show_as)
    return Changed(start=exception.start, end=exception.end,
                   subject=_own(exception.subject, master.subject, private),
                   location=_own(exception.location, master.location, private),
                   notes=_own(exception.body, master.body, private),
                   show_as=None if show_as == _show_as_in(master.show_as) else show_as,
                   cancelled=exception.is_cancelled)


def from_override(override: AppointmentOverride, appointment: Appointment) -> Changed:
    private = appointment.private
    show_as = override.show_as if override.show_as and override.show_as != appointment.show_as else None
    return Changed(start=override.starts_at, end=override.ends_at,
                   subject=_own(override.subject, appointment.subject, private),
                   location=_own(override.location, appointment.location, private),
                   notes=_own(override.notes, appointment.notes, private),
                   show_as=show_as, cancelled=override.status == "cancelled")


def remote_state(master: RemoteEvent) -> tuple[dict[str, str], dict[str, RemoteEvent]]:
    """(occurrence key → state, occurrence key → exception) of a master read with its instances."""
    states: dict[str, str] = {}
    exceptions: dict[str, RemoteEvent] = {}
    for original in (master.recurrence.exdates if master.recurrence else ()):
        states[key(original)] = CANCELLED
    for exception in master.exceptions:
        if exception.original_start is None:
            continue
        states[key(exception.original_start)] = from_exception(exception, master).digest()
        exceptions[key(exception.original_start)] = exception
    return states, exceptions


async def overrides_of(session: AsyncSession, appointment_id: uuid.UUID) -> list[AppointmentOverride]:
    return list((await session.scalars(select(AppointmentOverride).where(
        AppointmentOverride.appointment_id == appointment_id))).all())


def crm_state(appointment: Appointment, overrides: list[AppointmentOverride]) -> dict[str, str]:
    states = {key(d): CANCELLED for d in appointment.exdates}
    for override in overrides:
        states[key(override.recurrence_id)] = from_override(override, appointment).digest()
    return states


# ---------------------------------------------------------------- groupware → CRM


async def apply_inbound(session: AsyncSession, connector: ConnectorSettings, mapping: SyncMapping,
                        appointment: Appointment, master: RemoteEvent, *, outbound: bool,
                        fresh: bool = False) -> tuple[bool, bool]:
    """Merge the occurrences of a series read with its instances into the CRM; returns (anything changed,
    occurrences the CRM changed still have to be pushed). ``fresh``: the mapping was made just now (the
    CRM side has nothing to push yet)."""
    if master.expanded is None or master.recurrence is None or not appointment.rrule:
        return False, False
    window = master.expanded
    base_remote, base_crm = only(mapping.remote_fields or {}), only(mapping.crm_fields or {})
    seen, exceptions = remote_state(master)
    remote_now = {k: v for k, v in base_remote.items() if not _inside(k, window)} | seen
    crm_now = crm_state(appointment, await overrides_of(session, appointment.id))
    if fresh:
        base_crm = dict(crm_now)
    remote_changed = diff(base_remote, remote_now)
    crm_changed = diff(base_crm, crm_now) if outbound and mapping.is_organizer else set()
    agreed = {k for k in remote_changed & crm_changed if remote_now.get(k) == crm_now.get(k)}
    remote_changed, crm_changed = remote_changed - agreed, crm_changed - agreed  # both did the same: no conflict
    if not remote_changed and not crm_changed:
        mapping.remote_fields = {**without(mapping.remote_fields or {}), **remote_now}
        mapping.crm_fields = {**without(mapping.crm_fields or {}), **crm_now}
        return bool(agreed), False
    modified = max([m for m in (master.last_modified, *(e.last_modified for e in master.exceptions)) if m],
                   default=None)
    result = conflicts.merge(crm_changed=crm_changed, remote_changed=remote_changed,
                             policy=connector.conflict_policy, crm_modified=appointment.updated_at,
                             remote_modified=modified)
    version_before = appointment.version
    for occurrence in sorted(result.to_crm):
        if remote_now.get(occurrence) == crm_now.get(occurrence):
            continue
        appointment = await _take(session, connector, appointment, occurrence, remote_now.get(occurrence),
                                  exceptions.get(occurrence), master)
    if result.conflicts:
        recorded = dataclasses.replace(result, conflicts=frozenset({FIELD}))
        await conflicts.record(session, connector_id=connector.id, appointment_id=appointment.id, result=recorded,
                               policy=connector.conflict_policy)
        sync_log(session, connector.id, "conflict", f"both sides changed {len(result.conflicts)} occurrence(s) of "
                 f"the series; {connector.conflict_policy} kept the {result.winner} version", level="warning",
                 appointment_id=appointment.id)
    crm_after = crm_state(appointment, await overrides_of(session, appointment.id))
    pending = set(result.to_remote)
    synced_crm = {k: v for k, v in crm_after.items() if k not in pending}
    synced_crm |= {k: base_crm[k] for k in pending if k in base_crm}
    mapping.crm_fields = {**without(mapping.crm_fields or {}), **synced_crm}
    mapping.remote_fields = {**without(mapping.remote_fields or {}), **remote_now}
    if pending:
        mapping.crm_version = None
    elif mapping.crm_version == version_before:
        mapping.crm_version = appointment.version  # our own writes are no CRM change to push back
    return True, bool(pending)


async def _take(session: AsyncSession, connector: ConnectorSettings, appointment: Appointment, occurrence: str,
                state: str | None, exception: RemoteEvent | None, master: RemoteEvent) -> Appointment:
    """Bring one occurrence in the CRM to the groupware's state; a refused one is logged and skipped."""
    rid = recurrence_id(occurrence)
    try:
        async with session.begin_nested():
            if state == CANCELLED:
                return await crm.cancel_occurrence(session, connector, appointment, rid)
            if state is None or exception is None:
                return await crm.restore_occurrence(session, connector, appointment, rid)
            changed = from_exception(exception, master)
            return await crm.override_occurrence(session, connector, appointment, {
                "recurrence_id": rid, "start": changed.start, "end": changed.end,
                "subject": changed.subject, "location": changed.location, "notes": changed.notes,
                "status": "cancelled" if changed.cancelled else None, "show_as": changed.show_as})
    except DomainError as exc:
        sync_log(session, connector.id, "occurrence_rejected", f"an occurrence of groupware series "
                 f"{master.remote_id[-16:]} was not taken: {type(exc).__name__} on "
                 f"{getattr(exc, 'field', '') or 'the occurrence'}", level="warning", appointment_id=appointment.id)
        return await crm.load(session, appointment.id) or appointment


# ---------------------------------------------------------------- CRM → groupware


async def push(db: Database, provider: CalendarProvider, connector: ConnectorSettings, now: datetime,
               appointment_id: uuid.UUID, *, reapply: bool = False) -> int:
    """Push the CRM's changed and cancelled occurrences of a mapped series; returns how many were written.

    ``reapply``: the series' pattern or times were just pushed, which drops every exception and
    cancellation in Exchange, so every occurrence the CRM changed goes out again.
    """
    async with db.unit_of_work(connector.tenant_id) as session:
        mapping = await session.scalar(select(SyncMapping).where(
            SyncMapping.connector_id == connector.id, SyncMapping.appointment_id == appointment_id,
            SyncMapping.state == "live"))
        appointment = await crm.load(session, appointment_id)
        if mapping is None or appointment is None or not appointment.rrule or not mapping.is_organizer:
            return 0
        overrides = {key(o.recurrence_id): o for o in await overrides_of(session, appointment_id)}
        crm_now = crm_state(appointment, list(overrides.values()))
        base = only(mapping.crm_fields or {})
        targets = diff(base, crm_now) | (set(crm_now) if reapply else set())
        if not targets:
            return 0
        series = convert.to_remote(appointment, connector)
        remote_id, duration = mapping.remote_id, appointment.ends_at - appointment.starts_at
        wanted = {k: (crm_now.get(k), overrides.get(k)) for k in targets}
    starts = [recurrence_id(k) for k in targets]
    listing = TimeWindow(min(starts) - LISTING_MARGIN, max(starts) + duration + LISTING_MARGIN)
    try:
        instances = await provider.instances(connector.mailbox, remote_id, listing)
    except NotFound:
        return 0  # the series is gone: the next delta round removes it
    by_original = {i.original_start: i for i in instances if i.original_start}
    written, done = 0, {}
    for occurrence, (state, override) in sorted(wanted.items()):
        instance = by_original.get(recurrence_id(occurrence))
        if state == CANCELLED:
            if instance is not None and await provider.delete(connector.mailbox, instance.remote_id):
                written += 1
            done[occurrence] = state
        elif instance is None:
            # Cancelled in the groupware: Graph cannot bring a deleted occurrence back. Its remote base
            # becomes "plain", so the next round reads the cancellation as a groupware change into the CRM.
            done[occurrence] = None
        else:
            changes = _changes(instance, series, recurrence_id(occurrence), duration, override)
            if changes.values:
                # No If-Match: an occurrence carries its master's change key, which every other occurrence
                # written just before has changed. Only the differing parts are sent.
                try:
                    await provider.update(connector.mailbox, instance.remote_id, changes, None)
                except NotFound:  # cancelled meanwhile: as above
                    done[occurrence] = None
                    continue
                written += 1
            done[occurrence] = state
    async with db.unit_of_work(connector.tenant_id) as session:
        mapping = await session.scalar(select(SyncMapping).where(
            SyncMapping.connector_id == connector.id, SyncMapping.appointment_id == appointment_id,
            SyncMapping.state == "live"))
        if mapping is not None:
            crm_fields, remote_fields = dict(mapping.crm_fields or {}), dict(mapping.remote_fields or {})
            for occurrence, state in done.items():
                for fields in (crm_fields, remote_fields):
                    fields.pop(occurrence, None)
                if crm_now.get(occurrence) is not None:
                    crm_fields[occurrence] = crm_now[occurrence]
                if state is not None:
                    remote_fields[occurrence] = state
            mapping.crm_fields, mapping.remote_fields, mapping.synced_at = crm_fields, remote_fields, now
        if written:
            sync_log(session, connector.id, "pushed", f"{written} occurrence(s) of appointment {appointment_id} "
                     "changed in the groupware", appointment_id=appointment_id)
    return written


def _changes(instance: RemoteEvent, series: RemoteEvent, rid: datetime, duration: timedelta,
             override: AppointmentOverride | None) -> EventChanges:
    """Only what differs from the groupware's instance: attendees hear of nothing else."""
    if override is not None:
        start, end = override.starts_at.astimezone(UTC), override.ends_at.astimezone(UTC)
        subject = override.subject or series.subject
        location = override.location or series.location
        notes = override.notes or series.body
        show_as = convert._SHOW_AS_OUT.get(override.show_as or "", series.show_as)
    else:  # the CRM made it a plain occurrence again: the series' values
        start, end = rid, rid + duration
        subject, location, notes, show_as = series.subject, series.location, series.body, series.show_as
    values: dict = {}
    if (instance.start, instance.end) != (start, end):
        values.update(start=start, end=end, timezone=series.timezone, is_all_day=series.is_all_day)
    if instance.show_as != show_as:
        values["show_as"] = show_as
    if not series.is_private:  # a private series' occurrence keeps the details Outlook has (the CRM has none)
        if normalise_text(instance.subject) != normalise_text(subject):
            values["subject"] = subject
        if normalise_text(instance.location) != normalise_text(location):
            values["location"] = location
        if normalise_text(instance.body) != normalise_text(notes):
            values["body"] = notes
    return EventChanges.of(**values)
