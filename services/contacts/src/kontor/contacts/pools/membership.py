"""Member lists of companies, shared by address pools and static customer groups.

A member table has (list id, company id, added_by, added_at). Adding needs a
company the caller can see; listing returns only the members the caller can
see, so a pool never reveals a company hidden by access levels.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Select, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from kontor.platform.auth import Principal

from kontor.contacts import listing
from kontor.contacts.companies.models import Company
from kontor.contacts.companies.service import get_company, visible_companies

BY_NAME = listing.Sort("name", descending=False)


async def add(session: AsyncSession, *, principal: Principal, member_model: type, list_column: str,
              list_id: uuid.UUID, company_id: uuid.UUID) -> None:
    """Idempotent: adding a member twice keeps one row."""
    await get_company(session, principal=principal, company_id=company_id)
    await session.execute(insert(member_model).values(
        {list_column: list_id, "company_id": company_id, "added_by": principal.subject,
         "tenant_id": principal.tenant_id},
    ).on_conflict_do_nothing())


async def remove(session: AsyncSession, *, member_model: type, list_column: InstrumentedAttribute,
                 list_id: uuid.UUID, company_id: uuid.UUID) -> None:
    await session.execute(delete(member_model).where(list_column == list_id, member_model.company_id == company_id))


async def page_of_companies(
    session: AsyncSession, *, principal: Principal, members: Select, page_size: int, page_token: str,
) -> tuple[list[Company], str]:
    """Visible companies whose id ``members`` (a one-column SELECT) yields, by name."""
    query = visible_companies(session, principal).where(Company.id.in_(members))
    return await listing.fetch_page(session, query, sort=BY_NAME, key=Company.name_key, id_column=Company.id,
                                    page_size=page_size, page_token=page_token)


def member_ids(member_model: type, list_column: InstrumentedAttribute, list_id: uuid.UUID) -> Select:
    return select(member_model.company_id).where(list_column == list_id)
