"""Internal comments on companies and contact persons. Functions take the session; the edge owns the transaction.

A comment is visible exactly when its record is (``visible_companies`` /
``visible_persons``), and never to portal users: customers must not read
what the team writes about them. Only the author or an org manager edits or
deletes a comment. No event carries a comment body.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Select, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal
from kontor.platform.errors import NotFound, PermissionDenied

from kontor.contacts import listing, records
from kontor.contacts.comments.models import Comment
from kontor.contacts.comments.schemas import CommentCreate, CommentUpdate
from kontor.contacts.companies.models import Company
from kontor.contacts.companies.service import visible_companies
from kontor.contacts.persons.models import ContactPerson
from kontor.contacts.persons.service import visible_persons

PORTAL_ROLE = "portal_client"
MANAGER_ROLES = frozenset({"org_manager", "superadmin"})
_NEWEST_FIRST = listing.Sort("created_at", descending=True)


def is_portal_user(principal: Principal) -> bool:
    return PORTAL_ROLE in principal.roles


def _visible_record_ids(session: AsyncSession, principal: Principal, record_type: str) -> Select:
    if record_type == "company":
        return visible_companies(session, principal).with_only_columns(Company.id)
    return visible_persons(session, principal).with_only_columns(ContactPerson.id)


def visible_comments(session: AsyncSession, principal: Principal) -> Select:
    """Live comments on records ``principal`` may see; none at all for portal users."""
    query = select(Comment).where(Comment.deleted_at.is_(None))
    if is_portal_user(principal):
        return query.where(false())
    on_company = (Comment.record_type == "company") & Comment.record_id.in_(
        _visible_record_ids(session, principal, "company"))
    on_person = (Comment.record_type == "contact_person") & Comment.record_id.in_(
        _visible_record_ids(session, principal, "contact_person"))
    return query.where(on_company | on_person)


async def _require_record(session: AsyncSession, principal: Principal, record_type: str,
                          record_id: uuid.UUID) -> None:
    found = await session.scalar(_visible_record_ids(session, principal, record_type).where(
        (Company.id if record_type == "company" else ContactPerson.id) == record_id))
    if found is None or is_portal_user(principal):
        raise NotFound(f"{record_type.replace('_', ' ')} {record_id} not found")


async def create_comment(
    session: AsyncSession, *, principal: Principal, record_id: uuid.UUID, data: CommentCreate,
) -> Comment:
    await _require_record(session, principal, data.record_type, record_id)
    comment = Comment(id=uuid.uuid4(), tenant_id=principal.tenant_id, record_type=data.record_type,
                      record_id=record_id, author=principal.subject, body=data.body, version=1)
    session.add(comment)
    await session.flush()
    await session.refresh(comment)
    return comment


async def get_comment(session: AsyncSession, *, principal: Principal, comment_id: uuid.UUID) -> Comment:
    comment = await session.scalar(visible_comments(session, principal).where(Comment.id == comment_id))
    if comment is None:
        raise NotFound(f"comment {comment_id} not found")
    return comment


async def list_comments(
    session: AsyncSession, *, principal: Principal, record_type: str, record_id: uuid.UUID, page_size: int,
    page_token: str,
) -> tuple[list[Comment], str]:
    """Newest first. NotFound when the caller cannot see the record."""
    await _require_record(session, principal, record_type, record_id)
    query = visible_comments(session, principal).where(Comment.record_type == record_type,
                                                      Comment.record_id == record_id)
    return await listing.fetch_page(session, query, sort=_NEWEST_FIRST, key=Comment.created_at,
                                    id_column=Comment.id, page_size=page_size, page_token=page_token)


async def _lock_own(session: AsyncSession, principal: Principal, comment_id: uuid.UUID,
                    expected_version: int) -> Comment:
    comment = await records.lock_for_change(
        session, visible_comments(session, principal).where(Comment.id == comment_id), entity=Comment,
        what="comment", record_id=comment_id, expected_version=expected_version,
    )
    if comment.author != principal.subject and not MANAGER_ROLES & set(principal.roles):
        raise PermissionDenied("only the author or an org manager may change this comment; "
                               "write a new comment instead")
    return comment


async def update_comment(
    session: AsyncSession, *, principal: Principal, comment_id: uuid.UUID, expected_version: int,
    data: CommentUpdate,
) -> Comment:
    comment = await _lock_own(session, principal, comment_id, expected_version)
    if data.body == comment.body:
        return comment
    comment.body = data.body
    comment.edited_at = datetime.now(UTC)
    comment.version += 1
    await session.flush()
    return comment


async def delete_comment(
    session: AsyncSession, *, principal: Principal, comment_id: uuid.UUID, expected_version: int,
) -> None:
    comment = await _lock_own(session, principal, comment_id, expected_version)
    records.soft_delete(comment)
    await session.flush()
