"""Business rules for companies. Functions take the session; the edge owns the transaction."""

import uuid

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform import pagination
from kontor.platform.auth import Principal
from kontor.platform.errors import NotFound

from kontor.contacts.companies import events
from kontor.contacts.companies.models import Company
from kontor.contacts.companies.schemas import CompanyCreate


async def create_company(session: AsyncSession, *, principal: Principal, data: CompanyCreate) -> Company:
    company = Company(id=uuid.uuid4(), tenant_id=principal.tenant_id, name=data.name, kind=data.kind,
                      city=data.city, version=1)
    session.add(company)
    await session.flush()
    await session.refresh(company)  # server-side timestamps
    await events.company_created(session, company)
    return company


async def get_company(session: AsyncSession, *, company_id: uuid.UUID) -> Company:
    # No tenant filter here on purpose: row-level security already limits the
    # session to the caller's tenant, so another tenant's id is simply not found.
    company = await session.get(Company, company_id)
    if company is None:
        raise NotFound(f"company {company_id} not found")
    return company


async def list_companies(
    session: AsyncSession, *, page_size: int, page_token: str
) -> tuple[list[Company], str]:
    size = pagination.page_size(page_size)
    query = select(Company).order_by(Company.created_at.desc(), Company.id.desc()).limit(size + 1)
    after = pagination.decode_token(page_token)
    if after:
        query = query.where(tuple_(Company.created_at, Company.id) < after)
    rows = list((await session.scalars(query)).all())
    next_token = pagination.encode_token(rows[size - 1].created_at, rows[size - 1].id) if len(rows) > size else ""
    return rows[:size], next_token
