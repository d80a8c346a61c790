"""Business rules for billing's clients. Functions take the session; the edge owns the transaction."""

import uuid

from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert
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


async def list_clients(session: AsyncSession, *, page_size: int, page_token: str) -> tuple[list[Client], str]:
    size = pagination.page_size(page_size)
    query = select(Client).order_by(Client.recorded_at.desc(), Client.company_id.desc()).limit(size + 1)
    after = pagination.decode_token(page_token)
    if after:
        query = query.where(tuple_(Client.recorded_at, Client.company_id) < after)
    rows = list((await session.scalars(query)).all())
    next_token = (
        pagination.encode_token(rows[size - 1].recorded_at, rows[size - 1].company_id) if len(rows) > size else ""
    )
    return rows[:size], next_token
