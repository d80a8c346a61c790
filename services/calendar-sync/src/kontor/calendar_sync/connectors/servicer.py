"""gRPC edge of branch servers and connector settings: translate, open the unit of work, call the service."""

from __future__ import annotations

import uuid

import grpc
from google.protobuf.empty_pb2 import Empty

from kontor.platform.contacts_access import Contacts
from kontor.platform.db import Database
from kontor.platform.errors import InvalidArgument, Unavailable
from kontor.platform.groupware.errors import ProviderError
from kontor.platform.pagination import parse_uuid
from kontor.platform.secrets_box import SecretBox
from kontor.protos.calendar.v1 import connectors_pb2 as pb
from kontor.protos.calendar.v1 import connectors_pb2_grpc as pb_grpc

from kontor.calendar_sync.connectors import service
from kontor.calendar_sync.connectors.directory import UnsupportedProvider, check_connection
from kontor.calendar_sync.connectors.models import ConnectorSettings, GroupwareServer, ServerCredential
from kontor.calendar_sync.connectors.resources import ResourceDirectory, connection_of, refresh_server
from kontor.calendar_sync.connectors.schemas import (
    ConnectorCreate, ConnectorUpdate, Credentials, ServerCreate, ServerUpdate,
)
from kontor.calendar_sync.connectors.working_hours import WEEKDAYS, WorkingTimeModel
from kontor.calendar_sync.edge import authorised, timestamp


# Role rights come from contacts' rights model (AccessService.CheckRight, tenant overrides included); the
# record rules (own connectors, org-manager-only server changes) are calendar-sync's (connectors/service.py).
SERVER, CONNECTOR = "groupware_server", "connector"


def server_to_proto(server: GroupwareServer, credential: ServerCredential | None) -> pb.GroupwareServer:
    message = pb.GroupwareServer(
        id=str(server.id), provider=server.provider, name=server.name, branch=server.branch,
        azure_tenant_id=server.azure_tenant_id, client_id=server.client_id, authority_url=server.authority_url,
        base_url=server.base_url, ca_bundle_path=server.ca_bundle_path, active=server.active,
        has_credentials=credential is not None, version=server.version, created_by=server.created_by,
        created_at=timestamp(server.created_at), updated_at=timestamp(server.updated_at),
    )
    if credential is not None:  # never the sealed value: only what it is and when it was set
        message.credential_kind = credential.kind
        message.certificate_thumbprint = credential.certificate_thumbprint
        message.credentials_set_at.CopyFrom(timestamp(credential.set_at))
        if credential.rotated_at is not None:
            message.credentials_rotated_at.CopyFrom(timestamp(credential.rotated_at))
    if server.resources_refreshed_at is not None:
        message.resources_refreshed_at.CopyFrom(timestamp(server.resources_refreshed_at))
    return message


def working_hours_to_proto(value: dict | None) -> pb.WorkingHours | None:
    if not value:
        return None
    model = WorkingTimeModel.model_validate(value)
    return pb.WorkingHours(time_zone=model.time_zone, days={
        day: pb.DayIntervals(intervals=[pb.TimeInterval(start=i.start, end=i.end) for i in getattr(model, day)])
        for day in WEEKDAYS if getattr(model, day)})


def connector_to_proto(c: ConnectorSettings) -> pb.Connector:
    message = pb.Connector(
        id=str(c.id), user_id=str(c.user_id), server_id=str(c.server_id), kind=c.kind, mailbox=c.mailbox,
        display_name=c.display_name, enabled=c.enabled, direction=c.direction, window_past_days=c.window_past_days,
        window_future_days=c.window_future_days, skip_statuses=list(c.skip_statuses),
        category_mappings=[pb.CategoryMapping(**m) for m in c.category_mappings], conflict_policy=c.conflict_policy,
        deletion_policy=c.deletion_policy, needs_reauthorisation=c.needs_reauthorisation, version=c.version,
        delete_private_after_days=c.delete_private_after_days,
        created_by=c.created_by, created_at=timestamp(c.created_at), updated_at=timestamp(c.updated_at),
    )
    hours = working_hours_to_proto(c.working_hours)
    if hours is not None:
        message.working_hours.CopyFrom(hours)
    return message


