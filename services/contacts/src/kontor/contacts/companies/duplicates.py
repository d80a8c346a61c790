"""Duplicate detection on create: the same web/email domain, or the same name in the same city.

Names and cities are compared case- and whitespace-insensitively through keys
stored on the row (indexed), so the check is one indexed query. Free-mail
domains never count (see contact_data.FREEMAIL_DOMAINS). A company without a
city is matched by domain only: "Müller GmbH" alone says too little.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.contacts import contact_data
from kontor.contacts.companies.models import Company


def text_key(value: str) -> str:
    """" Muster   GmbH " -> "muster gmbh": what two people typing the same name agree on.

    casefold, not lower: "STRASSE" and "Straße" are the same word.
    """
    return " ".join(value.split()).casefold()


@dataclass(frozen=True)
class DuplicateKeys:
    name: str
    city: str
    domains: frozenset[str]

    @classmethod
    def of(cls, *, name: str, city: str, website: str, email: str) -> "DuplicateKeys":
        domains = {contact_data.website_domain(website), contact_data.email_domain(email) if email else ""}
        return cls(name=text_key(name), city=text_key(city), domains=frozenset(domains - {""}))

    def matches(self, other: "DuplicateKeys") -> bool:
        same_place = bool(self.city) and (self.name, self.city) == (other.name, other.city)
        return same_place or bool(self.domains & other.domains)


def stamp_keys(company: Company) -> None:
    """Store the keys of the company's current fields on the row (after create and every update)."""
    keys = DuplicateKeys.of(name=company.name, city=company.city, website=company.website, email=company.email)
    company.name_key, company.city_key = keys.name, keys.city
    company.website_domain = contact_data.website_domain(company.website)
    company.email_domain = contact_data.email_domain(company.email) if company.email else ""


async def find_duplicate(session: AsyncSession, keys: DuplicateKeys) -> Company | None:
    """The oldest live company of the tenant matching ``keys``, if any.

    Searches every live company of the tenant, not only those the caller may
    see: a private record must not be duplicated just because its owner is away.
    """
    conditions = []
    if keys.city:
        conditions.append((Company.name_key == keys.name) & (Company.city_key == keys.city))
    if keys.domains:
        conditions.append(Company.website_domain.in_(keys.domains) | Company.email_domain.in_(keys.domains))
    if not conditions:
        return None
    # Serialise concurrent creates of the same company: the second waits for the
    # first to commit, then sees it. Keys are hashed into one advisory lock each.
    lock_keys = {*keys.domains, *([f"{keys.name}|{keys.city}"] if keys.city else [])}
    for key in sorted(lock_keys):
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext("company-dup:" + key))))
    query = (select(Company).where(Company.deleted_at.is_(None), or_(*conditions))
             .order_by(Company.created_at, Company.id).limit(1))
    return await session.scalar(query)
