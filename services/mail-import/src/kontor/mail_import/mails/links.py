"""Writing mail links: the machine's proposals, a person's filing, a person's removal.

The rules that keep people in charge (issue 5: "automatic matching overriding what a person filed by hand"
must not happen) live in the SQL of this module, one row per (mail, record) ever:
* automatic links are inserted with ON CONFLICT DO NOTHING: an existing row (manual, removed, or an earlier
  automatic one) is never changed, so a removed link is never re-created and a manual one never rewritten;
* manual filing upserts (origin manual, not removed): the only way a removed link comes back;
* removing sets ``removed_at``/``removed_by`` and keeps the row as a tombstone.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.errors import NotFound

from kontor.mail_import.mails import events
from kontor.mail_import.mails.models import MailLink
from kontor.mail_import.mails.schemas import MANUAL, SERVICE_ACTOR, ProposedLink, RecordRef

_KEY = [MailLink.mail_id, MailLink.record_type, MailLink.record_id]
INSERT_CHUNK = 1000  # rows per statement: PostgreSQL takes at most 32,767 parameters (7 per row)


async def apply_automatic(session: AsyncSession, *, tenant_id: uuid.UUID, proposals: Iterable[ProposedLink],
                          created_by: str = SERVICE_ACTOR) -> list[ProposedLink]:
    """Insert the proposals that have no row yet; answers those actually inserted (for MailImported)."""
    unique: dict[tuple[uuid.UUID, RecordRef], ProposedLink] = {}
    for p in proposals:
        unique.setdefault((p.mail_id, p.record), p)  # the first proposal of a pair wins (matching orders them)
    if not unique:
        return []
    rows = [{"id": uuid.uuid4(), "tenant_id": tenant_id, "mail_id": p.mail_id, "record_type": p.record.type,
             "record_id": p.record.id, "origin": p.origin, "created_by": created_by} for p in unique.values()]
    made: set[tuple[uuid.UUID, RecordRef]] = set()
    for start in range(0, len(rows), INSERT_CHUNK):
        inserted = await session.execute(
            insert(MailLink).values(rows[start:start + INSERT_CHUNK])
            .on_conflict_do_nothing(index_elements=[c.key for c in _KEY]).returning(*_KEY))
        made |= {(row.mail_id, RecordRef(row.record_type, row.record_id)) for row in inserted}
    return [p for key, p in unique.items() if key in made]


async def file_manually(session: AsyncSession, *, tenant_id: uuid.UUID, mail_ids: Sequence[uuid.UUID],
                        records: Sequence[RecordRef], user_id: str) -> dict[uuid.UUID, list[RecordRef]]:
    """File every mail to every record by hand, in the caller's transaction. Answers, per mail, the records
    whose link changed (new, revived, or an automatic one now held by a person); MailFiled names those."""
    if not mail_ids or not records:
        return {}
    rows = [{"id": uuid.uuid4(), "tenant_id": tenant_id, "mail_id": m, "record_type": r.type, "record_id": r.id,
             "origin": MANUAL, "created_by": user_id} for m in dict.fromkeys(mail_ids) for r in dict.fromkeys(records)]
    statement = insert(MailLink).values(rows)
    changed = await session.execute(statement.on_conflict_do_update(
        index_elements=[c.key for c in _KEY],
        set_={"origin": MANUAL, "removed_at": None, "removed_by": None, "created_by": user_id},
        # A link already filed by hand and in force stays as it is (no event, no new author).
        where=or_(MailLink.origin != MANUAL, MailLink.removed_at.is_not(None)),
    ).returning(*_KEY))
    filed: dict[uuid.UUID, list[RecordRef]] = {}
    for row in changed:
        filed.setdefault(row.mail_id, []).append(RecordRef(row.record_type, row.record_id))
    for mail_id, refs in filed.items():
        await events.mail_filed(session, tenant_id=tenant_id, mail_id=mail_id, records=sorted(refs),
                                by_user_id=user_id)
    return filed


async def remove(session: AsyncSession, *, tenant_id: uuid.UUID, mail_id: uuid.UUID, record: RecordRef,
                 user_id: str) -> None:
    """Tombstone the link; NOT_FOUND when the mail has no link in force to the record."""
    result = await session.execute(
        update(MailLink).where(MailLink.tenant_id == tenant_id, MailLink.mail_id == mail_id,
                               MailLink.record_type == record.type, MailLink.record_id == record.id,
                               MailLink.removed_at.is_(None))
        .values(removed_at=func.now(), removed_by=user_id).returning(MailLink.id))
    if result.first() is None:
        raise NotFound(f"mail {mail_id} is not filed to {record}")
    await events.mail_link_removed(session, tenant_id=tenant_id, mail_id=mail_id, record=record, by_user_id=user_id)


async def links_in_force(session: AsyncSession, mail_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[MailLink]]:
    """The non-removed links of each mail, oldest first."""
    ids = list(set(mail_ids))
    found: dict[uuid.UUID, list[MailLink]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = await session.scalars(select(MailLink).where(and_(MailLink.mail_id.in_(ids), MailLink.removed_at.is_(None)))
                                 .order_by(MailLink.created_at, MailLink.id))
    for link in rows:
        found[link.mail_id].append(link)
    return found
