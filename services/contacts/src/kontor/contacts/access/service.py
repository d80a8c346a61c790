"""The Permission API's answers (CheckAccess, VisibleRecords) and the engagements that restricted access follows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal
from kontor.platform.errors import InvalidArgument, NotFound, PermissionDenied
from kontor.platform.pagination import page_size as checked_page_size, parse_uuid

from kontor.contacts.access.guard import SERVICE_ROLE, require_record
from kontor.contacts.access.models import Engagement
from kontor.contacts.access.visibility import RECORD_TYPES, id_column, sees_everything, visible_ids
from kontor.contacts.identity.rights import ACTIONS, ENTITY_TYPES, has_right


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # "allowed" | "not_found" | "no_right"


def check_record_type(record_type: str, field: str = "record_type") -> str:
    if record_type not in RECORD_TYPES:
        raise InvalidArgument(field, f"use one of {', '.join(RECORD_TYPES)}")
    return record_type


async def check_access(session: AsyncSession, *, principal: Principal, action: str, record_type: str,
                       record_id: uuid.UUID, include_deleted: bool = False) -> Decision:
    if action not in ACTIONS:
        raise InvalidArgument("action", f"use one of {', '.join(ACTIONS)}")
    check_record_type(record_type, "resource.type")
    try:
        await require_record(session, principal, record_type, record_id, action, include_deleted=include_deleted)
    except NotFound:
        return Decision(False, "not_found")
    except PermissionDenied:
        return Decision(False, "no_right")
    return Decision(True, "allowed")


async def check_right(session: AsyncSession, *, principal: Principal, entity_type: str, action: str) -> bool:
    """The role right alone, for entities other services keep (calendar-sync's appointments and resources)."""
    if action not in ACTIONS:
        raise InvalidArgument("action", f"use one of {', '.join(ACTIONS)}")
    if entity_type not in ENTITY_TYPES:
        raise InvalidArgument("entity_type", f"use one of {', '.join(ENTITY_TYPES)}")
    return await has_right(session, roles=principal.roles, entity_type=entity_type, action=action)


@dataclass(frozen=True)
class VisiblePage:
    all_visible: bool
    record_ids: list[uuid.UUID]
    next_page_token: str


async def visible_records(session: AsyncSession, *, principal: Principal, record_type: str, page_size: int,
                          page_token: str) -> VisiblePage:
    """Ids in ascending order; the page token is the last id. Managers get all_visible and no ids.
    A caller whose roles may not read the record type sees none (CheckAccess answers no_right for each)."""
    check_record_type(record_type)
    if SERVICE_ROLE not in principal.roles and not await has_right(
            session, roles=principal.roles, entity_type=record_type, action="read"):
        return VisiblePage(False, [], "")
    if sees_everything(principal):
        return VisiblePage(True, [], "")
    size = checked_page_size(page_size)
    query = visible_ids(principal, record_type)
    if page_token:
        query = query.where(id_column(record_type) > parse_uuid(page_token, "page_token"))
    ids = list((await session.scalars(query.limit(size + 1))).all())
    more = len(ids) > size
    ids = ids[:size]
    return VisiblePage(False, ids, str(ids[-1]) if more else "")


async def record_project(session: AsyncSession, *, project_id: uuid.UUID, company_id: uuid.UUID,
                         member_user_ids: list[uuid.UUID], active: bool, as_of: datetime) -> None:
    """Upsert one project's state; an event older than the stored state (late redelivery) changes nothing."""
    values = {"project_id": project_id, "company_id": company_id, "member_user_ids": member_user_ids,
              "active": active, "as_of": as_of}
    statement = insert(Engagement).values(**values)
    await session.execute(statement.on_conflict_do_update(
        index_elements=[Engagement.project_id],
        set_={key: statement.excluded[key] for key in values if key != "project_id"},
        where=Engagement.as_of <= statement.excluded.as_of,
    ))


async def engagement(session: AsyncSession, project_id: uuid.UUID) -> Engagement | None:
    return await session.scalar(select(Engagement).where(Engagement.project_id == project_id))
