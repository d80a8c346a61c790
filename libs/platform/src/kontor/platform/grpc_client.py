"""gRPC client helpers: channels that forward the caller's identity, deadline and trace.

``channel(addr)`` returns an aio channel whose interceptor adds, to every call:
the current Principal's bearer token (services act on behalf of the caller),
a deadline (the configured default when the caller set none), and W3C trace
context. ``call`` turns a failed call back into the domain exception it
stands for, so edges map it once (gateway: problem+json).
"""

from __future__ import annotations

from collections.abc import Sequence

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from opentelemetry import trace

from kontor.platform import auth, errors, telemetry

_ERROR_OF = {
    grpc.StatusCode.NOT_FOUND: errors.NotFound,
    grpc.StatusCode.ALREADY_EXISTS: errors.AlreadyExists,
    grpc.StatusCode.FAILED_PRECONDITION: errors.Conflict,
    grpc.StatusCode.ABORTED: errors.Conflict,
    grpc.StatusCode.PERMISSION_DENIED: errors.PermissionDenied,
    grpc.StatusCode.UNAUTHENTICATED: errors.Unauthenticated,
}


class _ContextInterceptor(grpc.aio.UnaryUnaryClientInterceptor):
    def __init__(self, default_timeout_s: float):
        self._default_timeout_s = default_timeout_s
        self._tracer = telemetry.tracer("kontor.grpc.client")

    def _details(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        metadata = grpc.aio.Metadata(*(details.metadata or ()))
        if "authorization" not in metadata:
            principal = auth.current_principal_or_none()
            if principal is not None and principal.token:
                metadata["authorization"] = f"Bearer {principal.token}"
        for key, value in telemetry.inject_headers().items():
            metadata[key] = value
        return grpc.aio.ClientCallDetails(
            method=details.method,
            timeout=details.timeout if details.timeout is not None else self._default_timeout_s,
            metadata=metadata,
            credentials=details.credentials,
            wait_for_ready=details.wait_for_ready,
        )

    def _span(self, details):
        method = details.method.decode() if isinstance(details.method, bytes) else details.method
        return self._tracer.start_as_current_span(
            method.lstrip("/"), kind=trace.SpanKind.CLIENT, attributes={"rpc.system": "grpc"}
        )

    async def intercept_unary_unary(self, continuation, client_call_details, request):
        with self._span(client_call_details):
            call = await continuation(self._details(client_call_details), request)
            await call  # finish inside the span so its duration is the call's
            return call

    async def intercept_unary_stream(self, continuation, client_call_details, request):
        with self._span(client_call_details):
            return await continuation(self._details(client_call_details), request)

    async def intercept_stream_unary(self, continuation, client_call_details, request_iterator):
        # Uploads: without this a client-streaming call would leave without the caller's token.
        with self._span(client_call_details):
            return await continuation(self._details(client_call_details), request_iterator)


class _UnaryStreamContext(grpc.aio.UnaryStreamClientInterceptor):
    """grpc.aio files each interceptor under the FIRST call kind it implements (an if/elif chain), so one
    object implementing several kinds only ever sees unary calls: each kind gets its own adapter."""

    def __init__(self, inner: _ContextInterceptor):
        self._inner = inner

    async def intercept_unary_stream(self, continuation, client_call_details, request):
        return await self._inner.intercept_unary_stream(continuation, client_call_details, request)


class _StreamUnaryContext(grpc.aio.StreamUnaryClientInterceptor):
    def __init__(self, inner: _ContextInterceptor):
        self._inner = inner

    async def intercept_stream_unary(self, continuation, client_call_details, request_iterator):
        return await self._inner.intercept_stream_unary(continuation, client_call_details, request_iterator)


# The largest message a Kontor server takes and a Kontor client accepts (gRPC's default is 4 MiB): a parsed mail's
# text or a sent mail with attachments may be larger; content beyond this moves in streamed chunks.
MAX_MESSAGE_BYTES = 24 * 1024 * 1024


def channel(address: str, *, default_timeout_s: float = 10.0,
            interceptors: Sequence[grpc.aio.ClientInterceptor] = ()) -> grpc.aio.Channel:
    """``interceptors`` run before the identity/deadline/trace one (the gateway adds request ids)."""
    context = _ContextInterceptor(default_timeout_s)
    return grpc.aio.insecure_channel(
        address,
        interceptors=[*interceptors, context, _UnaryStreamContext(context), _StreamUnaryContext(context)],
        options=[("grpc.keepalive_time_ms", 30_000), ("grpc.enable_retries", 1),
                 ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                 ("grpc.max_send_message_length", MAX_MESSAGE_BYTES)],
    )


def to_domain_error(exc: grpc.aio.AioRpcError) -> errors.DomainError:
    code = exc.code()
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        status = rpc_status.from_call(exc)
        for detail in status.details if status else ():
            bad_request = error_details_pb2.BadRequest()
            if detail.Unpack(bad_request) and bad_request.field_violations:
                violation = bad_request.field_violations[0]
                return errors.InvalidArgument(violation.field, violation.description)
        return errors.InvalidArgument("request", exc.details() or "invalid")
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        return errors.Unavailable(f"upstream service unavailable ({code.name}); retry shortly")
    error_cls = _ERROR_OF.get(code)
    if error_cls is None:
        return errors.DomainError(f"upstream error ({code.name})")
    return error_cls(exc.details() or code.name.lower())


async def call(method, request, **kwargs):
    """Invoke a stub method, raising the domain exception a failure stands for."""
    try:
        return await method(request, **kwargs)
    except grpc.aio.AioRpcError as exc:
        raise to_domain_error(exc) from None
