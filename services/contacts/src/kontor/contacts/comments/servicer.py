"""gRPC edge of comments. Portal users are answered before any right check: NOT_FOUND or an empty list,
so they learn neither that comments exist nor that a right is missing."""

import grpc
from google.protobuf.empty_pb2 import Empty

from kontor.platform.auth import current_principal
from kontor.platform.db import Database
from kontor.platform.errors import InvalidArgument, NotFound
from kontor.platform.pagination import parse_uuid
from kontor.protos.contacts.v1 import companions_pb2, companions_pb2_grpc

from kontor.contacts.comments import service
from kontor.contacts.comments.models import Comment
from kontor.contacts.comments.schemas import CommentCreate, CommentUpdate
from kontor.contacts.edge import authorised, timestamp

ENTITY = "comment"
RECORD_TYPES = ("company", "contact_person")


def to_proto(comment: Comment) -> companions_pb2.Comment:
    message = companions_pb2.Comment(
        id=str(comment.id), record_type=comment.record_type, record_id=str(comment.record_id),
        author=comment.author, body=comment.body, version=comment.version,
        created_at=timestamp(comment.created_at),
    )
    if comment.edited_at is not None:
        message.edited_at.CopyFrom(timestamp(comment.edited_at))
    return message


def _hide_from_portal(what: str) -> None:
    if service.is_portal_user(current_principal()):
        raise NotFound(f"{what} not found")


def _record_type(value: str) -> str:
    if value not in RECORD_TYPES:
        raise InvalidArgument("record_type", f"use one of {', '.join(RECORD_TYPES)}")
    return value


class CommentServicer(companions_pb2_grpc.CommentServiceServicer):
    def __init__(self, db: Database):
        self._db = db

    async def CreateComment(self, request, context: grpc.aio.ServicerContext):
        record_id = parse_uuid(request.record_id, "record_id")
        data = CommentCreate(record_type=_record_type(request.record_type), body=request.body)
        _hide_from_portal(f"{request.record_type} {record_id}")
        async with authorised(self._db, ENTITY, "create") as (session, principal):
            return to_proto(await service.create_comment(session, principal=principal, record_id=record_id,
                                                         data=data))

    async def GetComment(self, request, context):
        comment_id = parse_uuid(request.id, "id")
        _hide_from_portal(f"comment {comment_id}")
        async with authorised(self._db, ENTITY, "read") as (session, principal):
            return to_proto(await service.get_comment(session, principal=principal, comment_id=comment_id))

    async def ListComments(self, request, context):
        record_type = _record_type(request.record_type)
        record_id = parse_uuid(request.record_id, "record_id")
        if service.is_portal_user(current_principal()):
            return companions_pb2.ListCommentsResponse()
        async with authorised(self._db, ENTITY, "read") as (session, principal):
            rows, next_token = await service.list_comments(
                session, principal=principal, record_type=record_type, record_id=record_id,
                page_size=request.page_size, page_token=request.page_token,
            )
            return companions_pb2.ListCommentsResponse(comments=[to_proto(c) for c in rows],
                                                       next_page_token=next_token)

    async def UpdateComment(self, request, context):
        comment_id = parse_uuid(request.id, "id")
        data = CommentUpdate(body=request.body)
        _hide_from_portal(f"comment {comment_id}")
        async with authorised(self._db, ENTITY, "update") as (session, principal):
            return to_proto(await service.update_comment(
                session, principal=principal, comment_id=comment_id, expected_version=request.expected_version,
                data=data,
            ))

    async def DeleteComment(self, request, context):
        # Deleting one's own comment is part of editing it: the "update" right suffices (sales reps have
        # no "delete" on comments, yet may withdraw what they wrote).
        comment_id = parse_uuid(request.id, "id")
        _hide_from_portal(f"comment {comment_id}")
        async with authorised(self._db, ENTITY, "update") as (session, principal):
            await service.delete_comment(session, principal=principal, comment_id=comment_id,
                                         expected_version=request.expected_version)
            return Empty()


def register(server: grpc.aio.Server, db: Database) -> list[str]:
    companions_pb2_grpc.add_CommentServiceServicer_to_server(CommentServicer(db), server)
    return [companions_pb2.DESCRIPTOR.services_by_name["CommentService"].full_name]
