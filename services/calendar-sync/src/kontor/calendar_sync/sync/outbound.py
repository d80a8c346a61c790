"""CRM → groupware: find CRM changes, persist them as pending pushes, push them.

Which appointments go out: the connector owner's, in the window, without the don't-sync flag, not in a
skipped status (completed by default), and, for a first push, inside working hours unless pushed by hand.
Creates carry a stable ``transactionId`` (a retry returns the first event); updates send only the fields
the CRM changed, with ``If-Match`` on the last change key; a 412 re-reads the event and merges by policy.
Pushes live in ``sync_pending_pushes`` until they are done: throttling moves their next attempt, never
drops them. Network calls happen outside transactions; each result is stored in its own short one.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Uuid, and_, any_, delete, exists, false, func, literal, or_, select, true, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.db import Database

from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.connectors.models import ConnectorSettings
from kontor.calendar_sync.connectors.service import working_time_model
from kontor.calendar_sync.connectors.working_hours import is_within_working_hours
from kontor.calendar_sync.providers.base import (
    CalendarProvider, InvalidRequest, NotFound, PreconditionFailed, RemoteEvent, Throttled, TransientError,
    UnsupportedRecurrence,
)
from kontor.calendar_sync.sync import attendees, conflicts, convert, crm, inbound, occurrences, participation, state
from kontor.calendar_sync.sync.inbound import Context, crm_hashes, enqueue, remember_crm, remember_remote
from kontor.calendar_sync.sync.models import PendingPush, SyncMapping
from kontor.calendar_sync.sync.state import log as sync_log

log = logging.getLogger(__name__)

TXN_NAMESPACE = uuid.UUID("8f0e4d1c-36a1-4d6e-9a49-1c3c52b0c2d7")
MAX_PUSHES_PER_RUN = 200
MAX_412_ROUNDS = 3
# A transaction may stamp updated_at and commit after a later scan began: each scan looks back this far more.
WATERMARK_MARGIN = timedelta(minutes=10)
MAX_LISTED = 5000  # more changed appointments than this: one full scan
GIVE_UP_DELAY = timedelta(hours=1)


def transaction_id(connector_id: uuid.UUID, appointment_id: uuid.UUID) -> str:
    """Stable per (mailbox, appointment): every retry of the create is the same create."""
    return str(uuid.uuid5(TXN_NAMESPACE, f"{connector_id}:{appointment_id}"))


def eligible(ctx: Context, appointment: Appointment, *, first_push: bool, manual: bool = False) -> bool:
    if appointment.sync_disabled or appointment.status in (ctx.connector.skip_statuses or []):
        return False
    if first_push and not manual:
        end = appointment.series_ends_at if appointment.rrule else appointment.ends_at
        if appointment.starts_at >= ctx.window.end or (end is not None and end < ctx.window.start):
            return False
        if not is_within_working_hours(working_time_model(ctx.connector), appointment.starts_at, appointment.ends_at):
            return False
    return True


async def find_changes(session: AsyncSession, ctx: Context) -> int:
    """Enqueue pushes for the owner's new, changed and deleted appointments; returns how many were enqueued.

    The first scan of a scope (window and connector settings: both change which appointments are eligible)
    reads them all; later ones only what ``_to_look_at`` finds changed since, so an unchanged calendar costs
    one query on an index.
    """
    row = await state.mailbox_state(session, ctx.connector.id)
    scope = f"{ctx.window.start.isoformat()}/{ctx.window.end.isoformat()}/v{ctx.connector.version}"
    scanned_at = datetime.now(UTC)  # wall clock, as appointments' updated_at (ctx.now may be a test's)
    only = None
    if row.outbound_scope == scope and row.outbound_watermark is not None:
        only = await _to_look_at(session, ctx, row.outbound_watermark - WATERMARK_MARGIN)
        if len(only) > MAX_LISTED:
            only = None  # a mass change: one full scan reads them cheaper than long id lists
    queued = await _scan(session, ctx, only) if only is None or only else 0
    row.outbound_scope, row.outbound_watermark = scope, scanned_at
    return queued


def _owned_here(ctx: Context):
    """Appointments this mailbox takes because of who owns them.

    Another calendar (a non-CRM user's, registered and owned by a manager) gets back only what came from it,
    through its mappings. A personal mailbox leaves out what came from its owner's other calendars: the
    manager owns those appointments, and without this each would land in the manager's own Outlook too.
    """
    if ctx.connector.kind == "other_calendar":
        return false()
    from_another_calendar = exists().where(
        SyncMapping.appointment_id == Appointment.id, SyncMapping.connector_id == ConnectorSettings.id,
        ConnectorSettings.kind == "other_calendar")
    return and_(Appointment.owner_id == ctx.connector.user_id, ~from_another_calendar)


async def _to_look_at(session: AsyncSession, ctx: Context, since: datetime) -> set[uuid.UUID]:
    """Appointments changed since ``since`` that are the owner's or mapped here and not in step with a live
    mapping of this mailbox (new, changed, deleted), and those whose live mapping the engine marked for
    another pass. One query on indexes; the database compares the versions, so rows in step never come back.
    Written with EXISTS inside ORs, which PostgreSQL runs as hashed subplans: linear even right after a first
    sync, when the tables have no statistics yet (a join may then be planned as a nested loop over both)."""
    cid = ctx.connector.id

    def live(*extra):
        return exists().where(SyncMapping.appointment_id == Appointment.id, SyncMapping.connector_id == cid,
                              SyncMapping.state == "live", *extra)

    changed = select(Appointment.id).where(
        Appointment.updated_at > since,
        or_(_owned_here(ctx), live()),
        or_(Appointment.deleted_at.is_not(None), ~live(SyncMapping.crm_version == Appointment.version)))
    marked = select(SyncMapping.appointment_id).where(
        SyncMapping.connector_id == cid, SyncMapping.state == "live", SyncMapping.crm_version.is_(None),
        SyncMapping.appointment_id.is_not(None))
    return set((await session.scalars(union_all(changed, marked))).all())


async def _scan(session: AsyncSession, ctx: Context, only: set[uuid.UUID] | None) -> int:
    """Enqueue what needs pushing among the appointments (``only`` these, if given)."""
    cid = ctx.connector.id
    live = SyncMapping.__table__.alias("live")
    listed = literal(sorted(only), ARRAY(Uuid)) if only is not None else None
    within = (lambda column: column == any_(listed)) if listed is not None else (lambda column: true())
    rows = (await session.execute(
        select(Appointment, live.c.id, live.c.crm_version, live.c.is_organizer)
        .outerjoin(live, and_(live.c.appointment_id == Appointment.id, live.c.connector_id == cid,
                              live.c.state == "live"))
        .where(within(Appointment.id), Appointment.deleted_at.is_(None),
               or_(and_(_owned_here(ctx),
                        or_(live.c.id.is_not(None), Appointment.starts_at < ctx.window.end)),
                   # an attendee's copy: its owner's answer may have changed in the CRM (attendees.answer)
                   and_(live.c.id.is_not(None), live.c.is_organizer.is_(False)))))).all()
    ended = set((await session.scalars(select(SyncMapping.appointment_id).where(
        within(SyncMapping.appointment_id), SyncMapping.connector_id == cid, SyncMapping.state != "live",
        SyncMapping.appointment_id.is_not(None)))).all())
    queued = 0
    for appointment, mapping_id, crm_version, is_organizer in rows:
        if mapping_id is None:
            if appointment.id in ended or not eligible(ctx, appointment, first_push=True):
                continue
        elif crm_version == appointment.version or not eligible(ctx, appointment, first_push=False):
            continue
        await enqueue(session, cid, appointment.id, "upsert")
        queued += 1
    deleted = (await session.scalars(
        select(SyncMapping.appointment_id).join(Appointment, Appointment.id == SyncMapping.appointment_id)
        .where(within(SyncMapping.appointment_id), SyncMapping.connector_id == cid, SyncMapping.state == "live",
               Appointment.deleted_at.is_not(None)))).all()
    for appointment_id in deleted:
        await enqueue(session, cid, appointment_id, "delete")
        queued += 1
    return queued


async def push_by_hand(session: AsyncSession, connector_id: uuid.UUID, appointment_id: uuid.UUID) -> None:
    """Push one appointment even outside working hours or the window (the user asked for it)."""
    await enqueue(session, connector_id, appointment_id, "upsert", manual=True)


async def due(session: AsyncSession, connector_id: uuid.UUID, now: datetime) -> list[uuid.UUID]:
    return list((await session.scalars(select(PendingPush.id).where(
        PendingPush.connector_id == connector_id,
        PendingPush.next_attempt_at <= func.greatest(now, func.now()))
        .order_by(PendingPush.created_at, PendingPush.id).limit(MAX_PUSHES_PER_RUN))).all())


async def hold_all(session: AsyncSession, connector_id: uuid.UUID, until: datetime, code: str) -> None:
    """Throttled: every pending push waits (none is dropped)."""
    for push in await session.scalars(select(PendingPush).where(PendingPush.connector_id == connector_id)):
        push.next_attempt_at = max(push.next_attempt_at, until)
        push.last_error = code


async def push_all(db: Database, provider: CalendarProvider, ctx: Context) -> dict[str, int]:
    """Every due push of the mailbox. Throttled is re-raised after every push is held (state: throttled)."""
    counts: dict[str, int] = {}
    tenant = ctx.connector.tenant_id
    async with db.unit_of_work(tenant) as session:
        ids = await due(session, ctx.connector.id, ctx.now)
    for push_id in ids:
        try:
            outcome = await push_one(db, provider, ctx, push_id)
        except Throttled as exc:
            async with db.unit_of_work(tenant) as session:
                push = await session.get(PendingPush, push_id)
                if push is not None:
                    push.attempts += 1
                await hold_all(session, ctx.connector.id, ctx.now + timedelta(seconds=exc.retry_after),
                               f"throttled:{exc.code or exc.status or ''}"[:64])
            raise
        except (TransientError, InvalidRequest, UnsupportedRecurrence) as exc:
            outcome = "failed"
            async with db.unit_of_work(tenant) as session:
                push = await session.get(PendingPush, push_id)
                if push is not None:
                    push.attempts += 1
                    push.last_error = type(exc).__name__[:64]
                    retry = timedelta(seconds=min(30 * 2 ** push.attempts, GIVE_UP_DELAY.total_seconds()))
                    push.next_attempt_at = ctx.now + retry
                    sync_log(session, ctx.connector.id, "push_failed", f"pushing appointment {push.appointment_id} "
                             f"failed ({type(exc).__name__}, attempt {push.attempts}); retried later",
                             level="warning", appointment_id=push.appointment_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


async def push_one(db: Database, provider: CalendarProvider, ctx: Context, push_id: uuid.UUID) -> str:
    tenant, connector, mailbox = ctx.connector.tenant_id, ctx.connector, ctx.connector.mailbox
    async with db.unit_of_work(tenant) as session:
        push = await session.get(PendingPush, push_id)
        if push is None:
            return "gone"
        appointment = await crm.load(session, push.appointment_id)
        mapping = await session.scalar(select(SyncMapping).where(
            SyncMapping.connector_id == connector.id, SyncMapping.appointment_id == push.appointment_id,
            SyncMapping.state == "live"))
        if appointment is None or appointment.deleted_at is not None or push.operation == "delete":
            if mapping is None:
                await session.delete(push)
                return "nothing"
            operation, remote_id = "delete", mapping.remote_id
        elif mapping is None:
            if not eligible(ctx, appointment, first_push=True, manual=push.manual):
                await session.delete(push)
                return "skipped"
            operation, remote_id = "create", None
        elif not eligible(ctx, appointment, first_push=False):
            await session.delete(push)  # don't-sync flag or skipped status: stays as it is
            return "skipped"
        elif not mapping.is_organizer:
            operation, remote_id = "answer", mapping.remote_id  # an attendee's copy: only its owner's answer
        else:
            operation, remote_id = "update", mapping.remote_id
        event = convert.to_remote(appointment, connector) if appointment is not None else None
        if operation == "create":  # the CRM's participants and resources are invited with the create, once
            event = await attendees.for_create(session, connector, appointment, event)
        version = appointment.version if appointment is not None else None
        base = dict(mapping.crm_fields) if mapping else {}
        change_key = mapping.remote_change_key if mapping else None
        remote_base = dict(mapping.remote_fields) if mapping else {}
    if operation == "delete":
        return await _delete(db, provider, ctx, push_id, remote_id)
    if operation == "answer":
        return await attendees.answer(db, provider, connector, ctx.now, push_id, appointment.id, remote_id)
    if operation == "create":
        created = await provider.create(mailbox, event, transaction_id(connector.id, appointment.id))
        async with db.unit_of_work(tenant) as session:
            mapping = SyncMapping(id=uuid.uuid4(), connector_id=connector.id, appointment_id=appointment.id,
                                  remote_id=created.remote_id, is_organizer=True, state="live",
                                  remote_fields={}, crm_fields={})
            created.links = event.links
            remember_remote(mapping, created, convert.field_hashes(created))
            mapping.crm_fields = convert.field_hashes(event)
            mapping.crm_hash, mapping.crm_version, mapping.synced_at = (
                convert.content_hash(mapping.crm_fields), version, ctx.now)
            session.add(mapping)
            await session.execute(delete(PendingPush).where(PendingPush.id == push_id))
            sync_log(session, connector.id, "pushed", f"appointment {appointment.id} created in the groupware",
                     appointment_id=appointment.id)
            if appointment.rrule:
                mapping.crm_version = None  # one more (network-free) pass settles the series' occurrences
        if appointment.rrule:
            await _push_occurrences(db, provider, ctx, appointment.id)
        return "created"
    outcome = await _update(db, provider, ctx, push_id, appointment.id, remote_id, event, base, change_key,
                            remote_base)
    if appointment.rrule and outcome != "gone_remotely":
        # Exchange drops every exception and cancellation when a series' pattern or times change.
        reapply = bool({"recurrence", "time"} & conflicts.changed(base, convert.field_hashes(event)))
        await _push_occurrences(db, provider, ctx, appointment.id, reapply=reapply)
    return outcome


async def _push_occurrences(db: Database, provider: CalendarProvider, ctx: Context, appointment_id: uuid.UUID,
                            *, reapply: bool = False) -> None:
    """The series' changed and cancelled occurrences (occurrences.py); a failure leaves a push behind."""
    try:
        await occurrences.push(db, provider, ctx.connector, ctx.now, appointment_id, reapply=reapply)
    except Exception:
        async with db.unit_of_work(ctx.connector.tenant_id) as session:
            await enqueue(session, ctx.connector.id, appointment_id, "upsert")
        raise


async def _delete(db: Database, provider: CalendarProvider, ctx: Context, push_id: uuid.UUID, remote_id: str) -> str:
    connector = ctx.connector
    async with db.unit_of_work(connector.tenant_id) as session:
        mapping = await session.scalar(select(SyncMapping).where(SyncMapping.connector_id == connector.id,
                                                                 SyncMapping.remote_id == remote_id))
        organizer = mapping is not None and mapping.is_organizer
    really = connector.deletion_policy == "delete_other_side" and organizer
    if really:
        await provider.delete(connector.mailbox, remote_id)
    async with db.unit_of_work(connector.tenant_id) as session:
        mapping = await session.scalar(select(SyncMapping).where(SyncMapping.connector_id == connector.id,
                                                                 SyncMapping.remote_id == remote_id))
        if mapping is not None:
            mapping.state, mapping.ended_at = ("deleted" if really else "unlinked"), ctx.now
        await session.execute(delete(PendingPush).where(PendingPush.id == push_id))
    return "deleted" if really else "unlinked"


async def _update(db: Database, provider: CalendarProvider, ctx: Context, push_id: uuid.UUID,
                  appointment_id: uuid.UUID, remote_id: str, event: RemoteEvent, base: dict[str, str],
                  change_key: str | None, remote_base: dict[str, str]) -> str:
    connector = ctx.connector
    crm_now = convert.field_hashes(event)
    # Fields a mapping from before attendees were synced has no base for are not pushed (no invitations).
    fields = conflicts.changed(base, crm_now) - participation.unknown_in(base)
    updated: RemoteEvent | None = None
    outcome = "updated"
    for _ in range(MAX_412_ROUNDS):
        if not fields:
            break
        try:
            patch = await attendees.changes(db, provider, connector, appointment_id, remote_id, event, fields)
            if not patch.values:  # e.g. an attendee list that came out the same: nothing to send, no update mail
                break
            updated = await provider.update(connector.mailbox, remote_id, patch, if_match=change_key)
            break
        except PreconditionFailed:
            outcome = "merged"
            try:
                remote = await provider.get(connector.mailbox, remote_id)
            except NotFound:
                return await _gone_remotely(db, ctx, push_id, remote_id)
            fields, event, crm_now, change_key = await _merge_remote(db, ctx, appointment_id, remote, remote_base,
                                                                      fields)
            remote_base = inbound.hashes_of(remote, None)
            updated = remote if not fields else None
        except NotFound:
            return await _gone_remotely(db, ctx, push_id, remote_id)
    else:
        raise TransientError("the groupware kept changing the event while we pushed", code="precondition_loop")
    async with db.unit_of_work(connector.tenant_id) as session:
        mapping = await session.scalar(select(SyncMapping).where(SyncMapping.connector_id == connector.id,
                                                                 SyncMapping.remote_id == remote_id))
        appointment = await crm.load(session, appointment_id)
        if mapping is not None and appointment is not None:
            if updated is not None:
                remember_remote(mapping, updated, inbound.hashes_of(updated, mapping))
            mapping.crm_fields = {**occurrences.only(mapping.crm_fields or {}), **crm_now}
            mapping.crm_hash = convert.content_hash(crm_now)
            # Changed again while we pushed: the next scan pushes the rest.
            mapping.crm_version = appointment.version if crm_hashes(appointment, connector) == crm_now else None
            mapping.synced_at = ctx.now
        await session.execute(delete(PendingPush).where(PendingPush.id == push_id))
    return outcome if fields or outcome == "merged" else "unchanged"


async def _merge_remote(db: Database, ctx: Context, appointment_id: uuid.UUID, remote: RemoteEvent,
                        remote_base: dict[str, str], crm_changed: set[str]):
    """412: the groupware changed too. Merge by policy, take its winning fields into the CRM now; returns
    what still has to be pushed, the CRM's neutral event after the merge, its hashes and the fresh change key."""
    connector = ctx.connector
    async with db.unit_of_work(connector.tenant_id) as session:
        appointment = await crm.load(session, appointment_id, lock=True)
        mapping = await session.scalar(select(SyncMapping).where(SyncMapping.connector_id == connector.id,
                                                                 SyncMapping.remote_id == remote.remote_id))
        remote_now = inbound.hashes_of(remote, mapping)
        appointment, result = await inbound.resolve(session, connector, appointment, remote, crm_changed=crm_changed,
                                                    remote_changed=conflicts.changed(remote_base, remote_now))
        event = convert.to_remote(appointment, connector)
        crm_now = crm_hashes(appointment, connector)
        if mapping is not None:
            remember_remote(mapping, remote, remote_now)
            remember_crm(mapping, appointment, crm_now, pending=result.to_remote)
    return set(result.to_remote), event, crm_now, remote.change_key or remote.etag


async def _gone_remotely(db: Database, ctx: Context, push_id: uuid.UUID, remote_id: str) -> str:
    async with db.unit_of_work(ctx.connector.tenant_id) as session:
        mapping = await session.scalar(select(SyncMapping).where(SyncMapping.connector_id == ctx.connector.id,
                                                                 SyncMapping.remote_id == remote_id))
        if mapping is not None:
            await inbound.remove(session, ctx, mapping)
        await session.execute(delete(PendingPush).where(PendingPush.id == push_id))
    return "gone_remotely"


async def pending_count(session: AsyncSession, connector_id: uuid.UUID) -> tuple[int, datetime | None]:
    row = (await session.execute(select(func.count(), func.min(PendingPush.created_at)).where(
        PendingPush.connector_id == connector_id))).one()
    return int(row[0]), row[1]
