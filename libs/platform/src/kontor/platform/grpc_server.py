"""gRPC server with Kontor's interceptors and the standard health service.

Interceptors, outermost first:
  Tracing      server span continuing the caller's W3C trace context
  Metrics      RED metrics per method and status code
  ErrorMapping domain exceptions -> status codes (INVALID_ARGUMENT names the field)
  Deadline     every call ends by its deadline, or the configured default
  Auth         verifies the bearer token; the Principal is set for the handler
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_status import rpc_status
from opentelemetry import trace
from pydantic import ValidationError

from kontor.platform import auth, errors, telemetry
from kontor.platform.metrics import grpc_metrics

log = logging.getLogger(__name__)

# Infrastructure methods that load balancers and tools call without a token.
PUBLIC_METHOD_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")

_STATUS_OF = {
    errors.InvalidArgument: grpc.StatusCode.INVALID_ARGUMENT,
    errors.NotFound: grpc.StatusCode.NOT_FOUND,
    errors.AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    errors.Conflict: grpc.StatusCode.FAILED_PRECONDITION,
    errors.PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
    errors.Unauthenticated: grpc.StatusCode.UNAUTHENTICATED,
    errors.Unavailable: grpc.StatusCode.UNAVAILABLE,
}


class ScopedInterceptor(grpc.aio.ServerInterceptor):
    """Runs ``scope`` around every unary and server-streaming call."""

    def scope(self, method: str, context: grpc.aio.ServicerContext):  # pragma: no cover - abstract
        raise NotImplementedError

    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        if handler.unary_unary:
            inner = handler.unary_unary

            async def unary(request, context):
                async with self.scope(method, context):
                    return await inner(request, context)

            return grpc.unary_unary_rpc_method_handler(
                unary, request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            inner_stream = handler.unary_stream

            async def streaming(request, context):
                async with self.scope(method, context):
                    async for item in inner_stream(request, context):
                        yield item

            return grpc.unary_stream_rpc_method_handler(
                streaming, request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        # Client- and bidi-streaming calls are not used by Kontor; refuse them rather
        # than let them bypass authentication.
        raise NotImplementedError(f"{method}: client streaming is not supported by Kontor's server helpers")


class TracingInterceptor(ScopedInterceptor):
    def __init__(self):
        self._tracer = telemetry.tracer("kontor.grpc")

    @asynccontextmanager
    async def scope(self, method, context) -> AsyncIterator[None]:
        parent = telemetry.extract_context({k: v for k, v in context.invocation_metadata() or ()
                                            if isinstance(v, str)})
        service, _, rpc = method.lstrip("/").partition("/")
        with self._tracer.start_as_current_span(
            method.lstrip("/"), context=parent, kind=trace.SpanKind.SERVER,
            attributes={"rpc.system": "grpc", "rpc.service": service, "rpc.method": rpc},
        ) as span:
            try:
                yield
            finally:
                code = context.code()
                if code is not None:
                    span.set_attribute("rpc.grpc.status_code", code.value[0])


class MetricsInterceptor(ScopedInterceptor):
    def __init__(self, service: str):
        self._metrics = grpc_metrics(service)

    @asynccontextmanager
    async def scope(self, method, context) -> AsyncIterator[None]:
        started = time.perf_counter()
        code = "UNKNOWN"
        try:
            yield
            code = (context.code() or grpc.StatusCode.OK).name
        except BaseException:
            code = (context.code() or grpc.StatusCode.UNKNOWN).name
            raise
        finally:
            self._metrics.requests.labels(method, code).inc()
            self._metrics.duration.labels(method).observe(time.perf_counter() - started)


def invalid_argument_status(field: str, reason: str) -> grpc.Status:
    detail = any_pb2.Any()
    detail.Pack(error_details_pb2.BadRequest(
        field_violations=[error_details_pb2.BadRequest.FieldViolation(field=field, description=reason)]
    ))
    return rpc_status.to_status(
        status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=f"{field}: {reason}", details=[detail])
    )


class ErrorMappingInterceptor(ScopedInterceptor):
    @asynccontextmanager
    async def scope(self, method, context) -> AsyncIterator[None]:
        try:
            yield
        except errors.InvalidArgument as exc:
            await context.abort_with_status(invalid_argument_status(exc.field, exc.reason))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "request"
            await context.abort_with_status(invalid_argument_status(field, first["msg"]))
        except errors.DomainError as exc:
            await context.abort(_STATUS_OF.get(type(exc), grpc.StatusCode.UNKNOWN), exc.message)
        except (asyncio.CancelledError, grpc.aio.AbortError):
            raise
        except Exception:
            log.exception("unhandled error in %s", method)
            # Say nothing internal; the trace id lets an operator find the log line.
            await context.abort(grpc.StatusCode.INTERNAL,
                                f"internal error; reference {telemetry.current_trace_id() or 'n/a'}")


class DeadlineInterceptor(ScopedInterceptor):
    def __init__(self, default_deadline_s: float):
        self._default = default_deadline_s

    @asynccontextmanager
    async def scope(self, method, context) -> AsyncIterator[None]:
        remaining = context.time_remaining()
        budget = self._default if remaining is None else remaining
        if budget <= 0:
            await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, "deadline already passed")
        try:
            async with asyncio.timeout(budget):
                yield
        except TimeoutError:
            await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, f"call exceeded its deadline of {budget:.1f}s")


class AuthInterceptor(ScopedInterceptor):
    def __init__(self, verifier: auth.TokenVerifier):
        self._verifier = verifier

    @asynccontextmanager
    async def scope(self, method, context) -> AsyncIterator[None]:
        if method.startswith(PUBLIC_METHOD_PREFIXES):
            yield
            return
        metadata = dict(context.invocation_metadata() or ())
        principal = await self._verifier.verify(auth.bearer_token(metadata.get("authorization")))
        trace.get_current_span().set_attribute("kontor.tenant_id", str(principal.tenant_id))
        token = auth.set_principal(principal)
        try:
            yield
        finally:
            auth.reset_principal(token)


MAX_MESSAGE_BYTES = 24 * 1024 * 1024


def create_server(
    *, service: str, verifier: auth.TokenVerifier, default_deadline_s: float,
    register: Callable[[grpc.aio.Server], list[str]],
) -> tuple[grpc.aio.Server, health.aio.HealthServicer]:
    """Build the server; ``register`` adds servicers and returns their full service names."""
    server = grpc.aio.server(
        interceptors=[
            TracingInterceptor(), MetricsInterceptor(service), ErrorMappingInterceptor(),
            DeadlineInterceptor(default_deadline_s), AuthInterceptor(verifier),
        ],
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
