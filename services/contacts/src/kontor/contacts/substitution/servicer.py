"""gRPC edge of substitutions."""

from datetime import UTC, datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from kontor.platform.db import Database
from kontor.platform.errors import InvalidArgument
from kontor.platform.pagination import parse_uuid
from kontor.protos.contacts.v1 import access_pb2, access_pb2_grpc

from kontor.contacts.edge import authorised, timestamp
from kontor.contacts.substitution import service
from kontor.contacts.substitution.models import Substitution
from kontor.contacts.substitution.schemas import SubstitutionCreate

ENTITY = "substitution"


def to_proto(substitution: Substitution) -> access_pb2.Substitution:
    return access_pb2.Substitution(
        id=str(substitution.id), absent_user_id=str(substitution.absent_user_id),
        substitute_user_id=str(substitution.substitute_user_id), starts_at=timestamp(substitution.starts_at),
        ends_at=timestamp(substitution.ends_at), note=substitution.note,
        cancelled=substitution.cancelled_at is not None,
    )


def _instant(value: Timestamp, field: str) -> datetime:
    if not value.seconds and not value.nanos:
        raise InvalidArgument(field, "is required: the instant (UTC) the window starts or ends")
    return value.ToDatetime(tzinfo=UTC)


def create_from_proto(request: access_pb2.Substitution) -> SubstitutionCreate:
    return SubstitutionCreate(
        absent_user_id=parse_uuid(request.absent_user_id, "absent_user_id") if request.absent_user_id else None,
        substitute_user_id=parse_uuid(request.substitute_user_id, "substitute_user_id"),
        starts_at=_instant(request.starts_at, "starts_at"), ends_at=_instant(request.ends_at, "ends_at"),
        note=request.note,
    )


class SubstitutionServicer(access_pb2_grpc.SubstitutionServiceServicer):
    def __init__(self, db: Database):
        self._db = db

    async def CreateSubstitution(self, request, context: grpc.aio.ServicerContext):
        data = create_from_proto(request)
        async with authorised(self._db, ENTITY, "create") as (session, principal):
            return to_proto(await service.create_substitution(session, principal=principal, data=data))

    async def ListMySubstitutions(self, request, context):
        async with authorised(self._db, ENTITY, "read") as (session, principal):
            found = await service.list_mine(session, principal=principal)
        return access_pb2.ListSubstitutionsResponse(substitutions=[to_proto(s) for s in found])

    async def CancelSubstitution(self, request, context):
        substitution_id = parse_uuid(request.id, "id")
        async with authorised(self._db, ENTITY, "update") as (session, principal):
            return to_proto(await service.cancel_substitution(session, principal=principal,
                                                              substitution_id=substitution_id))


def register(server: grpc.aio.Server, db: Database) -> list[str]:
    access_pb2_grpc.add_SubstitutionServiceServicer_to_server(SubstitutionServicer(db), server)
    return [access_pb2.DESCRIPTOR.services_by_name["SubstitutionService"].full_name]
