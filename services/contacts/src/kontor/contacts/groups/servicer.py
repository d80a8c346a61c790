"""gRPC edge of customer groups: check the right, open the unit of work, translate, call the service."""

import grpc
from google.protobuf.empty_pb2 import Empty

from kontor.platform.db import Database
from kontor.platform.pagination import parse_uuid
from kontor.protos.contacts.v1 import companions_pb2, companions_pb2_grpc

from kontor.contacts.edge import authorised, timestamp
from kontor.contacts.groups import service
from kontor.contacts.groups.models import CustomerGroup
from kontor.contacts.groups.schemas import GroupCreate, GroupUpdate
from kontor.contacts.pools.member_edge import MemberRpcs

ENTITY = "group"


def to_proto(group: CustomerGroup) -> companions_pb2.Group:
    message = companions_pb2.Group(
        id=str(group.id), name=group.name, kind=group.kind, owner=group.owner, version=group.version,
        created_at=timestamp(group.created_at), updated_at=timestamp(group.updated_at),
    )
    if group.kind == "dynamic":
        message.rule.CopyFrom(companions_pb2.GroupRule(
            conditions=[companions_pb2.RuleCondition(**c) for c in group.rule.get("conditions", [])]))
    return message


def rule_from_proto(rule: companions_pb2.GroupRule) -> dict:
    return {"conditions": [{"field": c.field, "op": c.op, "value": c.value} for c in rule.conditions]}


class GroupServicer(MemberRpcs, companions_pb2_grpc.GroupServiceServicer):
    entity, list_service, list_field = ENTITY, service, "group_id"

    def __init__(self, db: Database):
        self._db = db

    async def CreateGroup(self, request, context: grpc.aio.ServicerContext):
        data = GroupCreate(name=request.name, kind=request.kind or "static",
                           rule=rule_from_proto(request.rule) if request.HasField("rule") else None)
        async with authorised(self._db, ENTITY, "create") as (session, principal):
            return to_proto(await service.create_group(session, principal=principal, data=data))

    async def GetGroup(self, request, context):
        group_id = parse_uuid(request.id, "id")
        async with authorised(self._db, ENTITY, "read") as (session, principal):
            return to_proto(await service.get_group(session, principal=principal, group_id=group_id))

    async def ListGroups(self, request, context):
        async with authorised(self._db, ENTITY, "read") as (session, principal):
            rows, next_token = await service.list_groups(session, principal=principal,
                                                         page_size=request.page_size, page_token=request.page_token)
            return companions_pb2.ListGroupsResponse(groups=[to_proto(g) for g in rows], next_page_token=next_token)

    async def UpdateGroup(self, request, context):
        group_id = parse_uuid(request.id, "id")
        data = GroupUpdate(name=request.name if request.HasField("name") else None,
                           rule=rule_from_proto(request.rule) if request.HasField("rule") else None)
        async with authorised(self._db, ENTITY, "update") as (session, principal):
            return to_proto(await service.update_group(session, principal=principal, group_id=group_id,
                                                       expected_version=request.expected_version, data=data))

    async def DeleteGroup(self, request, context):
        group_id = parse_uuid(request.id, "id")
        async with authorised(self._db, ENTITY, "delete") as (session, principal):
            await service.delete_group(session, principal=principal, group_id=group_id,
                                       expected_version=request.expected_version)
            return Empty()

    async def AddGroupMember(self, request, context):
        return await self._change(request, "add")

    async def RemoveGroupMember(self, request, context):
        return await self._change(request, "remove")

    async def ListGroupMembers(self, request, context):
        return await self._members(request)


def register(server: grpc.aio.Server, db: Database) -> list[str]:
    companions_pb2_grpc.add_GroupServiceServicer_to_server(GroupServicer(db), server)
    return [companions_pb2.DESCRIPTOR.services_by_name["GroupService"].full_name]
