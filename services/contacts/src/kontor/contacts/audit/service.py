"""Writing and reading the access audit log."""

from __future__ import annotations

import uuid

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.pagination import decode_token, encode_token, page_size as checked_page_size

from kontor.contacts.audit.models import AuditEntry


def record(session: AsyncSession, *, actor: str, action: str, from_user_id: uuid.UUID | None = None,
           to_user_id: uuid.UUID | None = None, records: list[dict] | None = None, note: str = "") -> AuditEntry:
    entry = AuditEntry(id=uuid.uuid4(), actor=actor, action=action, from_user_id=from_user_id,
                       to_user_id=to_user_id, records=records or [], note=note)
    session.add(entry)
    return entry


async def list_entries(session: AsyncSession, *, page_size: int, page_token: str) -> tuple[list[AuditEntry], str]:
    """Newest first."""
    size = checked_page_size(page_size)
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    after = decode_token(page_token)
    if after is not None:
        query = query.where(tuple_(AuditEntry.created_at, AuditEntry.id) < tuple_(*after))
    entries = list((await session.scalars(query.limit(size + 1))).all())
    more = len(entries) > size
    entries = entries[:size]
    return entries, encode_token(entries[-1].created_at, entries[-1].id) if more else ""
