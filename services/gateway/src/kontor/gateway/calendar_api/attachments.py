"""/api/v1/appointments/{id}/attachments: upload, download and delete attachment content.

The body is streamed through to calendar-sync in 1 MiB chunks (client-streaming gRPC) and back
(server-streaming), so neither side holds a whole file and no message nears gRPC's size limit.
calendar-sync decides rights and privacy and keeps the bytes in its blob store under their SHA-256.

Upload: the raw body is the file, ``Content-Type`` its media type, ``?filename=`` its name, and an
optional ``Content-Digest: sha-256=:<base64>:`` (RFC 9530) is checked against what is stored. The size
limit answers 413 before anything is stored: from Content-Length when sent, else as soon as the
stream passes it. Download answers the stored media type with ``Content-Disposition: attachment``
(RFC 6266, ``filename*`` for non-ASCII names), ``nosniff`` and a sandboxing CSP, so an uploaded HTML
file is saved, never rendered on the API's origin.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import quote

import grpc
from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from starlette.requests import ClientDisconnect

from kontor.platform.errors import InvalidArgument, Unavailable
from kontor.platform.grpc_client import call, to_domain_error
from kontor.platform.http import PROBLEM_JSON, problem
from kontor.protos.calendar.v1 import attachments_pb2

from kontor.gateway.calendar_api.schemas import Attachment
from kontor.gateway.contacts_api.http_edge import path_id, problems

COLLECTION = "/api/v1/appointments"
CHUNK_BYTES = 1024 * 1024
AppointmentId = Annotated[str, Path(description="UUID of the appointment")]
AttachmentId = Annotated[str, Path(description="UUID of the attachment (`attachments[].id` of the appointment)")]
_PROBLEM = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
_TOO_LARGE = {413: {"description": "The file is larger than the attachment limit", "content": _PROBLEM}}
_BINARY = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
# The download forbids everything a browser might do with the content if it ever rendered it.
_SAFE_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox",
                 "Cache-Control": "private, no-store"}

log = logging.getLogger(__name__)


def content_disposition(name: str) -> str:
    """RFC 6266: an ASCII ``filename`` for old clients, the exact name as UTF-8 ``filename*`` (RFC 8187)."""
    fallback = "".join(c if " " <= c <= "~" and c not in '"\\%' else "_" for c in name).strip() or "attachment"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def expected_address(header: str | None) -> str:
    """The ``sha-256`` of an RFC 9530 ``Content-Digest`` header as a content address; "" when none is given.
    calendar-sync refuses content that hashes otherwise (422 naming ``content``): an end-to-end check."""
    if not header:
        return ""
    for member in header.split(","):
        algorithm, _, value = member.strip().partition("=")
        if algorithm.strip().lower() != "sha-256":
            continue
        try:
            digest = base64.b64decode(value.strip().strip(":"), validate=True)
        except (binascii.Error, ValueError):
            digest = b""
        if len(digest) != 32:
            raise InvalidArgument("Content-Digest", "sha-256 must be 32 bytes in base64 between colons")
        return "sha256:" + digest.hex()
    return ""


def _too_large(limit: int) -> Response:
    return problem(413, f"The file is larger than the limit of {limit} bytes; attach a smaller file.",
                   code="too_large", max_bytes=limit)


def _attachment(message) -> Attachment:
    return Attachment(id=message.id, name=message.name, media_type=message.media_type, size=message.size,
                      content_ref=message.content_ref)


def router(stubs, *, max_bytes: int, timeout_s: float) -> APIRouter:
    api = APIRouter(prefix=COLLECTION, tags=["calendar"])

    @api.post(
        "/{appointment_id}/attachments", status_code=status.HTTP_201_CREATED, response_model=Attachment,
        responses={**problems(403), **_TOO_LARGE},
        summary="Attach a file: the raw body is the content, Content-Type its media type",
        description="Owner, participants or managers (update right). The content is kept once per tenant under "
        "its SHA-256 (`content_ref`). Private appointments keep no attachments (422). Too large: 413.",
        openapi_extra={"requestBody": {"required": True, "content": {**_BINARY, "*/*": _BINARY[
            "application/octet-stream"]}}},
    )
    async def upload_attachment(
        appointment_id: AppointmentId, request: Request, response: Response,
        filename: Annotated[str, Query(min_length=1, max_length=255, description="The file's name, e.g. "
                                       "Besuchsbericht.pdf")],
    ):
        start = attachments_pb2.UploadAttachmentStart(
            appointment_id=path_id(appointment_id, "appointment_id"), name=filename,
            media_type=request.headers.get("content-type", ""),
            expected_content_ref=expected_address(request.headers.get("content-digest")))
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            return _too_large(max_bytes)
        stopped: list[str] = []  # why the body did not arrive whole: "too_large" or "disconnected"

        async def messages() -> AsyncIterator[attachments_pb2.UploadAttachmentRequest]:
            yield attachments_pb2.UploadAttachmentRequest(start=start)
            size, pending = 0, bytearray()
            try:
                async for piece in request.stream():
                    size += len(piece)
                    if size > max_bytes:
                        stopped.append("too_large")
                        return  # no end message: calendar-sync discards what it received
                    pending += piece
                    while len(pending) >= CHUNK_BYTES:
                        yield attachments_pb2.UploadAttachmentRequest(chunk=bytes(pending[:CHUNK_BYTES]))
                        del pending[:CHUNK_BYTES]
            except ClientDisconnect:
                stopped.append("disconnected")
                return
            if pending:
                yield attachments_pb2.UploadAttachmentRequest(chunk=bytes(pending))
            yield attachments_pb2.UploadAttachmentRequest(end=attachments_pb2.UploadAttachmentEnd(size=size))

        try:
            stored = await stubs().attachments.UploadAttachment(messages(), timeout=timeout_s)
        except grpc.aio.AioRpcError as exc:
            if "too_large" in stopped:
                return _too_large(max_bytes)
            if "disconnected" in stopped:
                return problem(400, "The upload was interrupted; nothing was attached.")
            raise to_domain_error(exc) from None
        response.headers["Location"] = f"{COLLECTION}/{start.appointment_id}/attachments/{stored.id}"
        return _attachment(stored)

    @api.get(
        "/{appointment_id}/attachments/{attachment_id}", response_class=StreamingResponse,
        responses={200: {"description": "The content, with the media type it was uploaded with",
                         "content": {"*/*": _BINARY["application/octet-stream"]}}, **problems(403)},
        summary="Download an attachment's content (as the appointment: whoever may see it)",
    )
    async def download_attachment(appointment_id: AppointmentId, attachment_id: AttachmentId):
        request = attachments_pb2.DownloadAttachmentRequest(
            appointment_id=path_id(appointment_id, "appointment_id"),
            attachment_id=path_id(attachment_id, "attachment_id"))
        stream = aiter(stubs().attachments.DownloadAttachment(request, timeout=timeout_s))
        try:
            first = await anext(stream, None)
        except grpc.aio.AioRpcError as exc:
            raise to_domain_error(exc) from None
        if first is None or first.WhichOneof("part") != "attachment":
            raise Unavailable("calendar-sync answered no attachment; retry shortly")
        attachment = first.attachment

        async def content() -> AsyncIterator[bytes]:
            try:
                async for message in stream:
                    yield message.chunk
            except grpc.aio.AioRpcError as exc:
                # Headers are out: all that is left is to cut the body short (Content-Length tells the client).
                log.warning("attachment download broke off", extra={"code": exc.code().name})
                raise

        headers = {**_SAFE_HEADERS, "Content-Disposition": content_disposition(attachment.name),
                   "Content-Length": str(attachment.size),
                   "ETag": f'"{attachment.content_ref.removeprefix("sha256:")}"'}
        return StreamingResponse(content(), media_type=attachment.media_type or "application/octet-stream",
                                 headers=headers)

    @api.delete(
        "/{appointment_id}/attachments/{attachment_id}", status_code=status.HTTP_204_NO_CONTENT,
        responses=problems(403),
        summary="Remove an attachment (its content goes with the next sweep once nothing refers to it)",
    )
    async def delete_attachment(appointment_id: AppointmentId, attachment_id: AttachmentId) -> Response:
        await call(stubs().attachments.DeleteAttachment, attachments_pb2.DeleteAttachmentRequest(
            appointment_id=path_id(appointment_id, "appointment_id"),
            attachment_id=path_id(attachment_id, "attachment_id")))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return api
