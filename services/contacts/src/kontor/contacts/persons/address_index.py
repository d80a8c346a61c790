"""Keeps ``contact_person_addresses`` equal to each person's ``email_keys`` (see its model for why it exists)."""

from __future__ import annotations

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.contacts.persons.models import ContactPerson, ContactPersonAddress


async def store_addresses(session: AsyncSession, person: ContactPerson) -> None:
    """Replace the person's rows by its current ``email_keys``; call after every change of them (the person
    must be flushed: the rows refer to it)."""
    await session.execute(delete(ContactPersonAddress).where(ContactPersonAddress.person_id == person.id))
    addresses = sorted(set(person.email_keys))
    if addresses:
        await session.execute(insert(ContactPersonAddress).values(
            [{"tenant_id": person.tenant_id, "person_id": person.id, "address": a} for a in addresses]))
