"""Business rules for billing's clients. Functions take the session; the edge owns the transaction."""

import uuid

from sqlalchemy import any_, bindparam, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform import pagination
from kontor.platform.errors import NotFound

from kontor.billing.clients.models import Client


async def record_client(session: AsyncSession, *, tenant_id: uuid.UUID, company_id: uuid.UUID, name: str) -> None:
    """Remember a company as a client; recording the same company again changes nothing."""
    await session.execute(
        insert(Client).values(tenant_id=tenant_id, company_id=company_id, name=name).on_conflict_do_nothing()
    )


async def get_client(session: AsyncSession, *, company_id: uuid.UUID) -> Client:
    client = await session.get(Client, company_id)  # row-level security scopes it to the tenant
    if client is None:
        raise NotFound(f"client {company_id} not found")
    return client


async def list_clients(session: AsyncSession, *, page_size: int, page_token: str,
                       company_ids: list[uuid.UUID] | None) -> tuple[list[Client], str]:
    """Newest first. ``company_ids``: the companies the caller may see (contacts' VisibleRecords); None for
    callers who see every company of the tenant. The filter is applied to every page, so the keyset token
    stays valid while visibility changes between pages."""
    size = pagination.page_size(page_size)
    after = pagination.decode_token(page_token)
    if company_ids is not None and not company_ids:
        return [], ""
    query = select(Client).order_by(Client.recorded_at.desc(), Client.company_id.desc()).limit(size + 1)
    if company_ids is not None:
        # One array parameter (= ANY), not one bind parameter per id: thousands of ids stay one value.
        query = query.where(Client.company_id == any_(
            bindparam("visible_company_ids", company_ids, type_=ARRAY(UUID(as_uuid=True)))))
    if after:
        query = query.where(tuple_(Client.recorded_at, Client.company_id) < after)
    rows = list((await session.scalars(query)).all())
    next_token = (
        pagination.encode_token(rows[size - 1].recorded_at, rows[size - 1].company_id) if len(rows) > size else ""
    )
    return rows[:size], next_token
