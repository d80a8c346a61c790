"""FastAPI app factory: health, readiness, metrics, tracing and RFC 9457 problem+json.

Every HTTP edge in Kontor is built here so errors look the same everywhere:
``application/problem+json`` with ``type``, ``title``, ``status``, ``detail``
and, for bad input, ``errors: [{"field": ..., "reason": ...}]`` naming each field.
5xx answers say nothing internal, only a reference to find the log line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from kontor.platform import auth, errors, telemetry
from kontor.platform.metrics import http_metrics

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://kontor.dev/problems/"
PROBLEM_JSON = "application/problem+json"

ReadinessCheck = Callable[[], Awaitable[None]]

_HTTP_STATUS = {
    errors.InvalidArgument: 422,
    errors.NotFound: 404,
    errors.AlreadyExists: 409,
    errors.Conflict: 412,
    errors.PermissionDenied: 403,
    errors.Unauthenticated: 401,
    errors.Unavailable: 503,
}

_TITLES = {
    400: "Bad request", 401: "Authentication required", 403: "Not allowed", 404: "Not found",
    405: "Method not allowed", 409: "Already exists", 412: "Changed meanwhile", 422: "Invalid input",
    428: "Precondition required", 429: "Too many requests", 500: "Internal error", 503: "Temporarily unavailable",
}


def problem(status: int, detail: str, *, code: str | None = None, **extra) -> JSONResponse:
    body = {
        "type": PROBLEM_BASE + (code or str(status)),
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **extra,
    }
    headers = {"WWW-Authenticate": 'Bearer realm="kontor"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


# What every endpoint may answer with; listed in the OpenAPI document.
PROBLEM_RESPONSES = {
    status: {"description": title, "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    for status, title in _TITLES.items() if status in (401, 404, 422, 429, 503)
}


_UNPARSABLE_BODY = {"description": "Bad request: the body could not be parsed",
                    "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(errors.DomainError)
    async def domain_error(_: Request, exc: errors.DomainError):
        status = errors.status_for(exc, _HTTP_STATUS, 500)
        if isinstance(exc, errors.InvalidArgument):
            return problem(status, exc.message, code=exc.code, errors=[{"field": exc.field, "reason": exc.reason}])
        if status == 500:
            log.error("unmapped domain error: %s", exc)
            return problem(500, f"internal error; reference {telemetry.current_trace_id() or 'n/a'}")
        return problem(status, exc.message, code=exc.code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError):
        fields = [
            # A JSON syntax error's location is a character offset, not a field: the body is at fault.
            {"field": "body" if e["type"] == "json_invalid" else
             ".".join(str(p) for p in e["loc"] if p != "body") or "body", "reason": e["msg"]}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{f['field']}: {f['reason']}" for f in fields)
        return problem(422, f"Correct these fields and send again: {detail}", code="invalid_argument", errors=fields)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException):
        return problem(exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception):
        log.exception("unhandled error")
        return problem(500, f"internal error; reference {telemetry.current_trace_id() or 'n/a'}")


def _install_metrics(app: FastAPI, service: str) -> None:
    metrics = http_metrics(service)

    @app.middleware("http")
    async def red_metrics(request: Request, call_next):
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = request.scope.get("route")
            path = getattr(route, "path", "unmatched")  # the template, never raw ids: bounded label values
            metrics.requests.labels(request.method, path, str(status)).inc()
            metrics.duration.labels(request.method, path).observe(time.perf_counter() - started)


def create_app(
    *, service: str, title: str, version: str = "0.1.0", description: str = "",
    readiness_checks: dict[str, ReadinessCheck] | None = None, docs: bool = True,
) -> FastAPI:
    app = FastAPI(
        title=title, version=version, description=description,
        docs_url="/docs" if docs else None, redoc_url=None, openapi_url="/openapi.json" if docs else None,
    )
    checks = readiness_checks or {}
    _install_problem_handlers(app)
    _install_metrics(app, service)

    @app.get("/healthz", tags=["operations"], summary="Liveness: the process is up")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], summary="Readiness: database and NATS reachable",
             responses={503: PROBLEM_RESPONSES[503]})
    async def readyz():
        failed = {}
        for name, check in checks.items():
            try:
                await check()
            except Exception as exc:  # noqa: BLE001 - any failure means not ready
                failed[name] = type(exc).__name__
        if failed:
            return problem(503, "not ready: " + ", ".join(f"{k} ({v})" for k, v in failed.items()),
                           code="not_ready", checks={k: "failing" for k in failed})
        return {"status": "ready", "checks": {name: "ok" for name in checks}}

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics", include_in_schema=False)
    async def metrics_endpoint() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    _add_problem_schema(app)
    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")
    return app


def _add_problem_schema(app: FastAPI) -> None:
    original = app.openapi

    def openapi():
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = {
            "type": "object",
            "description": "RFC 9457 problem details",
            "properties": {
                "type": {"type": "string", "format": "uri"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "request_id": {"type": "string", "description": "X-Request-Id of the request (gateway)"},
                "errors": {"type": "array", "items": {"type": "object", "properties": {
                    "field": {"type": "string"}, "reason": {"type": "string"}}}},
            },
            "required": ["type", "title", "status"],
        }
        # A body that cannot be parsed at all (not UTF-8, broken multipart) answers 400 before validation.
        for operation in (op for item in schema.get("paths", {}).values() for op in item.values()):
            if isinstance(operation, dict) and "requestBody" in operation:
                operation.setdefault("responses", {}).setdefault("400", _UNPARSABLE_BODY)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi


def bearer_principal(verifier_of: Callable[[], auth.TokenVerifier]):
    """A FastAPI dependency that verifies the bearer token and sets the Principal."""

    async def dependency(request: Request) -> auth.Principal:
        principal = await verifier_of().verify(auth.bearer_token(request.headers.get("authorization")))
        auth.set_principal(principal)  # request-scoped: each request runs in its own context
        return principal

    return dependency

