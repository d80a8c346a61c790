"""Business rules of resources kept by hand. Imported ones (server_id set) belong to their server's import
(the connectors), which overwrites them on every refresh; by hand they can only be switched between
exclusive and double-bookable."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform import pagination
from kontor.platform.errors import AlreadyExists, Conflict, InvalidArgument, NotFound

from kontor.calendar_sync.appointments.models import ResourceBooking
from kontor.calendar_sync.resources.models import Resource
from kontor.calendar_sync.resources.schemas import ResourceData

_FIELDS = tuple(ResourceData.model_fields)


def _validated(values: dict[str, Any]) -> ResourceData:
    try:
        return ResourceData(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidArgument(".".join(str(p) for p in first["loc"]) or "resource", first["msg"]) from None


async def create_resource(session: AsyncSession, *, tenant_id: uuid.UUID, values: dict[str, Any]) -> Resource:
    data = _validated(values)
    resource = Resource(id=uuid.uuid4(), tenant_id=tenant_id, version=1, **data.model_dump())
    session.add(resource)
    await session.flush()
    await session.refresh(resource)
    return resource


async def get_resource(session: AsyncSession, *, resource_id: uuid.UUID) -> Resource:
    resource = await session.scalar(select(Resource).where(Resource.id == resource_id, Resource.deleted_at.is_(None)))
    if resource is None:
        raise NotFound(f"resource {resource_id} not found")
    return resource


async def list_resources(session: AsyncSession, *, kind: str, page_size: int,
                         page_token: str) -> tuple[list[Resource], str]:
    """Newest first (created time, then id), in keyset pages (the platform's token)."""
    size = pagination.page_size(page_size)
    query = select(Resource).where(Resource.deleted_at.is_(None))
    if kind:
        if kind not in ("room", "equipment"):
            raise InvalidArgument("kind", "use room or equipment")
        query = query.where(Resource.kind == kind)
    after = pagination.decode_token(page_token)
    if after is not None:
        query = query.where(tuple_(Resource.created_at, Resource.id) < tuple_(*after))
    rows = list(await session.scalars(query.order_by(Resource.created_at.desc(), Resource.id.desc()).limit(size + 1)))
    token = pagination.encode_token(rows[size - 1].created_at, rows[size - 1].id) if len(rows) > size else ""
    return rows[:size], token


async def _lock(session: AsyncSession, resource_id: uuid.UUID, expected_version: int) -> Resource:
    if expected_version <= 0:
        raise InvalidArgument("expected_version", "send the version you last read (the ETag)")
    resource = await session.scalar(select(Resource).where(Resource.id == resource_id, Resource.deleted_at.is_(None))
                                    .with_for_update())
    if resource is None:
        raise NotFound(f"resource {resource_id} not found")
    if resource.version != expected_version:
        raise Conflict(f"resource {resource_id} is at version {resource.version}, not {expected_version}: someone "
                       "changed it meanwhile; read it again")
    return resource


async def update_resource(session: AsyncSession, *, resource_id: uuid.UUID, expected_version: int,
                          changes: dict[str, Any]) -> Resource:
    resource = await _lock(session, resource_id, expected_version)
    if resource.server_id is not None and set(changes) - {"allow_double_booking"}:
        raise InvalidArgument(sorted(set(changes) - {"allow_double_booking"})[0],
                              "comes from the resource's groupware server; change it there")
    data = _validated({**{name: getattr(resource, name) for name in _FIELDS}, **changes})
    changed = {name: value for name, value in data.model_dump().items() if getattr(resource, name) != value}
    if not changed:
        return resource
    for name, value in changed.items():
        setattr(resource, name, value)
    resource.version += 1
    resource.updated_at = datetime.now(UTC)
    await session.flush()
    if "allow_double_booking" in changed:
        try:
            async with session.begin_nested():
                await session.execute(update(ResourceBooking).where(ResourceBooking.resource_id == resource.id)
                                      .values(exclusive=not resource.allow_double_booking))
        except IntegrityError:
            raise AlreadyExists(f'resource "{resource.name}" is double-booked already; move one of the '
                                "overlapping appointments before forbidding double booking") from None
    await session.refresh(resource)
    return resource


async def delete_resource(session: AsyncSession, *, resource_id: uuid.UUID, expected_version: int) -> None:
    resource = await _lock(session, resource_id, expected_version)
    coming = func.tstzrange(datetime.now(UTC), None)
    if await session.scalar(select(ResourceBooking.id).where(ResourceBooking.resource_id == resource.id,
                                                             ResourceBooking.period.op("&&")(coming)).limit(1)):
        raise AlreadyExists(f'resource "{resource.name}" is booked for coming appointments; remove it from them '
                            "first")
    resource.deleted_at = datetime.now(UTC)
    resource.version += 1
    resource.updated_at = datetime.now(UTC)
    await session.flush()
