"""Business rules of substitutions. Visibility needs no job (access.visibility reads the window); the
started/ended events are emitted at the boundaries by ``emit_due_events`` (Celery beat, every minute)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal
from kontor.platform.errors import InvalidArgument, NotFound

from kontor.contacts.access.guard import require_right
from kontor.contacts.access.visibility import user_id_of
from kontor.contacts.substitution import events
from kontor.contacts.substitution.models import Substitution
from kontor.contacts.substitution.schemas import SubstitutionCreate


async def _may_manage_others(session: AsyncSession, principal: Principal) -> None:
    """Arranging someone else's substitution moves responsibility between employees, like a hand-over:
    it takes the hand-over right (sales managers, org managers), not just the substitution right."""
    await require_right(session, principal, "handover", "create")


def _caller(principal: Principal) -> uuid.UUID:
    user_id = user_id_of(principal)
    if user_id is None:
        raise InvalidArgument("absent_user_id", "your token names no employee; name the absent employee")
    return user_id


async def create_substitution(session: AsyncSession, *, principal: Principal,
                              data: SubstitutionCreate) -> Substitution:
    starts_at, ends_at = data.window()
    absent = data.absent_user_id or _caller(principal)
    if absent != user_id_of(principal):
        await _may_manage_others(session, principal)
    if absent == data.substitute_user_id:
        raise InvalidArgument("substitute_user_id", "choose someone else than the absent employee")
    substitution = Substitution(id=uuid.uuid4(), absent_user_id=absent, substitute_user_id=data.substitute_user_id,
                                starts_at=starts_at, ends_at=ends_at, note=data.note, created_by=principal.subject)
    session.add(substitution)
    await session.flush()
    await session.refresh(substitution)
    return substitution


async def list_mine(session: AsyncSession, *, principal: Principal) -> list[Substitution]:
    user_id = user_id_of(principal)
    if user_id is None:
        return []
    return list((await session.scalars(select(Substitution).where(
        or_(Substitution.absent_user_id == user_id, Substitution.substitute_user_id == user_id),
    ).order_by(Substitution.starts_at, Substitution.id))).all())


async def cancel_substitution(session: AsyncSession, *, principal: Principal,
                              substitution_id: uuid.UUID) -> Substitution:
    """Ends it now (the ended event follows from the beat task if it had started)."""
    substitution = await session.scalar(
        select(Substitution).where(Substitution.id == substitution_id).with_for_update())
    if substitution is None:
        raise NotFound(f"substitution {substitution_id} not found")
    if user_id_of(principal) not in (substitution.absent_user_id, substitution.substitute_user_id):
        await _may_manage_others(session, principal)
    if substitution.cancelled_at is None:
        substitution.cancelled_at = datetime.now(UTC)
        await session.flush()
        await session.refresh(substitution)
    return substitution


async def emit_due_events(session: AsyncSession, *, now: datetime) -> tuple[int, int]:
    """Emit "started" for windows that began and "ended" for started ones that are over or cancelled.

    The flags on the row make it idempotent; SKIP LOCKED lets a second beat run pass by. A window that
    passed entirely between two runs gets both events. Returns (started, ended).
    """
    due_start = (await session.scalars(select(Substitution).where(
        Substitution.started_event_at.is_(None), Substitution.cancelled_at.is_(None), Substitution.starts_at <= now,
    ).with_for_update(skip_locked=True))).all()
    for substitution in due_start:
        substitution.started_event_at = now
        await events.substitution_started(session, substitution)
    await session.flush()
    due_end = (await session.scalars(select(Substitution).where(
        Substitution.started_event_at.is_not(None), Substitution.ended_event_at.is_(None),
        or_(Substitution.ends_at <= now, Substitution.cancelled_at.is_not(None)),
    ).with_for_update(skip_locked=True))).all()
    for substitution in due_end:
        substitution.ended_event_at = now
        await events.substitution_ended(session, substitution)
    await session.flush()
    return len(due_start), len(due_end)
