"""gRPC edge of hand-overs and the access audit log."""

import grpc

from kontor.platform.db import Database
from kontor.platform.pagination import parse_uuid
from kontor.protos.contacts.v1 import access_pb2, access_pb2_grpc

from kontor.contacts.audit import service as audit
from kontor.contacts.audit.models import AuditEntry
from kontor.contacts.edge import authorised, timestamp
from kontor.contacts.handover import service
from kontor.contacts.handover.schemas import HandoverCreate, RecordRefInput

ENTITY = "handover"


def entry_to_proto(entry: AuditEntry) -> access_pb2.AuditEntry:
    return access_pb2.AuditEntry(
        id=str(entry.id), actor=entry.actor, action=entry.action, from_user_id=str(entry.from_user_id or ""),
        to_user_id=str(entry.to_user_id or ""), records=[access_pb2.RecordRef(**ref) for ref in entry.records],
        note=entry.note, created_at=timestamp(entry.created_at),
    )


def handover_from_proto(request: access_pb2.HandOverRequest) -> HandoverCreate:
    return HandoverCreate(
        from_user_id=parse_uuid(request.from_user_id, "from_user_id"),
        to_user_id=parse_uuid(request.to_user_id, "to_user_id"),
        records=[RecordRefInput(type=ref.type, id=parse_uuid(ref.id, f"records.{i}.id"))
                 for i, ref in enumerate(request.records)],
        note=request.note,
    )


class HandoverServicer(access_pb2_grpc.HandoverServiceServicer):
    def __init__(self, db: Database):
        self._db = db

    async def HandOver(self, request, context: grpc.aio.ServicerContext):
        data = handover_from_proto(request)
        async with authorised(self._db, ENTITY, "create") as (session, principal):
            result = await service.hand_over(session, principal=principal, data=data)
        return access_pb2.HandOverResponse(handover_id=str(result.handover_id), moved=result.moved)

    async def ListAuditLog(self, request, context):
        async with authorised(self._db, ENTITY, "read") as (session, _):
            entries, token = await audit.list_entries(session, page_size=request.page_size,
                                                      page_token=request.page_token)
        return access_pb2.ListAuditLogResponse(entries=[entry_to_proto(e) for e in entries], next_page_token=token)


def register(server: grpc.aio.Server, db: Database) -> list[str]:
    access_pb2_grpc.add_HandoverServiceServicer_to_server(HandoverServicer(db), server)
    return [access_pb2.DESCRIPTOR.services_by_name["HandoverService"].full_name]
