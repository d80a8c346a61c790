"""Business rules for companies. Functions take the session; the edge owns the transaction.

Every read goes through ``visible_companies``: the one SELECT that decides
which companies a caller can see (live ones of the session's tenant; the
access domain narrows it by access level and assignment). Role rights
(``access.guard.require_right``) are checked by the gRPC edge for every call.
"""

from __future__ import annotations

import uuid
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal
from kontor.platform.errors import Conflict, NotFound

from kontor.contacts import listing, records
from kontor.contacts.access.visibility import visible_filter
from kontor.contacts.assignment.rules import assign_new_record
from kontor.contacts.companies import events, history
from kontor.contacts.companies.duplicates import DuplicateKeys, find_duplicate, stamp_keys, text_key
from kontor.contacts.companies.models import Company, CompanyHistory
from kontor.contacts.companies.schemas import CompanyCreate, CompanyFilter, CompanyUpdate

SORTS = ("name", "created_at", "updated_at")
DEFAULT_SORT = "-created_at"
_SORT_KEYS = {"name": Company.name_key, "created_at": Company.created_at, "updated_at": Company.updated_at}
# Fields whose changes the history and the updated event report (everything a user edits).
EDITABLE_FIELDS = tuple(CompanyUpdate.model_fields)


def visible_companies(session: AsyncSession, principal: Principal) -> Select:
    """Companies ``principal`` may see: not deleted, and allowed by the access rules (access level,
    assignments, substitutions, engagements: ``access.visibility``); row-level security limits the tenant."""
    del session  # the rules are one SQL clause; kept so every caller passes the same arguments
    return select(Company).where(Company.deleted_at.is_(None), visible_filter(principal, "company"))


async def create_company(session: AsyncSession, *, principal: Principal, data: CompanyCreate) -> Company:
    keys = DuplicateKeys.of(name=data.name, city=data.city, website=data.website, email=data.email)
    if not data.confirm_duplicate:
        existing = await find_duplicate(session, keys)
        if existing is not None:
            # The 409 names (and links) the duplicate only when the caller may see it.
            visible = await session.scalar(visible_companies(session, principal).with_only_columns(Company.id)
                                           .where(Company.id == existing.id)) is not None
            raise records.duplicate_error(what="company", existing_id=existing.id, visible=visible,
                                          reason=_match_reason(keys, existing, data.city, visible=visible))
    company = Company(id=uuid.uuid4(), tenant_id=principal.tenant_id, version=1,
                      **data.model_dump(exclude={"confirm_duplicate"}))
    stamp_keys(company)
    session.add(company)
    await session.flush()
    await session.refresh(company)  # server-side timestamps
    history.record(session, company, [(history.CREATED, "", company.kind)], changed_by=principal.subject)
    await events.company_created(session, company)
    # The assignment rules decide who looks after it (and so who sees a private one), in the same transaction.
    await assign_new_record(session, principal=principal, record_type="company", record_id=company.id,
                            attributes=data.model_dump(include={"postal_code", "industry", "revenue_tier"}))
    return company


def _match_reason(keys: DuplicateKeys, existing: Company, city: str, *, visible: bool) -> str:
    """What matched, in the caller's own words when the existing record is not theirs to see."""
    shared = keys.domains & {existing.website_domain, existing.email_domain}
    return f"the domain {min(shared)}" if shared else f"the same name in {existing.city if visible else city}"


async def get_company(session: AsyncSession, *, principal: Principal, company_id: uuid.UUID) -> Company:
    # Another tenant's id, a deleted company and one the caller may not see all look the same: not found.
    company = await session.scalar(visible_companies(session, principal).where(Company.id == company_id))
    if company is None:
        raise NotFound(f"company {company_id} not found")
    return company


async def _lock(
    session: AsyncSession, principal: Principal, company_id: uuid.UUID, expected_version: int, *,
    version_required: bool = True,
) -> Company:
    return await records.lock_for_change(
        session, visible_companies(session, principal).where(Company.id == company_id), entity=Company,
        what="company", record_id=company_id, expected_version=expected_version, version_required=version_required,
    )


async def list_companies(
    session: AsyncSession, *, principal: Principal, filters: CompanyFilter, sort: str, page_size: int,
    page_token: str,
) -> tuple[list[Company], str]:
    order = listing.parse_sort(sort, allowed=SORTS, default=DEFAULT_SORT)
    query = visible_companies(session, principal)
    if filters.kind:
        query = query.where(Company.kind == filters.kind)
    if filters.industry:
        query = query.where(func.lower(Company.industry) == filters.industry.lower())
    if filters.city:
        query = query.where(Company.city_key == text_key(filters.city))
    if filters.postal_code_prefix:
        query = query.where(Company.postal_code.startswith(filters.postal_code_prefix, autoescape=True))
    return await listing.fetch_page(session, query, sort=order, key=_SORT_KEYS[order.field], id_column=Company.id,
                                    page_size=page_size, page_token=page_token)


def _snapshot(company: Company) -> dict[str, str]:
    return {field: getattr(company, field) for field in EDITABLE_FIELDS}


async def update_company(
    session: AsyncSession, *, principal: Principal, company_id: uuid.UUID, expected_version: int,
    data: CompanyUpdate,
) -> Company:
    """Apply the fields the caller set. No actual change: no new version, no event."""
    company = await _lock(session, principal, company_id, expected_version)
    changes = history.diff(_snapshot(company), data.changes())
    if not changes:
        return company
    for field, _, new in changes:
        setattr(company, field, new)
    stamp_keys(company)
    company.version += 1
    history.record(session, company, changes, changed_by=principal.subject)
    await session.flush()
    await session.refresh(company)
    await events.company_updated(session, company, [field for field, _, _ in changes])
    return company


async def convert_to_customer(
    session: AsyncSession, *, principal: Principal, company_id: uuid.UUID, expected_version: int = 0,
) -> Company:
    """Lead -> customer. The record keeps its id, links and history; the change itself is recorded."""
    company = await _lock(session, principal, company_id, expected_version, version_required=False)
    if company.kind != "lead":
        raise Conflict(f"company {company.id} is a {company.kind} already; only leads can be converted")
    company.kind = "customer"
    company.version += 1
    history.record(session, company, [("kind", "lead", "customer")], changed_by=principal.subject)
    await session.flush()
    await session.refresh(company)
    await events.company_converted(session, company, from_kind="lead")
    return company


async def delete_company(
    session: AsyncSession, *, principal: Principal, company_id: uuid.UUID, expected_version: int,
) -> None:
    """Soft delete: the row and its history stay for the audit; every read treats it as gone."""
    company = await _lock(session, principal, company_id, expected_version)
    records.soft_delete(company)
    history.record(session, company, [(history.DELETED, "", company.deleted_at.isoformat())],
                   changed_by=principal.subject)
    await session.flush()
    await events.company_deleted(session, company)


async def list_history(
    session: AsyncSession, *, principal: Principal, company_id: uuid.UUID, page_size: int, page_token: str,
) -> tuple[list[CompanyHistory], str]:
    """The company's changes, oldest first. Only for companies the caller can see."""
    await get_company(session, principal=principal, company_id=company_id)
    query = select(CompanyHistory).where(CompanyHistory.company_id == company_id)
    return await listing.fetch_page(
        session, query, sort=listing.Sort("changed_at", descending=False), key=CompanyHistory.changed_at,
        id_column=CompanyHistory.id, page_size=page_size, page_token=page_token,
    )
