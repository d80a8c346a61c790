"""Business rules of assignments: assign, unassign, list, and moving them (hand-over). Rules: rules.py."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal
from kontor.platform.errors import AlreadyExists, NotFound

from kontor.contacts.access.guard import require_record
from kontor.contacts.assignment import events
from kontor.contacts.assignment.models import Assignment
from kontor.contacts.assignment.schemas import AssignmentInput


async def add_assignment(session: AsyncSession, data: AssignmentInput, *,
                         rule_id: uuid.UUID | None = None) -> Assignment:
    """Insert one assignment (in a savepoint, so a collision leaves the transaction usable) and announce it."""
    assignment = Assignment(id=uuid.uuid4(), record_type=data.record_type, record_id=data.record_id,
                            user_id=data.user_id, role=data.role, rule_id=rule_id)
    try:
        async with session.begin_nested():
            session.add(assignment)
    except IntegrityError:
        if data.role == "account_manager":
            raise AlreadyExists("the record has an account manager already (or this one); unassign them first "
                                "or hand the record over") from None
        raise AlreadyExists(f"{data.user_id} is assigned as {data.role} already") from None
    await session.refresh(assignment)
    await events.assignment_changed(session, assignment, action="assigned")
    return assignment


async def assign(session: AsyncSession, *, principal: Principal, data: AssignmentInput) -> Assignment:
    # Assigning changes who may see the record, so the caller must see it and hold the assignment right.
    await require_record(session, principal, data.record_type, data.record_id, "read")
    return await add_assignment(session, data)


async def unassign(session: AsyncSession, *, principal: Principal, data: AssignmentInput) -> None:
    await require_record(session, principal, data.record_type, data.record_id, "read")
    removed = await session.scalar(delete(Assignment).where(
        Assignment.record_type == data.record_type, Assignment.record_id == data.record_id,
        Assignment.user_id == data.user_id, Assignment.role == data.role,
    ).returning(Assignment))
    if removed is None:
        raise NotFound(f"{data.user_id} is not assigned as {data.role} to this record")
    await events.assignment_changed(session, removed, action="unassigned")


async def list_assignments(session: AsyncSession, *, principal: Principal, record_type: str,
                           record_id: uuid.UUID) -> list[Assignment]:
    await require_record(session, principal, record_type, record_id, "read")
    return list((await session.scalars(select(Assignment).where(
        Assignment.record_type == record_type, Assignment.record_id == record_id,
    ).order_by(Assignment.created_at, Assignment.id))).all())


async def reassign_all(session: AsyncSession, *, from_user: uuid.UUID, to_user: uuid.UUID,
                       record_ids: list[uuid.UUID] | None) -> list[Assignment]:
    """Move from_user's assignments (on ``record_ids``, or all) to to_user; where to_user already holds the
    same role on a record, from_user's row just goes. Returns the moved rows (now to_user's)."""
    query = select(Assignment).where(Assignment.user_id == from_user).with_for_update()
    if record_ids is not None:
        query = query.where(Assignment.record_id.in_(record_ids))
    moved: list[Assignment] = []
    for assignment in (await session.scalars(query)).all():
        held = await session.scalar(select(Assignment.id).where(
            Assignment.record_type == assignment.record_type, Assignment.record_id == assignment.record_id,
            Assignment.user_id == to_user, Assignment.role == assignment.role))
        if held is not None:
            await session.delete(assignment)
            continue
        await session.execute(update(Assignment).where(Assignment.id == assignment.id).values(user_id=to_user))
        await session.refresh(assignment)
        moved.append(assignment)
    await session.flush()
    return moved
