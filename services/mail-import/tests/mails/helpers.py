"""Acting on a World: automatic matching as the import round does it, and reading the link rows."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from kontor.mail_import.mails import links, matching, service
from kontor.mail_import.mails.models import Mail, MailLink
from kontor.mail_import.mails.schemas import ProposedLink, RecordRef
from kontor.mail_import.mime.model import ParsedMail

KEY = b"test-message-id-key-0123456789abcdef"


async def auto_match(world, mails: list[tuple[Mail, ParsedMail]]) -> list[ProposedLink]:
    """One import round's matching, as the account's background identity (its owner)."""
    with world.as_user(world.owner):
        async with world.db.unit_of_work(world.tenant_id) as session:
            proposals = await matching.match_batch(session, tenant_id=world.tenant_id, account=world.account,
                                                   mails=mails, contacts=world.contacts, message_id_key=KEY)
            assert set(proposals) == {m.id for m, _ in mails}
            return await links.apply_automatic(session, tenant_id=world.tenant_id,
                                               proposals=[p for found in proposals.values() for p in found])


async def rematch(world, mail_ids: list[uuid.UUID]) -> list[ProposedLink]:
    with world.as_user(world.owner):
        async with world.db.unit_of_work(world.tenant_id) as session:
            return await matching.rematch(session, tenant_id=world.tenant_id, mail_ids=mail_ids,
                                          contacts=world.contacts, message_id_key=KEY)


async def link_rows(world, mail_id: uuid.UUID) -> dict[RecordRef, MailLink]:
    """Every link row of the mail, removed ones included."""
    async with world.db.unit_of_work(world.tenant_id) as session:
        rows = await session.scalars(select(MailLink).where(MailLink.mail_id == mail_id))
        return {RecordRef(r.record_type, r.record_id): r for r in rows}


async def in_force(world, mail_id: uuid.UUID) -> dict[RecordRef, str]:
    """Record → origin of the links in force."""
    return {ref: row.origin for ref, row in (await link_rows(world, mail_id)).items() if row.removed_at is None}


async def file(world, user_id: uuid.UUID, mail_ids: list[uuid.UUID], records: list[RecordRef]):
    async with world.viewer(user_id) as (session, viewer):
        return await service.file_mails(session, viewer, mail_ids=mail_ids, records=records)


async def remove(world, user_id: uuid.UUID, mail_id: uuid.UUID, record: RecordRef):
    async with world.viewer(user_id) as (session, viewer):
        return await service.remove_link(session, viewer, mail_id=mail_id, record=record)
