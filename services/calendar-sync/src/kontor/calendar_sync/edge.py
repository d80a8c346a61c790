"""Shared by the gRPC servicers of calendar-sync: rights-checked units of work and small translations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal, current_principal
from kontor.platform.contacts_access import Contacts, Sight
from kontor.platform.db import Database
from kontor.platform.errors import InvalidArgument


@asynccontextmanager
async def authorised(db: Database, contacts: Contacts, entity_type: str, action: str,
                     ) -> AsyncIterator[tuple[AsyncSession, Principal, Sight]]:
    """Ask contacts for the caller's role right (403 when missing), then one unit of work in their tenant."""
    principal = current_principal()
    await contacts.require_right(entity_type, action)
    async with db.unit_of_work(principal.tenant_id) as session:
        yield session, principal, Sight(contacts)


def timestamp(value: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(value.astimezone(UTC))
    return ts


def instant(value: Timestamp, field: str, *, required: bool = True) -> datetime | None:
    if not value.seconds and not value.nanos:
        if required:
            raise InvalidArgument(field, "is required: an instant with its offset, e.g. 2026-03-02T09:00:00+01:00")
        return None
    return value.ToDatetime(tzinfo=UTC)