def credentials_from(message: pb.Credentials, field: str) -> Credentials:
    kind = message.WhichOneof("kind")
    if kind is None:
        raise InvalidArgument(field, "send client_secret or certificate_pem")
    return Credentials(**{kind: getattr(message, kind)})


def working_hours_from(message: pb.WorkingHours) -> dict:
    unknown = set(message.days) - set(WEEKDAYS)
    if unknown:
        raise InvalidArgument("working_hours.days", f"unknown weekday {sorted(unknown)[0]!r}; use mon ... sun")
    return {"time_zone": message.time_zone, **{
        day: [{"start": i.start, "end": i.end} for i in message.days[day].intervals] for day in message.days}}


def connector_fields(fields: pb.ConnectorFields) -> dict:
    """The fields that are set, as keyword arguments of ConnectorCreate / ConnectorUpdate."""
    values = {name: getattr(fields, name) for name in (
        "enabled", "mailbox", "display_name", "direction", "window_past_days", "window_future_days",
        "conflict_policy", "deletion_policy", "delete_private_after_days") if fields.HasField(name)}
    if fields.HasField("working_hours"):
        values["working_hours"] = working_hours_from(fields.working_hours)
    if fields.HasField("skip_statuses"):
        values["skip_statuses"] = list(fields.skip_statuses.items)
    if fields.HasField("category_mappings"):
        values["category_mappings"] = [{"crm_category": m.crm_category, "groupware_category": m.groupware_category}
                                       for m in fields.category_mappings.items]
    return values


class GroupwareServerServicer(pb_grpc.GroupwareServerServiceServicer):
    def __init__(self, db: Database, contacts: Contacts, box: SecretBox, directory: ResourceDirectory):
        self._db, self._contacts, self._box, self._directory = db, contacts, box, directory

    async def _answer(self, session, server: GroupwareServer) -> pb.GroupwareServer:
        return server_to_proto(server, await service.credential_of(session, server.id))

    async def RegisterServer(self, request, context: grpc.aio.ServicerContext):
        data = ServerCreate(
            provider=request.provider, name=request.name, branch=request.branch,
            azure_tenant_id=request.azure_tenant_id, client_id=request.client_id,
            authority_url=request.authority_url, base_url=request.base_url, ca_bundle_path=request.ca_bundle_path,
            credentials=credentials_from(request.credentials, "credentials")
            if request.HasField("credentials") else None,
        )
        async with authorised(self._db, self._contacts, SERVER, "create") as (session, principal, _):
            server = await service.register_server(session, principal=principal, box=self._box, data=data)
            return await self._answer(session, server)

    async def GetServer(self, request, context):
        server_id = parse_uuid(request.id, "id")
        async with authorised(self._db, self._contacts, SERVER, "read") as (session, principal, _):
            return await self._answer(session, await service.get_server(session, principal=principal,
                                                                        server_id=server_id))

    async def ListServers(self, request, context):
        async with authorised(self._db, self._contacts, SERVER, "read") as (session, principal, _):
            servers = await service.list_servers(session, principal=principal)
            return pb.ListServersResponse(servers=[await self._answer(session, s) for s in servers])

    async def UpdateServer(self, request, context):
        server_id = parse_uuid(request.id, "id")
        data = ServerUpdate(**{name: getattr(request, name) for name in (
            "name", "branch", "azure_tenant_id", "client_id", "authority_url", "base_url", "ca_bundle_path",
            "active") if request.HasField(name)})
        async with authorised(self._db, self._contacts, SERVER, "update") as (session, principal, _):
            server = await service.update_server(session, principal=principal, server_id=server_id,
                                                 expected_version=request.expected_version, data=data)
            return await self._answer(session, server)

    async def SetCredentials(self, request, context):
        server_id = parse_uuid(request.id, "id")
        credentials = credentials_from(request.credentials, "credentials")
        async with authorised(self._db, self._contacts, SERVER, "update") as (session, principal, _):
            server = await service.set_credentials(session, principal=principal, box=self._box, server_id=server_id,
                                                   expected_version=request.expected_version,
                                                   credentials=credentials)
            return await self._answer(session, server)

    async def TestConnection(self, request, context):
        server_id = parse_uuid(request.id, "id")
        async with authorised(self._db, self._contacts, SERVER, "update") as (session, principal, _):
            service.require_manager(principal, "test groupware servers")
            server = await service.get_server(session, principal=principal, server_id=server_id)
            credentials = await service.open_credentials(session, self._box, server)
            connection = connection_of(server, credentials)
        outcome = await check_connection(self._directory, connection)  # network: outside the transaction
        return pb.TestConnectionResponse(ok=outcome.ok, code=outcome.code, message=outcome.message,
                                         resources=outcome.resources)

    async def DeleteServer(self, request, context):
        server_id = parse_uuid(request.id, "id")
        async with authorised(self._db, self._contacts, SERVER, "delete") as (session, principal, _):
            await service.delete_server(session, principal=principal, server_id=server_id,
                                        expected_version=request.expected_version)
        return Empty()

    async def RefreshResources(self, request, context):
        server_id = parse_uuid(request.id, "id")
        async with authorised(self._db, self._contacts, SERVER, "update") as (session, principal, _):
            service.require_manager(principal, "refresh the resources of groupware servers")
            await service.get_server(session, principal=principal, server_id=server_id)
        try:
            result = await refresh_server(self._db, self._box, self._directory, tenant_id=principal.tenant_id,
                                          server_id=server_id)
        except UnsupportedProvider:
            raise InvalidArgument("server_id", "resources of this provider cannot be imported yet") from None
        except ProviderError as exc:  # a code only: provider texts may echo request details
            raise Unavailable(f"the groupware server did not list its resources ({exc.code or 'error'}); "
                              "test the connection") from None
        return pb.RefreshResourcesResponse(created=result.created, updated=result.updated,
                                           deactivated=result.deactivated, unchanged=result.unchanged)


