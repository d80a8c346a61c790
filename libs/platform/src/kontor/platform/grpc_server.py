"""gRPC server with Kontor's call edge and the standard health service.

Every call runs through one edge, in this order (outermost first):
  tracing      server span continuing the caller's W3C trace context
  metrics      RED metrics per method and status code
  errors       domain exceptions -> status codes (INVALID_ARGUMENT names the field)
  deadline     every call ends by its deadline, or the configured default
  auth         verifies the bearer token; the Principal is set for the handler

The edge is one interceptor that wraps each method's handler once (on its first
call) and keeps the wrapped handler by method name, with everything that only
depends on the method prepared: span name and attributes, whether the method is
public, the method's Prometheus label children. A call reads its metadata once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import NoReturn

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status
from opentelemetry import trace
from prometheus_client import Counter
from pydantic import ValidationError

from kontor.platform import auth, errors, telemetry
from kontor.platform.grpc_client import MAX_MESSAGE_BYTES
from kontor.platform.metrics import EdgeMetrics, grpc_metrics

log = logging.getLogger(__name__)

# Infrastructure methods that load balancers and tools call without a token.
PUBLIC_METHOD_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")
# A service may name further methods that check their caller themselves (``create_server(self_authenticated=)``):
# the gateway's TokenService, whose callers have no access token yet and present a client credential instead.

_STATUS_OF = {
    errors.InvalidArgument: grpc.StatusCode.INVALID_ARGUMENT,
    errors.NotFound: grpc.StatusCode.NOT_FOUND,
    errors.AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    errors.Conflict: grpc.StatusCode.FAILED_PRECONDITION,
    errors.PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
    errors.Unauthenticated: grpc.StatusCode.UNAUTHENTICATED,
    errors.Unavailable: grpc.StatusCode.UNAVAILABLE,
}


def invalid_argument_status(field: str, reason: str) -> grpc.Status:
    detail = any_pb2.Any()
    detail.Pack(error_details_pb2.BadRequest(
        field_violations=[error_details_pb2.BadRequest.FieldViolation(field=field, description=reason)]
    ))
    return rpc_status.to_status(
        status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=f"{field}: {reason}", details=[detail])
    )


class _MethodEdge:
    """The edge of one method: what its calls share, and the scope each call runs in."""

    __slots__ = ("_counts", "_default_deadline_s", "_duration", "_requests", "_tracer", "_verifier",
                 "attributes", "method", "public", "span_name")

    def __init__(self, method: str, *, tracer: trace.Tracer, metrics: EdgeMetrics, verifier: auth.TokenVerifier,
                 default_deadline_s: float, public: bool = False):
        self.method = method
        self.span_name = method.lstrip("/")
        service, _, rpc = self.span_name.partition("/")
        self.attributes = {"rpc.system": "grpc", "rpc.service": service, "rpc.method": rpc}
        self.public = public or method.startswith(PUBLIC_METHOD_PREFIXES)
        self._tracer = tracer
        self._verifier = verifier
        self._default_deadline_s = default_deadline_s
        # Label children: a `.labels()` lookup per call costs more than the increment itself.
        self._requests = metrics.requests
        self._duration = metrics.duration.labels(method)
        self._counts: dict[str, Counter] = {}

    def _record(self, code: str, seconds: float) -> None:
        counter = self._counts.get(code)
        if counter is None:
            counter = self._counts[code] = self._requests.labels(self.method, code)
        counter.inc()
        self._duration.observe(seconds)

    @asynccontextmanager
    async def scope(self, context: grpc.aio.ServicerContext) -> AsyncIterator[None]:
        """One call, outermost first: span, RED metrics, error mapping, deadline, token."""
        started = time.perf_counter()
        # Binary (-bin) values are bytes; neither trace context nor the token is.
        headers = {key: value for key, value in context.invocation_metadata() or () if isinstance(value, str)}
        with self._tracer.start_as_current_span(
            self.span_name, context=telemetry.extract_context(headers), kind=trace.SpanKind.SERVER,
            attributes=self.attributes,
        ) as span:
            code = "UNKNOWN"
            try:
                try:
                    remaining = context.time_remaining()
                    budget = self._default_deadline_s if remaining is None else remaining
                    if budget <= 0:
                        await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, "deadline already passed")
                    try:
                        async with asyncio.timeout(budget):
                            if self.public:
                                yield
                            else:
                                principal = await self._verifier.verify(
                                    auth.bearer_token(headers.get("authorization")))
                                span.set_attribute("kontor.tenant_id", str(principal.tenant_id))
                                if principal.actor:  # delegated: who really called, for the audit trail
                                    span.set_attribute("kontor.actor", principal.actor)
                                token = auth.set_principal(principal)
                                try:
                                    yield
                                finally:
                                    auth.reset_principal(token)
                    except TimeoutError:
                        await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED,
                                            f"call exceeded its deadline of {budget:.1f}s")
                except grpc.aio.AbortError:
                    raise
                except Exception as exc:  # noqa: BLE001 - every failure leaves as a status
                    await self._abort_with_status_of(context, exc)
                code = (context.code() or grpc.StatusCode.OK).name
            except BaseException:
                code = (context.code() or grpc.StatusCode.UNKNOWN).name
                raise
            finally:
                self._record(code, time.perf_counter() - started)
                status = context.code()
                if status is not None:
                    span.set_attribute("rpc.grpc.status_code", status.value[0])

    async def _abort_with_status_of(self, context: grpc.aio.ServicerContext, exc: Exception) -> NoReturn:
        """Ends the call with the status ``exc`` stands for (``context.abort`` raises AbortError)."""
        if isinstance(exc, errors.InvalidArgument):
            await context.abort_with_status(invalid_argument_status(exc.field, exc.reason))
        elif isinstance(exc, ValidationError):
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "request"
            await context.abort_with_status(invalid_argument_status(field, first["msg"]))
        elif isinstance(exc, errors.DomainError):
            await context.abort(errors.status_for(exc, _STATUS_OF, grpc.StatusCode.UNKNOWN), exc.message)
        log.error("unhandled error in %s", self.method, exc_info=exc)
        # Say nothing internal; the trace id lets an operator find the log line.
        await context.abort(grpc.StatusCode.INTERNAL,
                            f"internal error; reference {telemetry.current_trace_id() or 'n/a'}")


class EdgeInterceptor(grpc.aio.ServerInterceptor):
    """Runs every unary, server-streaming and client-streaming call inside its method's edge scope.

    Handlers are found by method name alone (generated services, health, reflection), so the wrapped
    handler is built on a method's first call and reused; unknown methods are not remembered.
    """

    def __init__(self, *, service: str, verifier: auth.TokenVerifier, default_deadline_s: float,
                 self_authenticated: frozenset[str] = frozenset()):
        self._self_authenticated = self_authenticated
        self._tracer = telemetry.tracer("kontor.grpc")
        self._metrics = grpc_metrics(service)
        self._verifier = verifier
        self._default_deadline_s = default_deadline_s
        self._handlers: dict[str, grpc.RpcMethodHandler] = {}

    async def intercept_service(self, continuation, handler_call_details):
        method = handler_call_details.method
        wrapped = self._handlers.get(method)
        if wrapped is None:
            handler = await continuation(handler_call_details)
            if handler is None:
                return None
            wrapped = self._handlers[method] = self._wrap(method, handler)
        return wrapped

    def _wrap(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        scope = _MethodEdge(method, tracer=self._tracer, metrics=self._metrics, verifier=self._verifier,
                            default_deadline_s=self._default_deadline_s,
                            public=method in self._self_authenticated).scope
        if handler.unary_unary:
            inner = handler.unary_unary

            async def unary(request, context):
                async with scope(context):
                    return await inner(request, context)

            return grpc.unary_unary_rpc_method_handler(
                unary, request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            inner_stream = handler.unary_stream

            async def streaming(request, context):
                async with scope(context):
                    async for item in inner_stream(request, context):
                        yield item

            return grpc.unary_stream_rpc_method_handler(
                streaming, request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.stream_unary:
            # Client streaming (uploads in chunks below the message limit). The token and deadline are
            # checked before the handler reads its first chunk.
            inner_upload = handler.stream_unary

            async def upload(request_iterator, context):
                async with scope(context):
                    return await inner_upload(request_iterator, context)

            return grpc.stream_unary_rpc_method_handler(
                upload, request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        # Bidi-streaming calls are not used by Kontor; refuse them rather than let them bypass authentication.
        raise NotImplementedError(f"{method}: bidi streaming is not supported by Kontor's server helpers")




def create_server(
    *, service: str, verifier: auth.TokenVerifier, default_deadline_s: float,
    register: Callable[[grpc.aio.Server], list[str]], self_authenticated: Iterable[str] = (),
) -> tuple[grpc.aio.Server, health.aio.HealthServicer]:
    """Build the server; ``register`` adds servicers and returns their full service names.

    ``self_authenticated``: full method names (``/pkg.Service/Method``) the edge runs without a bearer token,
    because the handler authenticates its caller itself (and must)."""
    server = grpc.aio.server(
        interceptors=[EdgeInterceptor(service=service, verifier=verifier, default_deadline_s=default_deadline_s,
                                      self_authenticated=frozenset(self_authenticated))],
        # Without this, Linux lets a second process bind the same port silently.
        # The receive limit: imports send files of up to 20 MB in one message (gRPC's default is 4 MB).
        options=[("grpc.so_reuseport", 0), ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)],
    )
    service_names = register(server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        [*service_names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME],
        server,
    )
    return server, health_servicer


async def set_serving(health_servicer, service_names: list[str], serving: bool) -> None:
    status = health_pb2.HealthCheckResponse.SERVING if serving else health_pb2.HealthCheckResponse.NOT_SERVING
    for name in ["", *service_names]:
        await health_servicer.set(name, status)
