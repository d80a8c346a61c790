"""Groupware → CRM: apply one delta round to the CRM calendar.

Every upsert is placed by ``matching`` (never inserted blindly), so a full round after an expired cursor
reconciles instead of duplicating, and writes nothing to the groupware unless content really differs
(then the normal merge decides). Removals arrive confirmed (``confirm_removals``: gone vs. moved out of
the window) and follow the connector's deletion policy; tombstoned mappings keep deleted items away.
A round that would empty a window that held items pauses the mailbox instead of deleting anything.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.errors import DomainError

from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.connectors.models import ConnectorSettings
from kontor.calendar_sync.providers.base import DeltaResult, RemoteEvent, TimeWindow
from kontor.calendar_sync.sync import attendees, batch, conflicts, convert, crm, matching, occurrences, participation
from kontor.calendar_sync.sync.models import PendingPush, SyncMapping
from kontor.calendar_sync.sync.state import log as sync_log

log = logging.getLogger(__name__)

# A round that would remove at least this many items and leave the window empty is suspect.
SUSPECT_EMPTY_MIN = 2


@dataclass
class Context:
    connector: ConnectorSettings
    window: TimeWindow
    now: datetime

    @property
    def inbound(self) -> bool:
        return self.connector.direction in ("both", "groupware_to_crm")

    @property
    def outbound(self) -> bool:
        return self.connector.direction in ("both", "crm_to_groupware")


@dataclass
class Outcome:
    counts: Counter = field(default_factory=Counter)
    listed: set[str] = field(default_factory=set)  # remote ids of the units a full round listed
    paused: str = ""


def units(result: DeltaResult) -> list[RemoteEvent]:
    """What maps to an appointment: single events, and series masters (delta lists only their occurrences)."""
    out: dict[str, RemoteEvent] = {}
    for event in result.upserts:
        if event.event_type == "singleInstance":
            out[event.remote_id] = event
        elif event.series_master_id and event.series_master_id in result.series:
            out.setdefault(event.series_master_id, result.series[event.series_master_id])
    return list(out.values())


def hashes_of(event: RemoteEvent, mapping: SyncMapping | None) -> dict[str, str]:
    fields = convert.field_hashes(event)
    if not event.links_loaded and mapping is not None and "links" in mapping.remote_fields:
        fields["links"] = mapping.remote_fields["links"]  # not read this round: Outlook cannot edit them
    return fields


def crm_hashes(appointment: Appointment, connector: ConnectorSettings) -> dict[str, str]:
    return convert.field_hashes(convert.to_remote(appointment, connector))


def remember_remote(mapping: SyncMapping, event: RemoteEvent, fields: dict[str, str]) -> None:
    mapping.remote_change_key = event.change_key or event.etag
    mapping.remote_fields = {**occurrences.only(mapping.remote_fields or {}), **fields}  # occurrences: their own
    mapping.remote_hash = convert.content_hash(fields)
    mapping.remote_start, mapping.remote_end = event.start, event.end
    if event.ical_uid or event.series_ical_uid:
        mapping.ical_uid = matching.identity(event)


def remember_crm(mapping: SyncMapping, appointment: Appointment, fields: dict[str, str],
                 *, pending: frozenset[str] = frozenset()) -> None:
    """The CRM side is synced except ``pending`` fields, which still have to reach the groupware."""
    base = mapping.crm_fields or {}
    synced = {k: (base.get(k, "") if k in pending else v) for k, v in fields.items()}
    mapping.crm_fields = {**occurrences.only(base), **synced}  # a series' occurrences are synced on their own
    mapping.crm_hash = convert.content_hash(synced)
    mapping.crm_version = None if pending else appointment.version


async def enqueue(session: AsyncSession, connector_id: uuid.UUID, appointment_id: uuid.UUID, operation: str,
                  *, manual: bool = False) -> None:
    stmt = insert(PendingPush).values(id=uuid.uuid4(), connector_id=connector_id, appointment_id=appointment_id,
                                      operation=operation, manual=manual)
    update = {"operation": stmt.excluded.operation} if operation == "delete" else {}
    if manual:
        update["manual"] = True
    await session.execute(stmt.on_conflict_do_update(
        index_elements=["tenant_id", "connector_id", "appointment_id"], set_=update) if update
        else stmt.on_conflict_do_nothing(index_elements=["tenant_id", "connector_id", "appointment_id"]))


async def upsert(session: AsyncSession, ctx: Context, event: RemoteEvent, gone: frozenset[str] = frozenset()) -> str:
    connector = ctx.connector
    mapping = await matching.by_remote(session, connector.id, event.remote_id)
    if mapping is not None and mapping.state != "live":
        return "tombstoned"
    if mapping is None:
        return await _place(session, ctx, event, gone)
    appointment = await crm.load(session, mapping.appointment_id, lock=True)
    if appointment is None or appointment.deleted_at is not None:
        return "pending_delete"  # the CRM deleted it; the outbound push decides
    if appointment.sync_disabled:
        return "not_synced"  # the don't-sync flag holds both ways
    remote_now = hashes_of(event, mapping)
    if convert.content_hash(remote_now) == mapping.remote_hash:
        mapping.remote_change_key = event.change_key or event.etag  # a new ETag, same content: no change
        return await _occurrences(session, ctx, mapping, appointment, event, "unchanged")
    crm_now = crm_hashes(appointment, connector)
    participation.adopt(mapping, remote_now, crm_now)  # a mapping from before attendees were synced
    remote_changed = conflicts.changed(mapping.remote_fields, remote_now)
    crm_changed = conflicts.changed(mapping.crm_fields, crm_now) if mapping.crm_version != appointment.version else set()
    if not ctx.outbound:
        crm_changed = set()  # nothing goes back: the groupware's word stands
    elif not mapping.is_organizer:
        crm_changed &= {"my_status"}  # an attendee's copy takes back only its owner's answer (attendees.answer)
    if (not mapping.is_organizer and event.is_cancelled and "is_cancelled" in remote_changed
            and appointment.owner_id != connector.user_id):
        # The organizer took this person off the meeting (or cancelled it; their own mailbox says so for the
        # appointment): this copy's cancellation is this participant's, not the appointment's.
        remote_changed.discard("is_cancelled")
        appointment = await crm.set_participation(session, connector, appointment, connector.user_id, present=False)
    appointment, result = await resolve(session, connector, appointment, event, crm_changed=crm_changed,
                                        remote_changed=remote_changed)
    remember_remote(mapping, event, remote_now)
    remember_crm(mapping, appointment, crm_hashes(appointment, connector), pending=result.to_remote)
    mapping.synced_at = ctx.now
    if result.to_remote:
        await enqueue(session, connector.id, appointment.id, "upsert")
    return await _occurrences(session, ctx, mapping, appointment, event,
                              "conflict" if result.conflicts else "updated")


async def _occurrences(session: AsyncSession, ctx: Context, mapping: SyncMapping, appointment: Appointment,
                       event: RemoteEvent, outcome: str, *, fresh: bool = False) -> str:
    """A series' changed and cancelled occurrences, after the series' own fields (occurrences.py)."""
    if event.event_type != "seriesMaster" or event.expanded is None:
        return outcome
    appointment = await crm.load(session, appointment.id) or appointment
    changed, pending = await occurrences.apply_inbound(session, ctx.connector, mapping, appointment, event,
                                                       outbound=ctx.outbound, fresh=fresh)
    if pending:
        await enqueue(session, ctx.connector.id, appointment.id, "upsert")
    return "updated" if changed and outcome == "unchanged" else outcome


async def resolve(session: AsyncSession, connector: ConnectorSettings, appointment: Appointment, event: RemoteEvent,
                  *, crm_changed: set[str], remote_changed: set[str]) -> tuple[Appointment, conflicts.Merge]:
    """Merge by the connector's policy, take the groupware's winning fields into the CRM, record conflicts."""
    result = conflicts.merge(crm_changed=crm_changed, remote_changed=remote_changed,
                             policy=connector.conflict_policy, crm_modified=appointment.updated_at,
                             remote_modified=event.last_modified)
    if result.to_crm:
        appointment = await crm.update(session, connector, appointment, convert.crm_values(
            event, connector, set(result.to_crm), current_status=appointment.status))
        appointment = await attendees.take_in(session, connector, appointment, event, result.to_crm)
    if result.conflicts:
        await conflicts.record(session, connector_id=connector.id, appointment_id=appointment.id, result=result,
                               policy=connector.conflict_policy)
        sync_log(session, connector.id, "conflict", f"both sides changed {', '.join(sorted(result.conflicts))}; "
                 f"{connector.conflict_policy} kept the {result.winner} version", level="warning",
                 appointment_id=appointment.id)
    return appointment, result


async def _place(session: AsyncSession, ctx: Context, event: RemoteEvent, gone: frozenset[str] = frozenset()) -> str:
    connector = ctx.connector
    match = await matching.find(session, connector.id, event, gone)
    if match.mapping is not None:  # Outlook re-created our mapped event under a new id: the mapping moves
        old_id, match.mapping.remote_id, match.mapping.is_organizer = (match.mapping.remote_id, event.remote_id,
                                                                      event.is_organizer)
        await session.flush()
        await upsert(session, ctx, event)  # an ordinary update from here on (content compared per field)
        sync_log(session, connector.id, "remapped", f"groupware item {old_id[-16:]} came back as "
                 f"{event.remote_id[-16:]} (same iCalUId): kept as the same appointment",
                 appointment_id=match.appointment.id)
        return "remapped"
    mapping = SyncMapping(id=uuid.uuid4(), connector_id=connector.id, remote_id=event.remote_id,
                          is_organizer=event.is_organizer, state="live", remote_fields={}, crm_fields={})
    if match.how == "deleted":  # deleted in the CRM: never bring it back
        mapping.appointment_id = match.appointment.id
        remember_remote(mapping, event, hashes_of(event, None))
        session.add(mapping)
        if (event.is_organizer and ctx.outbound and connector.deletion_policy == "delete_other_side"
                and event.crm_id == str(match.appointment.id)):
            # Our own event whose deletion never reached the groupware (e.g. the push died): delete it now.
            await session.flush()
            await enqueue(session, connector.id, match.appointment.id, "delete")
            return "pending_delete"
        mapping.state, mapping.ended_at = "deleted", ctx.now
        return "tombstoned"
    appointment = match.appointment
    if appointment is None:
        appointment = await crm.create(session, connector, convert.crm_values(event, connector))
        appointment = await attendees.take_in(session, connector, appointment, event, set(participation.FIELDS))
        outcome = "created"
    else:
        appointment = await crm.set_participation(session, connector, appointment, connector.user_id, present=True)
        appointment = await attendees.take_in(session, connector, appointment, event, set(participation.FIELDS))
        outcome = "remapped" if match.how == "remapped" else "linked"
    mapping.appointment_id = appointment.id
    remember_remote(mapping, event, hashes_of(event, None))
    remember_crm(mapping, appointment, crm_hashes(appointment, connector))
    mapping.synced_at = ctx.now
    session.add(mapping)
    if match.how not in ("crm_id", "remapped"):
        await _occurrences(session, ctx, mapping, appointment, event, outcome, fresh=True)
    if match.how == "crm_id" or (match.how == "remapped" and event.is_organizer):
        # Our own event, mapping lost (a push that died before storing it, a resync) or re-created in Outlook:
        # its base is what the CRM has, so whatever Outlook changed is a remote change, merged like any other.
        mapping.remote_fields = dict(mapping.crm_fields)
        mapping.remote_hash = convert.content_hash(mapping.remote_fields)
        await session.flush()
        await upsert(session, ctx, event)
    return outcome


async def remove(session: AsyncSession, ctx: Context, mapping: SyncMapping) -> str:
    """The groupware item is really gone: the deletion policy decides what happens in the CRM."""
    connector = ctx.connector
    appointment = await crm.load(session, mapping.appointment_id, lock=True)
    mapping.ended_at = ctx.now
    if appointment is None or appointment.deleted_at is not None:
        mapping.state = "deleted"
        return "deleted"
    if not mapping.is_organizer:  # an attendee's copy went (deleted, declined in Outlook): they do not take part
        await attendees.answer_gone(session, connector, appointment)
        mapping.state = "unlinked"
        return "unlinked"
    if connector.deletion_policy == "delete_other_side":
        await crm.delete(session, connector, appointment)
        mapping.state = "deleted"
        return "deleted"
    mapping.state = "unlinked"
    return "unlinked"


async def live_in_window(session: AsyncSession, ctx: Context,
                         *, only: set[str] | None = None) -> dict[str, SyncMapping]:
    query = select(SyncMapping).where(SyncMapping.connector_id == ctx.connector.id, SyncMapping.state == "live",
                                      SyncMapping.remote_id.is_not(None))
    rows = await session.scalars(query if only is None else query.where(SyncMapping.remote_id.in_(sorted(only))))
    return {m.remote_id: m for m in rows if _overlaps(m, ctx.window)}


def _overlaps(mapping: SyncMapping, window: TimeWindow) -> bool:
    if mapping.remote_start is None or mapping.remote_end is None:
        return True
    if occurrences.is_series(mapping):  # remote_start/end are the first occurrence's: a series runs on
        return mapping.remote_start < window.end
    return mapping.remote_start < window.end and mapping.remote_end >= window.start


def gone_candidates(result: DeltaResult, held: dict[str, SyncMapping]) -> list[str]:
    """Remote ids we hold that this round says (or, for a full round, implies) are no longer there."""
    listed = {e.remote_id for e in units(result)}
    removed = {rid for rid in result.removals if rid in held}
    if result.full:
        removed |= {rid for rid in held if rid not in listed}
    elif set(result.removals) - set(held):
        # A deleted series shows only as removed occurrence ids (the master is never listed): every held
        # series this round did not list is checked (confirm_removals), so it goes in an incremental round too.
        removed |= {rid for rid, m in held.items() if occurrences.is_series(m) and rid not in result.series}
    return sorted(removed)


def suspect_empty(result: DeltaResult, held: dict[str, SyncMapping], gone: list[str]) -> bool:
    """The whole window would be emptied: a full round listing nothing, or every held item going at once."""
    total = getattr(held, "total", len(held))  # batch.Held: a round may load only the mappings it needs
    if total < SUSPECT_EMPTY_MIN:
        return False
    if result.full and not units(result):
        return True
    return len(gone) >= total and not units(result)


async def apply(session: AsyncSession, ctx: Context, result: DeltaResult, confirmed: dict[str, RemoteEvent | None],
                *, accept_empty: bool = False) -> Outcome:
    outcome = Outcome()
    held = await batch.held_for(session, ctx, result)
    gone = [rid for rid in gone_candidates(result, held) if confirmed.get(rid, "absent") is None]
    if suspect_empty(result, held, gone) and not accept_empty:
        outcome.paused = "window_empty"
        sync_log(session, ctx.connector.id, "window_empty", f"the groupware listed nothing in the window while "
                 f"{held.total} synced appointments are there; paused, nothing deleted. Check the mailbox, then "
                 "resume or resync", level="error")
        return outcome
    todo = units(result)
    outcome.listed.update(e.remote_id for e in todo)
    created, todo = await batch.place_new(session, ctx, todo)  # the plainly new ones in bulk
    outcome.counts.update(created)
    await batch.preload(session, ctx.connector.id, todo)  # the rest one by one, their rows read ahead
    for event in todo:
        outcome.counts[await _guarded(session, ctx, event, frozenset(gone))] += 1
    for rid in gone:
        mapping = held.get(rid)
        if mapping is not None and mapping.remote_id == rid:  # else remapped to its re-created event
            outcome.counts[await remove(session, ctx, mapping)] += 1
    for rid, still in confirmed.items():  # moved out of the window (or changed outside it): keep, note where
        mapping = held.get(rid)
        if still is not None and mapping is not None:
            mapping.remote_start, mapping.remote_end = still.start, still.end
            if not occurrences.is_series(mapping):  # a series only checked for being deleted stays put
                outcome.counts["moved_out"] += 1
    return outcome


async def _guarded(session: AsyncSession, ctx: Context, event: RemoteEvent, gone: frozenset[str]) -> str:
    """One item in its own savepoint: an item the CRM refuses is logged and skipped, the round goes on."""
    try:
        async with session.begin_nested():
            return await upsert(session, ctx, event, gone)
    except DomainError as exc:
        sync_log(session, ctx.connector.id, "item_rejected", f"groupware item {event.remote_id[-16:]} was not "
                 f"taken: {type(exc).__name__} on {getattr(exc, 'field', '') or 'the appointment'}", level="warning")
        return "rejected"
