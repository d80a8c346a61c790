"""Streaming a mail part (an attachment, or the raw message) from mail-import to the client.

mail-import answers with server streaming: the part's metadata first, then the content in chunks of at
most 1 MiB, so no side holds a whole message. As for appointment attachments (calendar_api/attachments.py)
the answer is always a download (``Content-Disposition: attachment``, ``nosniff``, a sandboxing CSP): an
HTML part or a message is saved, never rendered on the API's origin.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import grpc
from fastapi.responses import StreamingResponse

from kontor.platform.errors import Unavailable

from kontor.gateway.calendar_api.attachments import content_disposition
from kontor.gateway.mail_api.upstream import domain_error

RAW_MEDIA_TYPE = "message/rfc822"
_SAFE_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox",
                 "Cache-Control": "private, no-store"}
RESPONSES = {200: {"description": "The content, with its media type (the raw message: message/rfc822)",
                   "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}}

log = logging.getLogger(__name__)


async def stream_part(method, request, *, raw: bool, timeout_s: float) -> StreamingResponse:
    stream = aiter(method(request, timeout=timeout_s))
    try:
        first = await anext(stream, None)
    except grpc.aio.AioRpcError as exc:
        raise domain_error(exc) from None
    if first is None:
        raise Unavailable("mail-import answered no content; retry shortly")
    leading = b""
    media_type, filename, headers = (RAW_MEDIA_TYPE if raw else "application/octet-stream"), "", {}
    if first.WhichOneof("part") == "attachment":
        part = first.attachment
        media_type = RAW_MEDIA_TYPE if raw else (part.content_type or media_type)
        filename = part.filename
        if part.size > 0:
            headers["Content-Length"] = str(part.size)
        if part.content_ref:
            headers["ETag"] = f'"{part.content_ref.removeprefix("sha256:")}"'
    else:
        leading = first.chunk  # no metadata sent: the content starts at once

    async def content() -> AsyncIterator[bytes]:
        if leading:
            yield leading
        try:
            async for message in stream:
                yield message.chunk
        except grpc.aio.AioRpcError as exc:
            # Headers are out: all that is left is to cut the body short (Content-Length tells the client).
            log.warning("mail part download broke off", extra={"code": exc.code().name})
            raise

    name = filename or ("message.eml" if raw else "attachment")
    return StreamingResponse(content(), media_type=media_type,
                             headers={**_SAFE_HEADERS, **headers, "Content-Disposition": content_disposition(name)})
