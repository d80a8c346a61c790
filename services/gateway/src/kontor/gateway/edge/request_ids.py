"""Request ids: one per request, from the caller's ``X-Request-Id`` or generated.

The id is returned on every response, written into problem+json bodies
(``request_id``) and log lines, and forwarded to the services as gRPC metadata
``x-request-id``, so one id finds a request everywhere it went.
"""

from __future__ import annotations

import contextvars
import json
import logging
import uuid

import grpc
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kontor.platform.http import PROBLEM_JSON, problem

log = logging.getLogger(__name__)

HEADER = "x-request-id"
MAX_LENGTH = 128

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("kontor_request_id", default=None)


def current() -> str | None:
    return _current.get()


def accept(value: str | None) -> str:
    """The caller's id if it is 1..128 visible ASCII characters, otherwise a new one.

    A malformed id is replaced rather than refused: it must never cost the caller its request,
    and it must never smuggle control characters into our logs.
    """
    if value and len(value) <= MAX_LENGTH and all("!" <= char <= "~" for char in value):
        return value
    return uuid.uuid4().hex


def _with_request_id(body: bytes, request_id: str) -> bytes:
    try:
        document = json.loads(body)
    except ValueError:
        return body
    if not isinstance(document, dict):
        return body
    document["request_id"] = request_id
    return json.dumps(document, separators=(",", ":")).encode()


class RequestIdMiddleware:
    """Pure ASGI middleware (outermost): sets the id for the request's context and stamps the response."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accept(Headers(scope=scope).get(HEADER))
        reset = _current.set(request_id)
        started = False
        held_problem_start: Message | None = None  # problem bodies are rewritten, so their start waits
        body_parts: list[bytes] = []

        async def stamped_send(message: Message) -> None:
            nonlocal started, held_problem_start
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                headers["X-Request-Id"] = request_id
                if headers.get("content-type", "").startswith(PROBLEM_JSON):
                    held_problem_start = message
                    return
            elif message["type"] == "http.response.body" and held_problem_start is not None:
                body_parts.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = _with_request_id(b"".join(body_parts), request_id)
                MutableHeaders(scope=held_problem_start)["content-length"] = str(len(body))
                await send(held_problem_start)
                message = {"type": "http.response.body", "body": body}
            await send(message)

        try:
            await self.app(scope, receive, stamped_send)
        except Exception:
            # Starlette answers unhandled errors outside of all middleware; answer here instead so
            # the 500 carries the id too.
            log.exception("unhandled error")
            if started:
                raise
            await problem(500, f"internal error; reference {request_id}")(scope, receive, stamped_send)
        finally:
            _current.reset(reset)


class RequestIdLogFilter(logging.Filter):
    """Adds ``request_id`` to every log record written while a request is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True


def install_log_filter() -> None:
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RequestIdLogFilter) for f in handler.filters):
            handler.addFilter(RequestIdLogFilter())


class RequestIdClientInterceptor(grpc.aio.UnaryUnaryClientInterceptor, grpc.aio.UnaryStreamClientInterceptor):
    """Forwards the current request id to the services as metadata ``x-request-id``."""

    @staticmethod
    def _details(details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        request_id = _current.get()
        if request_id is None:
            return details
        metadata = grpc.aio.Metadata(*(details.metadata or ()))
        metadata[HEADER] = request_id
        return grpc.aio.ClientCallDetails(
            method=details.method, timeout=details.timeout, metadata=metadata,
            credentials=details.credentials, wait_for_ready=details.wait_for_ready,
        )

    async def intercept_unary_unary(self, continuation, client_call_details, request):
        return await continuation(self._details(client_call_details), request)

    async def intercept_unary_stream(self, continuation, client_call_details, request):
        return await continuation(self._details(client_call_details), request)
