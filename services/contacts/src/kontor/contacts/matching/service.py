"""Who is behind e-mail addresses: contact persons by exact address, companies by the address's domain.

For mail-import (filing a batch of mails to records) and calendar-sync (placing attendees); up to
``MAX_ADDRESSES`` addresses per call, in a fixed number of statements whatever their count:
1. persons by address: ``contact_person_addresses`` (tenant_id, address) index;
2. companies by domain: the stored, normalised ``website_domain`` / ``email_domain`` and their indexes;
3. which of the companies found the caller may see: ``visible_companies`` (the filter List and Search use),
   limited to those ids, so the access rules run for the candidates only, never over the whole tenant.
A person counts when its company is visible (the rule of ``visible_persons``); deleted persons and
companies never count. Domain matches skip provider domains (``provider_domains``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import String, Uuid, and_, any_, bindparam, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal
from kontor.platform.errors import InvalidArgument

from kontor.contacts.access.guard import require_right
from kontor.contacts.companies.models import Company
from kontor.contacts.companies.service import visible_companies
from kontor.contacts.identity.rights import has_right
from kontor.contacts.matching.addresses import MAX_ADDRESSES, domain_candidates, lookup_form
from kontor.contacts.persons.models import ContactPerson, ContactPersonAddress

_ADDRESSES = bindparam("addresses", type_=ARRAY(String))
_DOMAINS = bindparam("domains", type_=ARRAY(String))
_COMPANY_IDS = bindparam("company_ids", type_=ARRAY(Uuid))


@dataclass
class AddressMatch:
    address: str  # as asked, lower-cased
    contact_person_ids: list[uuid.UUID] = field(default_factory=list)
    person_company_ids: list[uuid.UUID] = field(default_factory=list)
    domain_company_ids: list[uuid.UUID] = field(default_factory=list)


def _distinct_lowered(addresses: list[str]) -> list[str]:
    if len(addresses) > MAX_ADDRESSES:
        raise InvalidArgument("addresses", f"ask for at most {MAX_ADDRESSES} addresses per call "
                                           f"({len(addresses)} given)")
    return list(dict.fromkeys(address.lower() for address in addresses))


async def _readable(session: AsyncSession, principal: Principal) -> tuple[bool, bool]:
    """(may read persons, may read companies); PermissionDenied when neither."""
    persons = await has_right(session, roles=principal.roles, entity_type="contact_person", action="read")
    companies = await has_right(session, roles=principal.roles, entity_type="company", action="read")
    if not persons and not companies:
        await require_right(session, principal, "company", "read")  # raises with the usual message
    return persons, companies


async def _persons_by_address(session: AsyncSession, addresses: list[str]) -> list[tuple[str, uuid.UUID, uuid.UUID]]:
    """(address, person id, company id) of live persons with one of ``addresses``, oldest person first."""
    query = (select(ContactPersonAddress.address, ContactPerson.id, ContactPerson.company_id)
             .join(ContactPerson, ContactPerson.id == ContactPersonAddress.person_id)
             .where(ContactPersonAddress.address == any_(_ADDRESSES), ContactPerson.deleted_at.is_(None))
             .order_by(ContactPerson.created_at, ContactPerson.id))
    return [tuple(row) for row in await session.execute(query, {"addresses": addresses})]


async def _companies_by_domain(session: AsyncSession, domains: list[str]) -> list[tuple[uuid.UUID, str, str]]:
    """(id, website domain, e-mail domain) of live companies with one of ``domains``, oldest first."""
    # "<> ''" repeated from the partial indexes' predicate: PostgreSQL cannot prove it from "= ANY($1)".
    query = (select(Company.id, Company.website_domain, Company.email_domain)
             .where(Company.deleted_at.is_(None),
                    or_(and_(Company.website_domain == any_(_DOMAINS), Company.website_domain != ""),
                        and_(Company.email_domain == any_(_DOMAINS), Company.email_domain != "")))
             .order_by(Company.created_at, Company.id))
    return [tuple(row) for row in await session.execute(query, {"domains": domains})]


async def _visible_company_ids(session: AsyncSession, principal: Principal,
                               company_ids: set[uuid.UUID]) -> set[uuid.UUID]:
    if not company_ids:
        return set()
    query = visible_companies(session, principal).with_only_columns(Company.id).where(
        Company.id == any_(_COMPANY_IDS))
    return set((await session.scalars(query, {"company_ids": sorted(company_ids)})).all())


async def match_addresses(session: AsyncSession, *, principal: Principal, addresses: list[str]) -> list[AddressMatch]:
    """One ``AddressMatch`` per distinct lower-cased address, in the order asked; only what the caller may see."""
    asked = _distinct_lowered(addresses)
    read_persons, read_companies = await _readable(session, principal)
    lookup = {address: lookup_form(address) for address in asked}
    wanted = sorted({form for form in lookup.values() if form is not None})
    candidates = {form: domain_candidates(form) for form in wanted}

    persons = await _persons_by_address(session, wanted) if read_persons and wanted else []
    domains = sorted({domain for found in candidates.values() for domain in found})
    companies = await _companies_by_domain(session, domains) if read_companies and domains else []
    visible = await _visible_company_ids(session, principal,
                                         {company for _, _, company in persons} | {c for c, _, _ in companies})

    persons_at: dict[str, list[tuple[uuid.UUID, uuid.UUID]]] = {}
    for address, person_id, company_id in persons:
        if company_id in visible:
            persons_at.setdefault(address, []).append((person_id, company_id))
    companies_at: dict[str, list[uuid.UUID]] = {}
    for company_id, website_domain, email_domain in companies:
        if company_id in visible:
            for domain in {website_domain, email_domain} - {""}:
                companies_at.setdefault(domain, []).append(company_id)

    matches = []
    for address in asked:
        form = lookup[address]
        if form is None:
            matches.append(AddressMatch(address))
            continue
        found = persons_at.get(form, [])
        by_domain = [c for domain in candidates[form] for c in companies_at.get(domain, [])]
        matches.append(AddressMatch(
            address, contact_person_ids=[p for p, _ in found],
            person_company_ids=list(dict.fromkeys(c for _, c in found)),
            domain_company_ids=list(dict.fromkeys(by_domain)),
        ))
    return matches
