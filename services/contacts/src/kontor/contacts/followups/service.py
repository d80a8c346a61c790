"""Business rules of follow-ups. Functions take the session; the edge owns the transaction.

A follow-up is visible exactly when its record is (``access.visibility``), so
it is created only on a record the caller may see, and another tenant's or an
invisible record's follow-up answers NOT_FOUND. Completing or deleting one is
for its assignee, its creator and managers.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Select, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal
from kontor.platform.errors import InvalidArgument, NotFound, PermissionDenied

from kontor.contacts import listing, records
from kontor.contacts.access.guard import require_record
from kontor.contacts.access.visibility import RECORD_TYPES, user_id_of, visible_ids
from kontor.contacts.followups import events
from kontor.contacts.followups.models import FollowUp
from kontor.contacts.followups.schemas import FollowUpCreate, FollowUpFilter
from kontor.contacts.identity.models import User

# Besides assignee and creator, these change anyone's follow-ups (they lead the people who own them).
MANAGER_ROLES = frozenset({"superadmin", "org_manager", "sales_manager"})
PORTAL_ROLE = "portal_client"
# "Due soon" on the dashboard: open and due within this long from now.
DUE_SOON = timedelta(days=7)
_EARLIEST_FIRST = listing.Sort("due_at", descending=False)


def on_visible_records(principal: Principal, record_type: ColumnElement, record_id: ColumnElement,
                       ) -> ColumnElement[bool]:
    """True for rows naming a live company or contact person that ``principal`` may see."""
    clauses = [(record_type == kind) & record_id.in_(visible_ids(principal, kind).order_by(None))
               for kind in RECORD_TYPES]
    return clauses[0] | clauses[1]


def visible_follow_ups(principal: Principal) -> Select:
    """Live follow-ups on records ``principal`` may see."""
    return select(FollowUp).where(FollowUp.deleted_at.is_(None),
                                  on_visible_records(principal, FollowUp.record_type, FollowUp.record_id))


def due_windows(now: datetime) -> tuple[datetime, datetime]:
    """(overdue before, due soon before): open follow-ups are overdue when due before ``now`` and due soon
    when due in [now, now + 7 days)."""
    return now, now + DUE_SOON


def classify(due_at: datetime, now: datetime) -> str:
    """"overdue", "due_soon" or "later" for an open follow-up (the dashboard's rule, in Python)."""
    overdue_before, soon_before = due_windows(now)
    if due_at < overdue_before:
        return "overdue"
    return "due_soon" if due_at < soon_before else "later"


async def _assignee(session: AsyncSession, principal: Principal, assignee_id: uuid.UUID | None) -> uuid.UUID:
    if assignee_id is None:
        assignee_id = user_id_of(principal)
        if assignee_id is None:
            raise InvalidArgument("assignee_id", "your token names no employee; name the employee to remind")
    employee = await session.scalar(select(User.id).where(User.id == assignee_id, User.active,
                                                          User.role != PORTAL_ROLE))
    if employee is None:
        raise InvalidArgument("assignee_id", "is not an active employee of your organisation")
    return assignee_id


async def create_follow_up(session: AsyncSession, *, principal: Principal, data: FollowUpCreate) -> FollowUp:
    await require_record(session, principal, data.record_type, data.record_id, "read")
    assignee_id = await _assignee(session, principal, data.assignee_id)
    follow_up = FollowUp(id=uuid.uuid4(), tenant_id=principal.tenant_id, record_type=data.record_type,
                         record_id=data.record_id, assignee_id=assignee_id, note=data.note, due_at=data.due_at,
                         time_zone=data.time_zone, done=False, done_by="", created_by=principal.subject, version=1)
    session.add(follow_up)
    await session.flush()
    await session.refresh(follow_up)
    await events.follow_up_created(session, follow_up)
    return follow_up


async def get_follow_up(session: AsyncSession, *, principal: Principal, follow_up_id: uuid.UUID) -> FollowUp:
    follow_up = await session.scalar(visible_follow_ups(principal).where(FollowUp.id == follow_up_id))
    if follow_up is None:
        raise NotFound(f"follow-up {follow_up_id} not found")
    return follow_up


async def list_follow_ups(
    session: AsyncSession, *, principal: Principal, filters: FollowUpFilter, page_size: int, page_token: str,
) -> tuple[list[FollowUp], str]:
    """Earliest due first. NotFound when a named record is not visible."""
    query = visible_follow_ups(principal)
    if (filters.record_type is None) != (filters.record_id is None):
        raise InvalidArgument("record_id" if filters.record_id is None else "record_type",
                              "send record_type and record_id together")
    if filters.record_type is not None:
        await require_record(session, principal, filters.record_type, filters.record_id, "read")
        query = query.where(FollowUp.record_type == filters.record_type, FollowUp.record_id == filters.record_id)
    assignee_id = user_id_of(principal) if filters.mine else filters.assignee_id
    if filters.mine and assignee_id is None:
        query = query.where(false())  # a token naming no employee has no follow-ups of its own
    elif assignee_id is not None:
        query = query.where(FollowUp.assignee_id == assignee_id)
    if filters.due_before is not None:
        query = query.where(FollowUp.due_at < filters.due_before)
    if not filters.include_done:
        query = query.where(FollowUp.done.is_(False))
    return await listing.fetch_page(session, query, sort=_EARLIEST_FIRST, key=FollowUp.due_at,
                                    id_column=FollowUp.id, page_size=page_size, page_token=page_token)


async def _lock(session: AsyncSession, principal: Principal, follow_up_id: uuid.UUID,
                expected_version: int) -> FollowUp:
    follow_up = await records.lock_for_change(
        session, visible_follow_ups(principal).where(FollowUp.id == follow_up_id), entity=FollowUp,
        what="follow-up", record_id=follow_up_id, expected_version=expected_version,
    )
    own = principal.subject in (str(follow_up.assignee_id), follow_up.created_by)
    if not own and not MANAGER_ROLES & set(principal.roles):
        raise PermissionDenied("only the assignee, the creator or a manager may change this follow-up")
    return follow_up


async def complete_follow_up(
    session: AsyncSession, *, principal: Principal, follow_up_id: uuid.UUID, expected_version: int,
) -> FollowUp:
    """Done now; completing a done one changes nothing (same version)."""
    follow_up = await _lock(session, principal, follow_up_id, expected_version)
    if not follow_up.done:
        follow_up.done, follow_up.done_at, follow_up.done_by = True, datetime.now(UTC), principal.subject
        follow_up.version += 1
        await session.flush()
    return follow_up


async def delete_follow_up(
    session: AsyncSession, *, principal: Principal, follow_up_id: uuid.UUID, expected_version: int,
) -> None:
    follow_up = await _lock(session, principal, follow_up_id, expected_version)
    records.soft_delete(follow_up)
    await session.flush()
