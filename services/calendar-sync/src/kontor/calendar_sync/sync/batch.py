"""Batched database work of a delta round.

A first sync (or a resync after an expired cursor) hands the engine thousands of events in one round, and a
mailbox holds thousands of mappings when a round brings ten changes. So the round reads per chunk of events,
not per event, and never loads every mapping for a small incremental round:

* ``place_new``: events that nothing ties to a CRM appointment (no mapping of this mailbox, no CRM id, an
  iCalUId no mapping of the tenant has and no other event of the round shares) are created together: the
  same steps ``inbound._place`` takes for a new event, one INSERT round per chunk, in one savepoint. If the
  CRM refuses one of them, the chunk is rolled back and goes the per-event way, which logs and skips just
  that one.
* ``preload``: the mappings of the other events and their appointments (locked, as ``upsert`` locks them)
  in one query each per chunk; ``matching.by_remote`` and ``crm.load`` answer each of them once from there.
* ``held_for``: the live mappings a round's removals can concern. A full round lists the whole window, so
  all of them; an incremental round only those it names (plus every held series when it names ids we do
  not hold, see ``inbound.gone_candidates``), with the window's true count for the "suspect empty" check,
  taken from a few columns instead of whole rows.
* ``refresh_statistics``: after a big round, fresh planner statistics for the tables it grew.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from types import SimpleNamespace
from typing import TypeVar

from sqlalchemy import any_, insert, literal, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.errors import DomainError

from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.providers.base import DeltaResult, RemoteEvent
from kontor.calendar_sync.sync import attendees, convert, crm, matching, participation
from kontor.calendar_sync.sync.models import SyncMapping

CHUNK = 500  # events per INSERT round
_MAPPING_COLUMNS = frozenset(attr.key for attr in SyncMapping.__mapper__.column_attrs)
LOOKUP_CHUNK = 5000  # ids per lookup query
T = TypeVar("T")


def among(column, values: list):
    """``column = ANY(:array)``: one parameter however many values (an IN list compiles one per value)."""
    return column == any_(literal(values, ARRAY(column.type)))


def chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    part: list[T] = []
    for item in items:
        part.append(item)
        if len(part) == size:
            yield part
            part = []
    if part:
        yield part


# ---------------------------------------------------------------- new events, in bulk


async def place_new(session: AsyncSession, ctx, events: list[RemoteEvent]) -> tuple[Counter, list[RemoteEvent]]:
    """Create the plainly new ``events``; returns the counts and the events left for the per-event path."""
    fresh, rest = await _split(session, ctx, events)
    counts: Counter = Counter()
    for part in chunks(fresh):
        try:
            async with session.begin_nested():
                await _create(session, ctx, part)
            counts["created"] += len(part)
        except (DomainError, IntegrityError):
            rest.extend(part)  # one of them is refused: each goes its own way, and only that one is skipped
    return counts, rest


async def _split(session: AsyncSession, ctx, events: list[RemoteEvent]) -> tuple[list[RemoteEvent], list[RemoteEvent]]:
    candidates = [e for e in events if e.event_type == "singleInstance" and matching.crm_id_of(e) is None]
    mapped: set[str] = set()  # tombstones too: a deleted or unlinked item stays away (per-event path)
    for part in chunks((e.remote_id for e in candidates), LOOKUP_CHUNK):
        mapped.update((await session.scalars(select(SyncMapping.remote_id).where(
            SyncMapping.connector_id == ctx.connector.id, among(SyncMapping.remote_id, part)))).all())
    shared = Counter(uid for uid in map(matching.identity, events) if uid)
    known: set[str] = set()  # an iCalUId any mailbox of the tenant maps: the same meeting, matched per event
    for part in chunks({matching.identity(e) for e in candidates} - {None}, LOOKUP_CHUNK):
        known.update((await session.scalars(select(SyncMapping.ical_uid).where(
            among(SyncMapping.ical_uid, part)))).all())
    fresh_ids = {e.remote_id for e in candidates if e.remote_id not in mapped
                 and (matching.identity(e) is None
                      or (shared[matching.identity(e)] == 1 and matching.identity(e) not in known))}
    return ([e for e in events if e.remote_id in fresh_ids], [e for e in events if e.remote_id not in fresh_ids])


async def _create(session: AsyncSession, ctx, events: list[RemoteEvent]) -> None:
    from kontor.calendar_sync.sync import inbound  # noqa: PLC0415 - inbound imports this module

    connector = ctx.connector
    made = await crm.create_many(session, connector, [convert.crm_values(e, connector) for e in events])
    rows = []
    for event, appointment in zip(events, made, strict=True):
        if event.attendees or event.resources:
            # Without either, take_in changes nothing on a new appointment (the owner's own, no participants).
            appointment = await attendees.take_in(session, connector, appointment, event, set(participation.FIELDS))
        mapping = SyncMapping(id=uuid.uuid4(), connector_id=connector.id, remote_id=event.remote_id,
                              appointment_id=appointment.id, is_organizer=event.is_organizer, state="live",
                              remote_fields={}, crm_fields={})
        inbound.remember_remote(mapping, event, inbound.hashes_of(event, None))
        inbound.remember_crm(mapping, appointment, inbound.crm_hashes(appointment, connector))
        mapping.synced_at = ctx.now
        rows.append({key: value for key, value in vars(mapping).items() if key in _MAPPING_COLUMNS})
    # Built as objects by the same helpers as one by one, written as one bulk INSERT (no unit-of-work
    # bookkeeping per row: nothing later in the round reads them back as objects).
    await session.execute(insert(SyncMapping), rows)
    await session.flush()


# ---------------------------------------------------------------- the per-event path, read ahead


async def preload(session: AsyncSession, connector_id: uuid.UUID, events: list[RemoteEvent]) -> None:
    """Mappings of ``events`` and their appointments (FOR UPDATE), a query per chunk instead of two per event."""
    found: dict[str, SyncMapping] = {}
    for part in chunks((e.remote_id for e in events), LOOKUP_CHUNK):
        for mapping in await session.scalars(select(SyncMapping).where(
                SyncMapping.connector_id == connector_id, among(SyncMapping.remote_id, part))):
            found[mapping.remote_id] = mapping
    session.info[matching.PRELOADED] = {(connector_id, e.remote_id): found.get(e.remote_id) for e in events}
    ids = sorted({m.appointment_id for m in found.values() if m.state == "live" and m.appointment_id})
    locked: dict[uuid.UUID, Appointment] = {}
    for part in chunks(ids, LOOKUP_CHUNK):
        for appointment in await session.scalars(select(Appointment).where(among(Appointment.id, part))
                                                 .order_by(Appointment.id).with_for_update()):
            locked[appointment.id] = appointment
    session.info[crm.PRELOADED] = locked


# ---------------------------------------------------------------- after a big round

BIG_ROUND = 1000  # items a round placed before the tables' statistics are refreshed
ANALYZED = ("appointments", "sync_mappings")


async def refresh_statistics(db, tenant_id: uuid.UUID, placed: int) -> None:
    """After a round that placed thousands of items (a first sync), ANALYZE the tables the next runs read.
    Until autovacuum gets to them the planner takes them for empty and may join them by a nested loop that
    reads one table once per row of the other: seconds instead of milliseconds. Where the service's role does
    not own the tables, the server skips them with a warning and autovacuum catches up as usual."""
    if placed < BIG_ROUND:
        return
    async with db.unit_of_work(tenant_id) as session:
        for table in ANALYZED:
            await session.execute(text(f"ANALYZE {table}"))


# ---------------------------------------------------------------- what removals can concern


class Held(dict):
    """Live mappings in the window by remote id (all, or the ones a round needs); ``total`` counts all of
    them (0 for an incremental round that names no removal: it cannot empty the window, so nobody asks)."""

    total: int


async def held_for(session: AsyncSession, ctx, result: DeltaResult) -> Held:
    from kontor.calendar_sync.sync import inbound, occurrences  # noqa: PLC0415 - inbound imports this module

    if result.full:  # a full round implies every held item it did not list is gone: all are candidates
        held = Held(await inbound.live_in_window(session, ctx))
        held.total = len(held)
        return held
    removals = set(result.removals)
    if not removals:  # nothing named gone: nothing to look up, and such a round cannot empty the window
        held = Held()
        held.total = 0
        return held
    shapes = await _shapes_in_window(session, ctx)
    wanted = removals & shapes.keys()
    if removals - shapes.keys():
        wanted |= {rid for rid, shape in shapes.items() if occurrences.is_series(shape)}
    held = Held(await inbound.live_in_window(session, ctx, only=wanted) if wanted else {})
    held.total = len(shapes)
    return held


async def live_ids_in_window(session: AsyncSession, ctx) -> set[str]:
    return set((await _shapes_in_window(session, ctx)).keys())


async def _shapes_in_window(session: AsyncSession, ctx) -> dict[str, SimpleNamespace]:
    """Remote id → the few columns ``inbound._overlaps`` reads, of every live mapping in the window."""
    from kontor.calendar_sync.sync import inbound  # noqa: PLC0415 - inbound imports this module

    rows = await session.execute(select(
        SyncMapping.remote_id, SyncMapping.remote_start, SyncMapping.remote_end,
        SyncMapping.remote_fields["recurrence"].astext).where(
        SyncMapping.connector_id == ctx.connector.id, SyncMapping.state == "live", SyncMapping.remote_id.is_not(None)))
    shapes = {rid: SimpleNamespace(remote_start=start, remote_end=end,
                                   remote_fields={} if recurrence is None else {"recurrence": recurrence})
              for rid, start, end, recurrence in rows}
    return {rid: shape for rid, shape in shapes.items() if inbound._overlaps(shape, ctx.window)}  # noqa: SLF001
