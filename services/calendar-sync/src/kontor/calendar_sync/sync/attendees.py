"""Attendees ↔ participants, resource attendees ↔ booked resources, and the owner's own answer.

Inbound (``take_in``, when the groupware's side of ``participants`` / ``resources`` / ``my_status`` won):

* The **organizer's copy** is the meeting's word on who takes part. Its attendees are matched by address
  (``people.current()``: connector mailboxes, then contacts) to employees and contact persons, with their
  answers; the owner is never their own participant. CRM participants without an address the groupware
  could show are kept, and an employee whose organizer-side answer is still "none" keeps the answer their
  own mailbox gave (the organizer only hears it with ``sendResponse``). Unknown addresses are external
  attendees: the CRM has no participant kind for them, so they stay on the groupware event only (and
  are kept there when the CRM pushes its list).
* An **attendee's copy** tells only its owner's answer (``my_status``), unless the appointment belongs to
  that owner (a meeting organised outside Kontor's mailboxes): then its list is the only one there is.
* **Resources**: resource attendees that did not decline are matched by address to the tenant's
  resources (this connector's server first, then hand-kept ones). A resource that is double-booked
  in the CRM is left off this appointment: the refusal is logged and recorded as a conflict
  (``policy = resource_booked``), the round goes on.

Outbound (organizer's copies only): ``changes`` adds the attendee list to the PATCH when participants or
resources changed in the CRM: CRM people by address, attendees the CRM cannot name kept as they are, CRM
resources as ``type: resource``. If the list comes out the same as the event's, nothing is sent, so no
meeting update goes out for an unchanged list (no invitation storms). ``for_create`` puts the list on a
new event (one invitation, then the idempotent create). The owner's own answer on an attendee's copy
goes out as Graph's accept / tentativelyAccept / decline action (``answer``), never as a PATCH.

Private appointments have none of this, in either direction.
"""

from __future__ import annotations

import dataclasses
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.db import Database
from kontor.platform.errors import AlreadyExists

from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.connectors.models import ConnectorSettings
from kontor.calendar_sync.providers.base import (
    Attendee, CalendarProvider, EventChanges, NotFound, RemoteEvent,
)
from kontor.calendar_sync.resources.models import Resource
from kontor.calendar_sync.sync import convert, crm, people
from kontor.calendar_sync.sync.models import PendingPush, SyncConflict, SyncMapping
from kontor.calendar_sync.sync.participation import FIELDS, RESPONSE_OUT, STATUS_IN, own_status
from kontor.calendar_sync.sync.people import PersonRef, key
from kontor.calendar_sync.sync.state import log as sync_log

LIST_FIELDS = frozenset({"participants", "resources"})


# ---------------------------------------------------------------- groupware → CRM


async def take_in(session: AsyncSession, connector: ConnectorSettings, appointment: Appointment, event: RemoteEvent,
                  fields: set[str] | frozenset[str]) -> Appointment:
    """Take the groupware's attendees / resources / answer (the ``fields`` that won) into the appointment."""
    fields = set(fields) & set(FIELDS)
    if not fields or appointment.private or event.is_private:
        return appointment
    if fields & {"participants", "my_status"}:
        wanted = await _participants(session, connector, appointment, event, with_list="participants" in fields)
        if _as_set(wanted) != _as_set(appointment.participants):
            appointment = await crm.update(session, connector, appointment, {"participants": wanted})
    if "resources" in fields and (event.is_organizer or appointment.owner_id == connector.user_id):
        appointment = await _book(session, connector, appointment, event)
    return appointment


def _as_set(participants: list[dict]) -> set[tuple[str, str, str]]:
    return {(p["kind"], str(p["id"]), p["status"]) for p in participants}


async def _participants(session: AsyncSession, connector: ConnectorSettings, appointment: Appointment,
                        event: RemoteEvent, *, with_list: bool) -> list[dict]:
    current = {(p["kind"], str(p["id"])): dict(p) for p in appointment.participants}
    wanted = dict(current)
    if with_list and (event.is_organizer or appointment.owner_id == connector.user_id):
        directory = people.current()
        invited = list(event.attendees)
        if not event.is_organizer and event.organizer is not None:  # e.g. a customer's invitation: they take part
            invited.append(Attendee(email=event.organizer.email, response="organizer"))
        found = await directory.resolve(session, [a.email for a in invited])
        listed: dict[tuple[str, str], dict] = {}
        for attendee in invited:
            ref = found.get(key(attendee.email))
            if ref is None or (ref.kind == "employee" and ref.id == appointment.owner_id):
                continue  # an external attendee, or the owner
            status = STATUS_IN.get(attendee.response, "needs_action")
            known = current.get((ref.kind, str(ref.id)))
            if known is not None and status == "needs_action":
                status = known["status"]  # the organizer has not heard (yet): the person's own answer stands
            listed[(ref.kind, str(ref.id))] = {"kind": ref.kind, "id": str(ref.id), "status": status}
        shown = await directory.addresses(session, [PersonRef.of(p) for p in current.values()])
        hidden = {k: p for k, p in current.items() if PersonRef.of(p) not in shown}  # no address: the groupware
        wanted = {**hidden, **listed}                                                # could never list them
        me = ("employee", str(connector.user_id))
        if event.is_organizer and me in current:  # the organiser of a meeting someone else's mailbox brought in
            wanted[me] = current[me]
    if not event.is_organizer and appointment.owner_id != connector.user_id:
        me = ("employee", str(connector.user_id))
        wanted[me] = {"kind": "employee", "id": me[1], "status": STATUS_IN.get(event.response, "needs_action")}
    return list(wanted.values())


