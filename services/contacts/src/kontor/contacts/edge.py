"""Shared by the gRPC servicers of contacts: rights-checked units of work and small translations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal, current_principal
from kontor.platform.db import Database
from kontor.platform.errors import AlreadyExists

from kontor.contacts.access.guard import require_right
from kontor.contacts.records import EXISTING_ID_METADATA


@asynccontextmanager
async def authorised(db: Database, entity_type: str, action: str) -> AsyncIterator[tuple[AsyncSession, Principal]]:
    """One unit of work in the caller's tenant, after checking the caller's role right (403 when missing)."""
    principal = current_principal()
    async with db.unit_of_work(principal.tenant_id) as session:
        await require_right(session, principal, entity_type, action)
        yield session, principal


@asynccontextmanager
async def reporting_existing_id(context: grpc.aio.ServicerContext) -> AsyncIterator[None]:
    """Forward the id of the record a create collided with as trailing metadata (the status keeps its code)."""
    try:
        yield
    except AlreadyExists as exc:
        existing_id = getattr(exc, "existing_id", None)
        if existing_id is not None:
            context.set_trailing_metadata(((EXISTING_ID_METADATA, str(existing_id)),))
        raise


def timestamp(value: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(value)
    return ts
