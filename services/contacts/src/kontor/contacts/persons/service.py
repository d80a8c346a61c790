"""Business rules for contact persons. Functions take the session; the edge owns the transaction.

Every read goes through ``visible_persons``: live persons whose company the
caller can see (``companies.service.visible_companies``), so a person of a
deleted, invisible or other tenant's company is not found.
"""

from __future__ import annotations

import uuid
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal
from kontor.platform.errors import NotFound

from kontor.contacts import contact_data, listing, records
from kontor.contacts.companies.models import Company
from kontor.contacts.companies.service import get_company, visible_companies
from kontor.contacts.persons import events
from kontor.contacts.persons.address_index import store_addresses
from kontor.contacts.persons.models import ContactPerson
from kontor.contacts.persons.schemas import ContactPersonCreate, ContactPersonUpdate, PhoneNumber

SORTS = ("last_name", "created_at", "updated_at")
DEFAULT_SORT = "last_name"
_SORT_KEYS = {"last_name": func.lower(ContactPerson.last_name), "created_at": ContactPerson.created_at,
              "updated_at": ContactPerson.updated_at}


def visible_persons(session: AsyncSession, principal: Principal) -> Select:
    """Contact persons ``principal`` may see: live ones of companies the caller may see."""
    companies = visible_companies(session, principal).with_only_columns(Company.id)
    return select(ContactPerson).where(ContactPerson.deleted_at.is_(None), ContactPerson.company_id.in_(companies))


def _phones(items: list[PhoneNumber], country: str) -> list[dict]:
    # The company's country completes national numbers ("030 ..." in a German company).
    return [{"number": p.number, "label": p.label, "e164": contact_data.normalise_phone(p.number, country)}
            for p in items]


async def _find_duplicate(session: AsyncSession, addresses: list[str], *, exclude: uuid.UUID | None = None):
    if not addresses:
        return None
    for address in sorted(addresses):  # serialise concurrent creates with the same address
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext("person-dup:" + address))))
    query = select(ContactPerson).where(ContactPerson.deleted_at.is_(None),
                                        ContactPerson.email_keys.overlap(addresses))
    if exclude is not None:
        query = query.where(ContactPerson.id != exclude)
    return await session.scalar(query.order_by(ContactPerson.created_at, ContactPerson.id).limit(1))


async def create_person(
    session: AsyncSession, *, principal: Principal, company_id: uuid.UUID, data: ContactPersonCreate,
) -> ContactPerson:
    company = await get_company(session, principal=principal, company_id=company_id)
    addresses = [e.address for e in data.emails]
    if not data.confirm_duplicate:
        existing = await _find_duplicate(session, addresses)
        if existing is not None:
            shared = sorted(set(addresses) & set(existing.email_keys))[0]
            # The 409 names (and links) the duplicate only when the caller may see it.
            visible = await session.scalar(visible_persons(session, principal).with_only_columns(ContactPerson.id)
                                           .where(ContactPerson.id == existing.id)) is not None
            raise records.duplicate_error(what="contact person", existing_id=existing.id, visible=visible,
                                          reason=f"the email address {shared}")
    person = ContactPerson(
        id=uuid.uuid4(), tenant_id=principal.tenant_id, company_id=company.id, version=1,
        **data.model_dump(exclude={"confirm_duplicate", "emails", "phones"}),
        emails=[e.model_dump() for e in data.emails], phones=_phones(data.phones, company.country),
        email_keys=addresses,
    )
    session.add(person)
    await session.flush()
    await session.refresh(person)
    await store_addresses(session, person)
    await events.person_created(session, person)
    return person


async def get_person(session: AsyncSession, *, principal: Principal, person_id: uuid.UUID) -> ContactPerson:
    person = await session.scalar(visible_persons(session, principal).where(ContactPerson.id == person_id))
    if person is None:
        raise NotFound(f"contact person {person_id} not found")
    return person


async def list_persons(
    session: AsyncSession, *, principal: Principal, company_id: uuid.UUID | None, sort: str, page_size: int,
    page_token: str,
) -> tuple[list[ContactPerson], str]:
    order = listing.parse_sort(sort, allowed=SORTS, default=DEFAULT_SORT)
    query = visible_persons(session, principal)
    if company_id is not None:
        await get_company(session, principal=principal, company_id=company_id)  # 404 rather than an empty page
        query = query.where(ContactPerson.company_id == company_id)
    return await listing.fetch_page(session, query, sort=order, key=_SORT_KEYS[order.field],
                                    id_column=ContactPerson.id, page_size=page_size, page_token=page_token)


async def _lock(session: AsyncSession, principal: Principal, person_id: uuid.UUID, expected_version: int):
    return await records.lock_for_change(
        session, visible_persons(session, principal).where(ContactPerson.id == person_id), entity=ContactPerson,
        what="contact person", record_id=person_id, expected_version=expected_version,
    )


async def update_person(
    session: AsyncSession, *, principal: Principal, person_id: uuid.UUID, expected_version: int,
    data: ContactPersonUpdate,
) -> ContactPerson:
    """Apply the fields the caller set. No actual change: no new version, no event."""
    person = await _lock(session, principal, person_id, expected_version)
    wanted = data.changes()
    if data.phones is not None:
        company = await session.get(Company, person.company_id)
        wanted["phones"] = _phones(data.phones, company.country)
    changed = sorted(field for field, value in wanted.items() if getattr(person, field) != value)
    if not changed:
        return person
    for field in changed:
        setattr(person, field, wanted[field])
    person.email_keys = [e["address"] for e in person.emails]
    person.version += 1
    await session.flush()
    await session.refresh(person)
    if "emails" in changed:
        await store_addresses(session, person)
    await events.person_updated(session, person, changed)
    return person


async def delete_person(
    session: AsyncSession, *, principal: Principal, person_id: uuid.UUID, expected_version: int,
) -> None:
    person = await _lock(session, principal, person_id, expected_version)
    records.soft_delete(person)
    await session.flush()
    await events.person_deleted(session, person)