async def _resources_by_address(session: AsyncSession, connector: ConnectorSettings,
                                addresses: set[str]) -> dict[str, Resource]:
    if not addresses:
        return {}
    rows = list(await session.scalars(select(Resource).where(Resource.deleted_at.is_(None))))
    rank = {connector.server_id: 0, None: 1}
    out: dict[str, Resource] = {}
    for resource in sorted(rows, key=lambda r: (rank.get(r.server_id, 2), r.created_at, r.id)):
        address = key(resource.email or "")
        if address in addresses:
            out.setdefault(address, resource)
    return out


async def _book(session: AsyncSession, connector: ConnectorSettings, appointment: Appointment,
                event: RemoteEvent) -> Appointment:
    booked = {key(r.email) for r in event.resources if r.response != "declined"}
    found = await _resources_by_address(session, connector, booked)
    current = list(await session.scalars(select(Resource).where(Resource.id.in_(appointment.resource_ids)))) \
        if appointment.resource_ids else []
    unshown = [r.id for r in current if not r.email]  # no address: the groupware cannot list them
    wanted = list(dict.fromkeys([*unshown, *(r.id for r in found.values())]))
    refused: list[uuid.UUID] = []
    while set(wanted) != set(appointment.resource_ids):
        try:
            async with session.begin_nested():
                appointment = await crm.update(session, connector, appointment, {"resource_ids": wanted})
            break
        except AlreadyExists as exc:
            await session.refresh(appointment)
            taken = uuid.UUID((getattr(exc, "conflict", None) or {}).get("resource_id", str(uuid.UUID(int=0))))
            if taken not in wanted:  # nothing to leave off: give up on the change, keep what is booked
                taken = wanted[-1] if wanted else None
            if taken is None:
                break
            wanted.remove(taken)
            refused.append(taken)
    for resource_id in refused:
        session.add(SyncConflict(id=uuid.uuid4(), connector_id=connector.id, appointment_id=appointment.id,
                                 fields=["resources"], policy="resource_booked", winner="crm"))
        sync_log(session, connector.id, "resource_double_booked", f"resource {resource_id} is booked at that time "
                 "already and does not allow double booking; the groupware booked it, the CRM left it off this "
                 "appointment", level="warning", appointment_id=appointment.id)
    return appointment


async def answer_gone(session: AsyncSession, connector: ConnectorSettings, appointment: Appointment) -> Appointment:
    """The owner's copy left their calendar (deleted, or declined in Outlook): they do not take part. The entry
    stays, declined, so the organizer's view and free/busy agree; a participant already removed stays removed."""
    if appointment.private or own_status(appointment, connector.user_id) in (None, "declined"):
        return appointment
    me = str(connector.user_id)
    wanted = [({**p, "status": "declined"} if p["kind"] == "employee" and str(p["id"]) == me else p)
              for p in appointment.participants]
    return await crm.update(session, connector, appointment, {"participants": wanted})


def linked_status(event: RemoteEvent) -> str:
    """The status a mailbox owner gets when their copy links them to an existing appointment."""
    return STATUS_IN.get(event.response, "needs_action")


# ---------------------------------------------------------------- CRM → groupware


async def _lists(session: AsyncSession, connector: ConnectorSettings, appointment: Appointment,
                 current: RemoteEvent | None) -> tuple[tuple[Attendee, ...], tuple[Attendee, ...]]:
    directory = people.current()
    refs = [PersonRef.of(p) for p in appointment.participants
            if not (p["kind"] == "employee" and str(p["id"]) == str(appointment.owner_id))]
    addresses = await directory.addresses(session, refs)
    before = {key(a.email): a for a in (current.attendees if current else ())}
    known = await directory.resolve(session, before) if before else {}
    attendees: dict[str, Attendee] = {}
    for ref in refs:
        address = addresses.get(ref)
        if address:
            old = before.get(key(address))
            attendees[key(address)] = old or Attendee(email=address)
    for address, old in before.items():  # external attendees: the CRM cannot name them, so it keeps them
        if address not in known and address not in attendees:
            attendees[address] = old
    rows = list(await session.scalars(select(Resource).where(Resource.id.in_(appointment.resource_ids)))) \
        if appointment.resource_ids else []
    resources = {key(r.email): Attendee(email=r.email, name=r.name, type="resource") for r in rows if r.email}
    ours = set((await _resources_by_address(session, connector, {key(r.email) for r in
                                                                 (current.resources if current else ())})))
    for old in current.resources if current else ():
        if key(old.email) not in ours and key(old.email) not in resources:
            resources[key(old.email)] = old  # a room the CRM does not know: left as booked
    return tuple(attendees.values()), tuple(resources.values())


