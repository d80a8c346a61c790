"""Import of rooms and equipment from each branch server into ``resources``, kept separate per server.

A provider plugs in through ``ResourceDirectory``: given a server and its opened credentials it lists
the rooms and equipment mailboxes. ``import_resources`` upserts them keyed (server_id, external_id),
restores ones that came back and deactivates (soft-deletes) ones that vanished, touching neither
resources kept by hand (server_id NULL) nor another server's. An empty answer for a server that has
live resources is treated as suspect (a directory glitch must not wipe every room off the bookings):
nothing is deactivated and the result says so, unless ``allow_empty``.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.db import Database
from kontor.platform.secrets_box import SecretBox

from kontor.calendar_sync.connectors import events
from kontor.calendar_sync.connectors.models import ConnectorTenant, GroupwareServer
from kontor.calendar_sync.connectors.service import OpenCredentials, live_servers, open_credentials
from kontor.calendar_sync.resources.models import Resource

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DirectoryResource:
    """One room or equipment mailbox as the groupware lists it."""

    external_id: str
    name: str
    kind: Literal["room", "equipment"]
    email: str = ""
    capacity: int = 0

    @property
    def key(self) -> str:
        return self.external_id or self.email.lower()


@dataclass(frozen=True)
class ServerConnection:
    """What a provider needs to reach one server: its settings and its opened credentials (repr hides them)."""

    server_id: uuid.UUID
    tenant_id: uuid.UUID
    provider: str
    azure_tenant_id: str
    client_id: str
    authority_url: str
    base_url: str
    ca_bundle_path: str
    credentials: OpenCredentials | None = field(repr=False)


class ResourceDirectory(Protocol):
    async def list_resources(self, server: ServerConnection) -> list[DirectoryResource]: ...


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    unchanged: int = 0
    suspect_empty: bool = False


def connection_of(server: GroupwareServer, credentials: OpenCredentials | None) -> ServerConnection:
    return ServerConnection(
        server_id=server.id, tenant_id=server.tenant_id, provider=server.provider,
        azure_tenant_id=server.azure_tenant_id, client_id=server.client_id, authority_url=server.authority_url,
        base_url=server.base_url, ca_bundle_path=server.ca_bundle_path, credentials=credentials)


async def import_resources(session: AsyncSession, server_id: uuid.UUID, listed: list[DirectoryResource], *,
                           allow_empty: bool = False, now: datetime | None = None) -> ImportResult:
    """Upsert ``listed`` as the resources of ``server_id`` (in the session's tenant)."""
    now = now or datetime.now(UTC)
    server = await session.scalar(live_servers().where(GroupwareServer.id == server_id).with_for_update())
    if server is None:
        raise LookupError(f"groupware server {server_id} not found")
    incoming: dict[str, DirectoryResource] = {}
    for item in listed:
        if item.key:
            incoming.setdefault(item.key, item)
    existing = {r.external_id: r for r in (await session.scalars(
        select(Resource).where(Resource.server_id == server.id))).all()}
    result = ImportResult()
    live = [r for r in existing.values() if r.deleted_at is None]
    if not incoming and live and not allow_empty:
        log.warning("resource directory answered empty; nothing deactivated",
                    extra={"server_id": str(server.id), "live_resources": len(live)})
        result.suspect_empty = True
        result.unchanged = len(live)
        return result
    for key, item in incoming.items():
        row = existing.get(key)
        if row is None:
            session.add(Resource(id=uuid.uuid4(), tenant_id=server.tenant_id, server_id=server.id, external_id=key,
                                 name=item.name[:200], kind=item.kind, email=item.email[:320],
                                 capacity=max(item.capacity, 0), allow_double_booking=False, version=1))
            result.created += 1
            continue
        wanted = {"name": item.name[:200], "kind": item.kind, "email": item.email[:320],
                  "capacity": max(item.capacity, 0), "deleted_at": None}
        changed = {f: v for f, v in wanted.items() if getattr(row, f) != v}
        if changed:
            for f, v in changed.items():
                setattr(row, f, v)
            row.version += 1
            row.updated_at = now
            result.updated += 1
        else:
            result.unchanged += 1
    for key, row in existing.items():
        if key not in incoming and row.deleted_at is None:
            row.deleted_at = row.updated_at = now
            row.version += 1
            result.deactivated += 1
    server.resources_refreshed_at = now
    await session.flush()
    if result.created or result.updated or result.deactivated:
        await events.resources_refreshed(session, server, created=result.created, updated=result.updated,
                                         deactivated=result.deactivated)
    return result


async def deactivate_server_resources(session: AsyncSession, server_id: uuid.UUID) -> None:
    now = datetime.now(UTC)
    await session.execute(update(Resource).where(Resource.server_id == server_id, Resource.deleted_at.is_(None))
                          .values(deleted_at=now, updated_at=now, version=Resource.version + 1))


async def refresh_server(db: Database, box: SecretBox, directory: ResourceDirectory, *, tenant_id: uuid.UUID,
                         server_id: uuid.UUID) -> ImportResult:
    """Read the server's directory (outside any transaction: it is a network call), then import."""
    async with db.unit_of_work(tenant_id) as session:
        server = await session.scalar(live_servers().where(GroupwareServer.id == server_id))
        if server is None:
            raise LookupError(f"groupware server {server_id} not found")
        connection = connection_of(server, await open_credentials(session, box, server))
    listed = await directory.list_resources(connection)
    async with db.unit_of_work(tenant_id) as session:
        return await import_resources(session, server_id, listed)


async def refresh_all(db: Database, box: SecretBox, directory: ResourceDirectory) -> dict[str, int]:
    """Every active server of every tenant, one at a time; a failing server does not stop the others."""
    async with db.unit_of_work(None) as session:
        tenant_ids = (await session.scalars(select(ConnectorTenant.tenant_id).order_by(ConnectorTenant.tenant_id))).all()
    totals = {"servers": 0, "failed": 0, "created": 0, "updated": 0, "deactivated": 0}
    for tenant_id in tenant_ids:
        async with db.unit_of_work(tenant_id) as session:
            server_ids = (await session.scalars(select(GroupwareServer.id).where(
                GroupwareServer.deleted_at.is_(None), GroupwareServer.active))).all()
        for server_id in server_ids:
            try:
                result = await refresh_server(db, box, directory, tenant_id=tenant_id, server_id=server_id)
            except Exception as exc:  # noqa: BLE001 - reported, then the next server
                totals["failed"] += 1
                log.warning("resource refresh failed", extra={"server_id": str(server_id),
                                                              "error": type(exc).__name__})
                continue
            totals["servers"] += 1
            for key in ("created", "updated", "deactivated"):
                totals[key] += getattr(result, key)
    return totals
