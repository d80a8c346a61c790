"""gRPC edge of the Permission API. No role right is needed to ask: the answer itself applies the rights."""

import grpc

from kontor.platform.auth import current_principal
from kontor.platform.db import Database
from kontor.platform.pagination import parse_uuid
from kontor.protos.contacts.v1 import access_pb2, access_pb2_grpc

from kontor.contacts.access import service


class AccessServicer(access_pb2_grpc.AccessServiceServicer):
    def __init__(self, db: Database):
        self._db = db

    async def CheckAccess(self, request, context: grpc.aio.ServicerContext):
        principal = current_principal()
        record_id = parse_uuid(request.resource.id, "resource.id")
        async with self._db.unit_of_work(principal.tenant_id) as session:
            decision = await service.check_access(session, principal=principal, action=request.action,
                                                  record_type=request.resource.type, record_id=record_id,
                                                  include_deleted=request.include_deleted)
        return access_pb2.CheckAccessResponse(allowed=decision.allowed, reason=decision.reason)

    async def VisibleRecords(self, request, context):
        principal = current_principal()
        async with self._db.unit_of_work(principal.tenant_id) as session:
            page = await service.visible_records(session, principal=principal, record_type=request.record_type,
                                                 page_size=request.page_size, page_token=request.page_token)
        return access_pb2.VisibleRecordsResponse(all_visible=page.all_visible,
                                                 record_ids=[str(i) for i in page.record_ids],
                                                 next_page_token=page.next_page_token)

    async def CheckRight(self, request, context):
        principal = current_principal()
        async with self._db.unit_of_work(principal.tenant_id) as session:
            allowed = await service.check_right(session, principal=principal, entity_type=request.entity_type,
                                                action=request.action)
        return access_pb2.CheckRightResponse(allowed=allowed)


def register(server: grpc.aio.Server, db: Database) -> list[str]:
    access_pb2_grpc.add_AccessServiceServicer_to_server(AccessServicer(db), server)
    return [access_pb2.DESCRIPTOR.services_by_name["AccessService"].full_name]