def _same(a: tuple[Attendee, ...], b: tuple[Attendee, ...]) -> bool:
    return {(key(x.email), x.type) for x in a} == {(key(x.email), x.type) for x in b}


async def for_create(session: AsyncSession, connector: ConnectorSettings, appointment: Appointment,
                     event: RemoteEvent) -> RemoteEvent:
    """The new event with the CRM's participants and resources as attendees (one invitation, on create)."""
    if appointment.private:
        return event
    attendees, resources = await _lists(session, connector, appointment, None)
    return dataclasses.replace(event, attendees=attendees, resources=resources)


async def changes(db: Database, provider: CalendarProvider, connector: ConnectorSettings,
                  appointment_id: uuid.UUID, remote_id: str, event: RemoteEvent, fields: set[str]) -> EventChanges:
    """The PATCH for ``fields``, with the attendee list when the CRM changed participants or resources and the
    list really differs from the event's (read fresh: one GET, only then)."""
    out = convert.changes_for(event, fields)
    if not fields & LIST_FIELDS or event.is_private:
        return out
    current = await provider.get(connector.mailbox, remote_id)
    async with db.unit_of_work(connector.tenant_id) as session:
        appointment = await crm.load(session, appointment_id)
        if appointment is None or appointment.private:
            return out
        attendees, resources = await _lists(session, connector, appointment, current)
    if not (_same(attendees, current.attendees) and _same(resources, current.resources)):
        out.values.update(attendees=attendees, resources=resources)
    return out


async def answer(db: Database, provider: CalendarProvider, connector: ConnectorSettings, now, push_id: uuid.UUID,
                 appointment_id: uuid.UUID, remote_id: str) -> str:
    """The owner changed their own answer in the CRM: accept / tentatively accept / decline their copy.

    ``sendResponse`` is false when the organizer asked for no answers or the meeting is cancelled; a
    decline takes the copy out of the calendar (Exchange), so its mapping ends here ("unlinked") and the
    participant stays, declined."""
    async with db.unit_of_work(connector.tenant_id) as session:
        appointment = await crm.load(session, appointment_id)
        mapping = await session.scalar(select(SyncMapping).where(SyncMapping.connector_id == connector.id,
                                                                 SyncMapping.remote_id == remote_id))
        if appointment is None or mapping is None:
            await session.execute(PendingPush.__table__.delete().where(PendingPush.id == push_id))
            return "nothing"
        crm_now = convert.field_hashes(convert.to_remote(appointment, connector))
        status = own_status(appointment, connector.user_id)
        changed = crm_now.get("my_status") != (mapping.crm_fields or {}).get("my_status")
        response = RESPONSE_OUT.get(status or "") if changed else None
        version = appointment.version
        if response is None:  # nothing to say (or nothing that can be said): the CRM side is synced
            mapping.crm_fields = {**(mapping.crm_fields or {}), **crm_now}
            mapping.crm_hash, mapping.crm_version = convert.content_hash(crm_now), version
            await session.execute(PendingPush.__table__.delete().where(PendingPush.id == push_id))
            return "unchanged"
    try:
        remote = await provider.get(connector.mailbox, remote_id)
        if remote.response != response:
            send = not remote.is_cancelled and remote.extra.get("response_requested", True)
            await provider.respond(connector.mailbox, remote_id, response, send_response=send)
    except NotFound:
        remote = None
    async with db.unit_of_work(connector.tenant_id) as session:
        mapping = await session.scalar(select(SyncMapping).where(SyncMapping.connector_id == connector.id,
                                                                 SyncMapping.remote_id == remote_id))
        if mapping is not None:
            mapping.crm_fields = {**(mapping.crm_fields or {}), **crm_now}
            mapping.crm_hash, mapping.crm_version = convert.content_hash(crm_now), version
            if remote is not None and response != "declined":
                mapping.remote_fields = {**(mapping.remote_fields or {}), "my_status": crm_now["my_status"]}
                mapping.remote_hash = convert.content_hash({k: v for k, v in mapping.remote_fields.items()
                                                            if k in convert.SYNC_FIELDS})
            else:  # declined (the copy leaves the calendar) or already gone: the participant stays as they are
                mapping.state, mapping.ended_at = "unlinked", now
        await session.execute(PendingPush.__table__.delete().where(PendingPush.id == push_id))
        sync_log(session, connector.id, "answered", f"appointment {appointment_id}: the mailbox owner's answer "
                 f"{response} went to the groupware", appointment_id=appointment_id)
    return "answered"
