"""gRPC edge of resources."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf.empty_pb2 import Empty

from kontor.platform.contacts_access import Contacts
from kontor.platform.db import Database
from kontor.platform.pagination import parse_uuid
from kontor.protos.calendar.v1 import calendar_pb2, calendar_pb2_grpc

from kontor.calendar_sync.edge import authorised, timestamp
from kontor.calendar_sync.resources import service
from kontor.calendar_sync.resources.models import Resource

ENTITY = "resource"
_FIELDS = ("name", "kind", "email", "external_id", "capacity", "allow_double_booking")


def to_proto(r: Resource) -> calendar_pb2.Resource:
    return calendar_pb2.Resource(
        id=str(r.id), name=r.name, kind=r.kind, email=r.email, external_id=r.external_id, capacity=r.capacity,
        allow_double_booking=r.allow_double_booking, server_id=str(r.server_id) if r.server_id else "",
        version=r.version, created_at=timestamp(r.created_at))


def _fields(fields: calendar_pb2.ResourceFields) -> dict[str, Any]:
    return {name: getattr(fields, name) for name in _FIELDS if fields.HasField(name)}


class ResourceServicer(calendar_pb2_grpc.ResourceServiceServicer):
    def __init__(self, db: Database, contacts: Contacts):
        self._db = db
        self._contacts = contacts

    async def CreateResource(self, request, context):
        values = _fields(request.fields)
        async with authorised(self._db, self._contacts, ENTITY, "create") as (session, principal, _):
            return to_proto(await service.create_resource(session, tenant_id=principal.tenant_id, values=values))

    async def GetResource(self, request, context):
        resource_id = parse_uuid(request.id, "id")
        async with authorised(self._db, self._contacts, ENTITY, "read") as (session, _, _sight):
            return to_proto(await service.get_resource(session, resource_id=resource_id))

    async def ListResources(self, request, context):
        async with authorised(self._db, self._contacts, ENTITY, "read") as (session, _, _sight):
            rows, token = await service.list_resources(session, kind=request.kind, page_size=request.page_size,
                                                       page_token=request.page_token)
            return calendar_pb2.ListResourcesResponse(resources=[to_proto(r) for r in rows], next_page_token=token)

    async def UpdateResource(self, request, context):
        resource_id = parse_uuid(request.id, "id")
        changes = _fields(request.fields)
        async with authorised(self._db, self._contacts, ENTITY, "update") as (session, _, _sight):
            return to_proto(await service.update_resource(session, resource_id=resource_id,
                                                          expected_version=request.expected_version, changes=changes))

    async def DeleteResource(self, request, context):
        resource_id = parse_uuid(request.id, "id")
        async with authorised(self._db, self._contacts, ENTITY, "delete") as (session, _, _sight):
            await service.delete_resource(session, resource_id=resource_id, expected_version=request.expected_version)
            return Empty()


def register(server: grpc.aio.Server, db: Database, contacts: Contacts) -> list[str]:
    calendar_pb2_grpc.add_ResourceServiceServicer_to_server(ResourceServicer(db, contacts), server)
    return [calendar_pb2.DESCRIPTOR.services_by_name["ResourceService"].full_name]
