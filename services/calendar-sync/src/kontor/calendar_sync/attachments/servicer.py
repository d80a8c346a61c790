"""gRPC edge of attachment content (kontor.calendar.v1.AttachmentService): chunks in, chunks out."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
from google.protobuf.empty_pb2 import Empty

from kontor.platform import blobs
from kontor.platform.contacts_access import Contacts
from kontor.platform.db import Database
from kontor.platform.errors import InvalidArgument, NotFound, Unavailable
from kontor.platform.pagination import parse_uuid
from kontor.protos.calendar.v1 import attachments_pb2, attachments_pb2_grpc, calendar_pb2

from kontor.calendar_sync.attachments import service
from kontor.calendar_sync.edge import authorised

ENTITY = "appointment"


def _attachment_proto(attachment: dict) -> calendar_pb2.Attachment:
    return calendar_pb2.Attachment(**attachment)


class AttachmentServicer(attachments_pb2_grpc.AttachmentServiceServicer):
    def __init__(self, db: Database, contacts: Contacts, store: blobs.BlobStore | None):
        self._db = db
        self._contacts = contacts
        self._store = store

    def _uow(self, action: str):
        return authorised(self._db, self._contacts, ENTITY, action)

    def _blobs(self) -> blobs.BlobStore:
        if self._store is None:
            raise Unavailable("attachment content needs a blob store: set KONTOR_CALENDAR_SYNC_BLOB_STORE_URL")
        return self._store

    async def UploadAttachment(self, request_iterator, context):
        messages = aiter(request_iterator)
        first = await anext(messages, None)
        if first is None or first.WhichOneof("part") != "start":
            raise InvalidArgument("start", "send the start message (appointment, name, media type) first")
        start = first.start
        appointment_id = parse_uuid(start.appointment_id, "appointment_id")
        name = service.clean_name(start.name)
        media_type = service.clean_media_type(start.media_type)
        expected = blobs.check_address(start.expected_content_ref, "expected_content_ref") \
            if start.expected_content_ref else None
        store = self._blobs()
        async with self._uow("update") as (session, principal, sight):
            await service.check_can_attach(session, principal=principal, sight=sight, appointment_id=appointment_id)

        async def chunks() -> AsyncIterator[bytes]:
            received = 0
            async for message in messages:
                part = message.WhichOneof("part")
                if part == "end":
                    if message.end.size != received:
                        raise InvalidArgument("end.size", f"says {message.end.size} bytes, {received} arrived")
                    if await anext(messages, None) is not None:
                        raise InvalidArgument("end", "must be the last message")
                    return
                if part != "chunk":
                    raise InvalidArgument("chunk", "after the start message send chunks, then the end message")
                received += len(message.chunk)
                yield message.chunk
            # A cancelled call ends the request stream like a finished one: only `end` proves the upload whole.
            raise InvalidArgument("end", "the upload stopped before its end message; nothing was attached")

        stored = await store.put(str(principal.tenant_id), chunks(), expected=expected)
        async with self._uow("update") as (session, principal, sight):
            attachment = await service.attach(session, principal=principal, sight=sight,
                                              appointment_id=appointment_id, name=name, media_type=media_type,
                                              size=stored.size, content_ref=stored.address)
        return _attachment_proto(attachment)

    async def DownloadAttachment(self, request, context):
        appointment_id = parse_uuid(request.appointment_id, "appointment_id")
        attachment_id = parse_uuid(request.attachment_id, "attachment_id")
        async with self._uow("read") as (session, principal, sight):
            attachment = await service.find(session, principal=principal, sight=sight,
                                            appointment_id=appointment_id, attachment_id=attachment_id)
        try:
            content = await self._blobs().open(str(principal.tenant_id), attachment["content_ref"])
        except blobs.BlobNotFound:
            # Metadata written before the blob store existed (PATCH with a content_ref) has no bytes.
            raise NotFound(f"the content of attachment {attachment_id} is not stored") from None
        yield attachments_pb2.DownloadAttachmentResponse(attachment=_attachment_proto(attachment))
        async for chunk in content:
            yield attachments_pb2.DownloadAttachmentResponse(chunk=chunk)

    async def DeleteAttachment(self, request, context):
        appointment_id = parse_uuid(request.appointment_id, "appointment_id")
        attachment_id = parse_uuid(request.attachment_id, "attachment_id")
        async with self._uow("update") as (session, principal, sight):
            await service.detach(session, principal=principal, sight=sight, appointment_id=appointment_id,
                                 attachment_id=attachment_id)
        return Empty()


def register(server: grpc.aio.Server, db: Database, contacts: Contacts, store: blobs.BlobStore | None) -> list[str]:
    attachments_pb2_grpc.add_AttachmentServiceServicer_to_server(AttachmentServicer(db, contacts, store), server)
    return [attachments_pb2.DESCRIPTOR.services_by_name["AttachmentService"].full_name]
