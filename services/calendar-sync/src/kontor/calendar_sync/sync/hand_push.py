"""Pushing one appointment to the groupware by hand (an appointment outside working hours or the window).

Automatic sync leaves out what lies outside the connector's working hours or window; the user may still
want that one appointment in Outlook. This queues a ``manual`` push (``outbound.push_by_hand``), which the
next run of each mailbox carries out regardless of working hours and window. What a person chose never to
sync stays out: the "don't sync" flag and the connector's skipped statuses (completed) are refused here,
with the reason, rather than queued and silently dropped.

Who may: the appointment's owner, or a manager (org manager; the gRPC edge has checked the role's
"connector" / "update" right already). The appointment goes into the owner's mailboxes only: connectors
are personal, and a push into somebody else's calendar would be an invitation, which this is not.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal
from kontor.platform.errors import InvalidArgument, NotFound, PermissionDenied

from kontor.calendar_sync.appointments.models import Appointment
from kontor.calendar_sync.connectors import service as connectors
from kontor.calendar_sync.connectors.models import ConnectorSettings
from kontor.calendar_sync.sync import outbound
from kontor.calendar_sync.sync.state import log as sync_log

PUSHING_DIRECTIONS = ("both", "crm_to_groupware")


async def push_by_hand(session: AsyncSession, *, principal: Principal, appointment_id: uuid.UUID,
                       connector_id: uuid.UUID | None = None) -> list[uuid.UUID]:
    """Queue a manual push into the owner's pushing connectors (or the one named); returns their ids."""
    connectors.require_employee(principal)
    appointment = await session.scalar(select(Appointment).where(Appointment.id == appointment_id,
                                                                 Appointment.deleted_at.is_(None)))
    if appointment is None:  # another tenant's is invisible here (row-level security): the same answer
        raise NotFound(f"appointment {appointment_id} not found")
    if appointment.owner_id != connectors.user_id_of(principal) and not connectors.is_manager(principal):
        raise PermissionDenied("only the appointment's owner (or an org manager) may push it to the groupware")
    if appointment.sync_disabled:
        raise InvalidArgument("appointment_id", "the appointment is marked \"don't sync\"; clear that flag to "
                                                "push it")
    query = select(ConnectorSettings).where(ConnectorSettings.user_id == appointment.owner_id,
                                            ConnectorSettings.enabled,
                                            ConnectorSettings.direction.in_(PUSHING_DIRECTIONS))
    if connector_id is not None:
        query = query.where(ConnectorSettings.id == connector_id)
    targets = list((await session.scalars(query.order_by(ConnectorSettings.created_at,
                                                         ConnectorSettings.id))).all())
    if not targets:
        raise InvalidArgument("connector_id", (
            "that connector is not one of the appointment owner's enabled connectors that write to the groupware"
            if connector_id is not None else
            "the appointment's owner has no enabled connector that writes to the groupware; set one up (or turn "
            "it on, with a direction other than groupware → CRM) first"))
    targets = [c for c in targets if appointment.status not in (c.skip_statuses or [])]
    if not targets:
        raise InvalidArgument("appointment_id", f"appointments with status {appointment.status!r} do not sync "
                                                "(the connector's status filter); change the filter to push it")
    for connector in targets:
        await outbound.push_by_hand(session, connector.id, appointment.id)
        sync_log(session, connector.id, "push_by_hand", f"appointment {appointment.id} queued by hand (outside "
                 "working hours or the window is fine)", appointment_id=appointment.id)
    return [c.id for c in targets]
