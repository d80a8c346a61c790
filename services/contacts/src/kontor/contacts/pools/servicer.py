"""gRPC edge of address pools: check the right, open the unit of work, translate, call the service."""

import grpc
from google.protobuf.empty_pb2 import Empty

from kontor.platform.db import Database
from kontor.platform.pagination import parse_uuid
from kontor.protos.contacts.v1 import companions_pb2, companions_pb2_grpc

from kontor.contacts.edge import authorised, timestamp
from kontor.contacts.pools import service
from kontor.contacts.pools.member_edge import MemberRpcs
from kontor.contacts.pools.models import Pool
from kontor.contacts.pools.schemas import PoolCreate, PoolUpdate

ENTITY = "pool"


def to_proto(pool: Pool) -> companions_pb2.Pool:
    return companions_pb2.Pool(
        id=str(pool.id), name=pool.name, visibility=pool.visibility, owner=pool.owner, version=pool.version,
        created_at=timestamp(pool.created_at), updated_at=timestamp(pool.updated_at),
    )


class PoolServicer(MemberRpcs, companions_pb2_grpc.PoolServiceServicer):
    entity, list_service, list_field = ENTITY, service, "pool_id"

    def __init__(self, db: Database):
        self._db = db

    async def CreatePool(self, request, context: grpc.aio.ServicerContext):
        data = PoolCreate(name=request.name, **({"visibility": request.visibility} if request.visibility else {}))
        async with authorised(self._db, ENTITY, "create") as (session, principal):
            return to_proto(await service.create_pool(session, principal=principal, data=data))

    async def GetPool(self, request, context):
        pool_id = parse_uuid(request.id, "id")
        async with authorised(self._db, ENTITY, "read") as (session, principal):
            return to_proto(await service.get_pool(session, principal=principal, pool_id=pool_id))

    async def ListPools(self, request, context):
        async with authorised(self._db, ENTITY, "read") as (session, principal):
            rows, next_token = await service.list_pools(session, principal=principal, page_size=request.page_size,
                                                        page_token=request.page_token)
            return companions_pb2.ListPoolsResponse(pools=[to_proto(p) for p in rows], next_page_token=next_token)

    async def UpdatePool(self, request, context):
        pool_id = parse_uuid(request.id, "id")
        data = PoolUpdate(**{f: getattr(request, f) for f in ("name", "visibility") if request.HasField(f)})
        async with authorised(self._db, ENTITY, "update") as (session, principal):
            return to_proto(await service.update_pool(session, principal=principal, pool_id=pool_id,
                                                      expected_version=request.expected_version, data=data))

    async def DeletePool(self, request, context):
        pool_id = parse_uuid(request.id, "id")
        async with authorised(self._db, ENTITY, "delete") as (session, principal):
            await service.delete_pool(session, principal=principal, pool_id=pool_id,
                                      expected_version=request.expected_version)
            return Empty()

    async def AddPoolMember(self, request, context):
        return await self._change(request, "add")

    async def RemovePoolMember(self, request, context):
        return await self._change(request, "remove")

    async def ListPoolMembers(self, request, context):
        return await self._members(request)


def register(server: grpc.aio.Server, db: Database) -> list[str]:
    companions_pb2_grpc.add_PoolServiceServicer_to_server(PoolServicer(db), server)
    return [companions_pb2.DESCRIPTOR.services_by_name["PoolService"].full_name]