class ConnectorServicer(pb_grpc.ConnectorServiceServicer):
    def __init__(self, db: Database, contacts: Contacts):
        self._db, self._contacts = db, contacts

    async def CreateConnector(self, request, context):
        data = ConnectorCreate(server_id=parse_uuid(request.server_id, "server_id"), kind=request.kind or "personal",
                               **connector_fields(request.fields))
        user_id = parse_uuid(request.user_id, "user_id") if request.user_id else None
        async with authorised(self._db, self._contacts, CONNECTOR, "create") as (session, principal, _):
            return connector_to_proto(await service.create_connector(session, principal=principal, data=data,
                                                                     user_id=user_id,
                                                                     user_email=self._contacts.user_email))

    async def GetConnector(self, request, context):
        connector_id = parse_uuid(request.id, "id")
        async with authorised(self._db, self._contacts, CONNECTOR, "read") as (session, principal, _):
            return connector_to_proto(await service.get_connector(session, principal=principal,
                                                                  connector_id=connector_id))

    async def ListConnectors(self, request, context):
        user_id: uuid.UUID | None = parse_uuid(request.user_id, "user_id") if request.user_id else None
        async with authorised(self._db, self._contacts, CONNECTOR, "read") as (session, principal, _):
            rows = await service.list_connectors(session, principal=principal, user_id=user_id)
            return pb.ListConnectorsResponse(connectors=[connector_to_proto(c) for c in rows])

    async def UpdateConnector(self, request, context):
        connector_id = parse_uuid(request.id, "id")
        values = connector_fields(request.fields)
        if request.fields.clear_working_hours:
            values["clear_working_hours"] = True
        data = ConnectorUpdate(**values)
        async with authorised(self._db, self._contacts, CONNECTOR, "update") as (session, principal, _):
            return connector_to_proto(await service.update_connector(
                session, principal=principal, connector_id=connector_id, expected_version=request.expected_version,
                data=data, user_email=self._contacts.user_email))

    async def DeleteConnector(self, request, context):
        connector_id = parse_uuid(request.id, "id")
        async with authorised(self._db, self._contacts, CONNECTOR, "delete") as (session, principal, _):
            await service.delete_connector(session, principal=principal, connector_id=connector_id,
                                           expected_version=request.expected_version)
        return Empty()


def register(server: grpc.aio.Server, db: Database, contacts: Contacts, box: SecretBox,
             directory: ResourceDirectory) -> list[str]:
    pb_grpc.add_GroupwareServerServiceServicer_to_server(GroupwareServerServicer(db, contacts, box, directory), server)
    pb_grpc.add_ConnectorServiceServicer_to_server(ConnectorServicer(db, contacts), server)
    return [pb.DESCRIPTOR.services_by_name[name].full_name for name in ("GroupwareServerService", "ConnectorService")]
