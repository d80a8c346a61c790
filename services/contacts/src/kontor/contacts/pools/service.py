"""Address pools: lists of companies a user maintains. Functions take the session; the edge owns the transaction.

A private pool is seen by its owner only, a public one by the whole tenant.
Only the owner changes a pool; org managers may also change public ones
(someone must tidy up after a colleague leaves). Another user's private pool
answers NotFound, never PermissionDenied: its existence does not leak.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal
from kontor.platform.errors import NotFound, PermissionDenied

from kontor.contacts import listing, records
from kontor.contacts.comments.service import MANAGER_ROLES
from kontor.contacts.companies.models import Company
from kontor.contacts.pools import membership
from kontor.contacts.pools.models import Pool, PoolMember
from kontor.contacts.pools.schemas import PoolCreate, PoolUpdate

_BY_NAME = listing.Sort("name", descending=False)


def visible_pools(principal: Principal) -> Select:
    return select(Pool).where(or_(Pool.visibility == "public", Pool.owner == principal.subject))


async def create_pool(session: AsyncSession, *, principal: Principal, data: PoolCreate) -> Pool:
    pool = Pool(id=uuid.uuid4(), tenant_id=principal.tenant_id, owner=principal.subject, version=1,
                **data.model_dump())
    session.add(pool)
    await session.flush()
    await session.refresh(pool)
    return pool


async def get_pool(session: AsyncSession, *, principal: Principal, pool_id: uuid.UUID) -> Pool:
    pool = await session.scalar(visible_pools(principal).where(Pool.id == pool_id))
    if pool is None:
        raise NotFound(f"pool {pool_id} not found")
    return pool


async def list_pools(session: AsyncSession, *, principal: Principal, page_size: int,
                     page_token: str) -> tuple[list[Pool], str]:
    return await listing.fetch_page(session, visible_pools(principal), sort=_BY_NAME, key=func.lower(Pool.name),
                                    id_column=Pool.id, page_size=page_size, page_token=page_token)


def _require_maintainer(principal: Principal, pool: Pool) -> None:
    if pool.owner == principal.subject:
        return
    if pool.visibility == "public" and MANAGER_ROLES & set(principal.roles):
        return
    raise PermissionDenied(f"only the owner maintains pool {pool.id}; ask them, or copy it into a pool of yours")


async def _lock(session: AsyncSession, principal: Principal, pool_id: uuid.UUID, expected_version: int) -> Pool:
    pool = await records.lock_for_change(
        session, visible_pools(principal).where(Pool.id == pool_id), entity=Pool, what="pool",
        record_id=pool_id, expected_version=expected_version, version_required=bool(expected_version),
    )
    _require_maintainer(principal, pool)
    return pool


async def update_pool(session: AsyncSession, *, principal: Principal, pool_id: uuid.UUID, expected_version: int,
                      data: PoolUpdate) -> Pool:
    records.require_expected_version(expected_version)
    pool = await _lock(session, principal, pool_id, expected_version)
    changes = {k: v for k, v in data.changes().items() if getattr(pool, k) != v}
    if not changes:
        return pool
    for field, value in changes.items():
        setattr(pool, field, value)
    pool.version += 1
    await session.flush()
    await session.refresh(pool)
    return pool


async def delete_pool(session: AsyncSession, *, principal: Principal, pool_id: uuid.UUID,
                      expected_version: int) -> None:
    records.require_expected_version(expected_version)
    pool = await _lock(session, principal, pool_id, expected_version)
    await session.delete(pool)  # members go with it (ON DELETE CASCADE); the companies stay
    await session.flush()


async def add_member(session: AsyncSession, *, principal: Principal, list_id: uuid.UUID,
                     company_id: uuid.UUID) -> None:
    pool = await _lock(session, principal, list_id, 0)
    await membership.add(session, principal=principal, member_model=PoolMember, list_column="pool_id",
                         list_id=pool.id, company_id=company_id)


async def remove_member(session: AsyncSession, *, principal: Principal, list_id: uuid.UUID,
                        company_id: uuid.UUID) -> None:
    pool = await _lock(session, principal, list_id, 0)
    await membership.remove(session, member_model=PoolMember, list_column=PoolMember.pool_id, list_id=pool.id,
                            company_id=company_id)


async def list_members(session: AsyncSession, *, principal: Principal, list_id: uuid.UUID, page_size: int,
                       page_token: str) -> tuple[list[Company], str]:
    pool = await get_pool(session, principal=principal, pool_id=list_id)
    return await membership.page_of_companies(
        session, principal=principal, members=membership.member_ids(PoolMember, PoolMember.pool_id, pool.id),
        page_size=page_size, page_token=page_token,
    )
