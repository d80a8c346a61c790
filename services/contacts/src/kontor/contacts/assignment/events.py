"""What assignments publish: "assignment changed", the assignee's notification."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.outbox import add_event
from kontor.protos.events.v1 import access_pb2

from kontor.contacts.access.visibility import substitution_active
from kontor.contacts.assignment.models import Assignment
from kontor.contacts.substitution.models import Substitution


async def notified_users(session: AsyncSession, user_id: uuid.UUID) -> list[str]:
    """The user and whoever substitutes them now: substitutes get the absent user's notifications."""
    substitutes = await session.scalars(select(Substitution.substitute_user_id).where(
        Substitution.absent_user_id == user_id, substitution_active(func.now())))
    return [str(user_id), *sorted({str(s) for s in substitutes})]


async def assignment_changed(session: AsyncSession, assignment: Assignment, *, action: str) -> None:
    message = access_pb2.AssignmentChanged(
        record_type=assignment.record_type, record_id=str(assignment.record_id), user_id=str(assignment.user_id),
        role=assignment.role, action=action, rule_id=str(assignment.rule_id or ""),
        notify_user_ids=await notified_users(session, assignment.user_id),
    )
    await add_event(session, message, tenant_id=assignment.tenant_id, producer="contacts",
                    subject=str(assignment.record_id))
