"""What connector configuration publishes. Never a credential, a thumbprint or a mailbox's content."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.outbox import add_event
from kontor.protos.events.v1 import calendar_connectors_pb2 as pb

from kontor.calendar_sync.connectors.models import ConnectorSettings, GroupwareServer

PRODUCER = "calendar-sync"


async def _add(session: AsyncSession, message, server_or_connector) -> None:
    await add_event(session, message, tenant_id=server_or_connector.tenant_id, producer=PRODUCER,
                    subject=str(server_or_connector.id))


async def server_registered(session: AsyncSession, server: GroupwareServer, *, credential_kind: str) -> None:
    await _add(session, pb.GroupwareServerRegistered(
        server_id=str(server.id), provider=server.provider, name=server.name, branch=server.branch,
        credential_kind=credential_kind, registered_by=server.created_by), server)


async def credentials_rotated(session: AsyncSession, server: GroupwareServer, *, credential_kind: str) -> None:
    await _add(session, pb.GroupwareServerCredentialsRotated(
        server_id=str(server.id), credential_kind=credential_kind, version=server.version), server)


async def server_removed(session: AsyncSession, server: GroupwareServer) -> None:
    await _add(session, pb.GroupwareServerRemoved(server_id=str(server.id), version=server.version), server)


async def needs_reauthorisation(session: AsyncSession, connector: ConnectorSettings, *, reason: str) -> None:
    await _add(session, pb.MailboxNeedsReauthorisation(
        connector_id=str(connector.id), server_id=str(connector.server_id), user_id=str(connector.user_id),
        reason=reason, notify_user_ids=[str(connector.user_id)]), connector)


async def resources_refreshed(session: AsyncSession, server: GroupwareServer, *, created: int, updated: int,
                              deactivated: int) -> None:
    await _add(session, pb.GroupwareResourcesRefreshed(
        server_id=str(server.id), created=created, updated=updated, deactivated=deactivated), server)
