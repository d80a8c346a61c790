"""gRPC edge of follow-ups."""

from datetime import UTC, datetime

import grpc
from google.protobuf.empty_pb2 import Empty
from google.protobuf.timestamp_pb2 import Timestamp

from kontor.platform.db import Database
from kontor.platform.errors import InvalidArgument
from kontor.platform.pagination import parse_uuid
from kontor.protos.contacts.v1 import dashboard_pb2, dashboard_pb2_grpc

from kontor.contacts.edge import authorised, timestamp
from kontor.contacts.followups import service
from kontor.contacts.followups.models import FollowUp
from kontor.contacts.followups.schemas import FollowUpCreate, FollowUpFilter

ENTITY = "follow_up"


def to_proto(follow_up: FollowUp) -> dashboard_pb2.FollowUp:
    message = dashboard_pb2.FollowUp(
        id=str(follow_up.id), record_type=follow_up.record_type, record_id=str(follow_up.record_id),
        assignee_id=str(follow_up.assignee_id), note=follow_up.note, due_at=timestamp(follow_up.due_at),
        time_zone=follow_up.time_zone, done=follow_up.done, done_by=follow_up.done_by,
        created_by=follow_up.created_by, version=follow_up.version, created_at=timestamp(follow_up.created_at),
    )
    if follow_up.done_at is not None:
        message.done_at.CopyFrom(timestamp(follow_up.done_at))
    return message


def instant(value: Timestamp, field: str, *, required: bool) -> datetime | None:
    """A set Timestamp as an aware UTC datetime; unset: None, or INVALID_ARGUMENT when ``required``."""
    if not value.seconds and not value.nanos:
        if required:
            raise InvalidArgument(field, "is required: an instant with its offset, e.g. 2026-03-02T09:00:00+01:00")
        return None
    return value.ToDatetime(tzinfo=UTC)


def _optional_uuid(value: str, field: str):
    return parse_uuid(value, field) if value else None


class FollowUpServicer(dashboard_pb2_grpc.FollowUpServiceServicer):
    def __init__(self, db: Database):
        self._db = db

    async def CreateFollowUp(self, request, context: grpc.aio.ServicerContext):
        data = FollowUpCreate(
            record_type=request.record_type, record_id=parse_uuid(request.record_id, "record_id"),
            assignee_id=_optional_uuid(request.assignee_id, "assignee_id"), note=request.note,
            due_at=instant(request.due_at, "due_at", required=True), time_zone=request.time_zone or "UTC",
        )
        async with authorised(self._db, ENTITY, "create") as (session, principal):
            return to_proto(await service.create_follow_up(session, principal=principal, data=data))

    async def GetFollowUp(self, request, context):
        follow_up_id = parse_uuid(request.id, "id")
        async with authorised(self._db, ENTITY, "read") as (session, principal):
            return to_proto(await service.get_follow_up(session, principal=principal, follow_up_id=follow_up_id))

    async def ListFollowUps(self, request, context):
        filters = FollowUpFilter(
            mine=request.mine, assignee_id=_optional_uuid(request.assignee_id, "assignee_id"),
            record_type=request.record_type or None, record_id=_optional_uuid(request.record_id, "record_id"),
            due_before=instant(request.due_before, "due_before", required=False),
            include_done=request.include_done,
        )
        async with authorised(self._db, ENTITY, "read") as (session, principal):
            rows, next_token = await service.list_follow_ups(
                session, principal=principal, filters=filters, page_size=request.page_size,
                page_token=request.page_token,
            )
            return dashboard_pb2.ListFollowUpsResponse(follow_ups=[to_proto(f) for f in rows],
                                                       next_page_token=next_token)

    async def CompleteFollowUp(self, request, context):
        follow_up_id = parse_uuid(request.id, "id")
        async with authorised(self._db, ENTITY, "update") as (session, principal):
            return to_proto(await service.complete_follow_up(
                session, principal=principal, follow_up_id=follow_up_id, expected_version=request.expected_version))

    async def DeleteFollowUp(self, request, context):
        follow_up_id = parse_uuid(request.id, "id")
        async with authorised(self._db, ENTITY, "delete") as (session, principal):
            await service.delete_follow_up(session, principal=principal, follow_up_id=follow_up_id,
                                           expected_version=request.expected_version)
            return Empty()


def register(server: grpc.aio.Server, db: Database) -> list[str]:
    dashboard_pb2_grpc.add_FollowUpServiceServicer_to_server(FollowUpServicer(db), server)
    return [dashboard_pb2.DESCRIPTOR.services_by_name["FollowUpService"].full_name]
