"""Rate limits of /api/v1 per tenant and per user, and the 429 answer shared with login throttling.

Authenticated calls count against their tenant and their user; calls without a
valid token (login, refresh) count against the client's address. /healthz,
/readyz, /metrics, the docs and the JWKS are outside /api/v1 and never limited;
Graph's webhook (/api/v1/webhooks/) is limited per subscription instead (webhooks_api/).
If Redis is unreachable the limits are not enforced (logged): an outage of the
counter store must not take the API down with it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import JSONResponse
from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from kontor.platform import auth, errors
from kontor.platform.http import problem

from kontor.gateway.edge.counters import Count, FixedWindowCounter
from kontor.gateway.settings import GatewaySettings

log = logging.getLogger(__name__)

LIMITED_PREFIX = "/api/v1/"
# Graph's webhook: Graph calls from few addresses for every customer; it is limited per subscription instead
# (webhooks_api/).
UNLIMITED_PREFIXES = ("/api/v1/webhooks/",)


class LimitExceeded(Exception):
    """Too many requests; ``retry_after_s`` says when the caller may try again."""

    def __init__(self, detail: str, retry_after_s: int, *, code: str = "rate_limited"):
        super().__init__(detail)
        self.detail = detail
        self.retry_after_s = retry_after_s
        self.code = code


def too_many_requests(exc: LimitExceeded) -> JSONResponse:
    response = problem(429, exc.detail, code=exc.code, retry_after_s=exc.retry_after_s)
    response.headers["Retry-After"] = str(exc.retry_after_s)
    return response


async def limit_exceeded_handler(_: Request, exc: LimitExceeded) -> JSONResponse:
    return too_many_requests(exc)


# What the OpenAPI document lists for a 429.
TOO_MANY_REQUESTS_RESPONSE = {
    "description": "Too many requests; retry after the seconds in the Retry-After header",
    "headers": {"Retry-After": {"description": "Seconds until the next attempt may succeed",
                                "schema": {"type": "integer"}}},
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


class ApiRateLimiter:
    def __init__(self, redis: Redis, settings: GatewaySettings):
        window = settings.rate_limit_window_s
        self._tenant = FixedWindowCounter(redis, namespace="rate:tenant", limit=settings.rate_limit_per_tenant,
                                          window_s=window)
        self._user = FixedWindowCounter(redis, namespace="rate:user", limit=settings.rate_limit_per_user,
                                        window_s=window)
        self._address = FixedWindowCounter(redis, namespace="rate:address", limit=settings.rate_limit_per_user,
                                           window_s=window)

    async def admit(self, principal: auth.Principal | None, client_address: str) -> None:
        """Count the request; raise LimitExceeded when its tenant, user or address is over the limit."""
        if principal is None:
            counts = [await self._address.hit(client_address)]
        else:
            tenant = str(principal.tenant_id)
            counts = list(await asyncio.gather(self._tenant.hit(tenant),
                                               self._user.hit(f"{tenant}:{principal.subject}")))
        exceeded = [count for count in counts if count.exceeded]
        if exceeded:
            raise LimitExceeded(_explain(exceeded), max(count.resets_in_s for count in exceeded))


def _explain(exceeded: list[Count]) -> str:
    limit = min(count.limit for count in exceeded)
    return (f"Request limit reached ({limit} per window). Wait for the seconds in the Retry-After header, "
            "then send again.")


class RateLimitMiddleware:
    """Pure ASGI middleware in front of /api/v1."""

    def __init__(self, app: ASGIApp, *, limiter: Callable[[], ApiRateLimiter],
                 verifier: Callable[[], auth.TokenVerifier]):
        self.app = app
        self._limiter = limiter
        self._verifier = verifier

    async def _principal(self, authorization: str | None) -> auth.Principal | None:
        # Verified, not just decoded: a forged subject must not spend someone else's quota.
        try:
            return await self._verifier().verify(auth.bearer_token(authorization))
        except errors.Unauthenticated:
            return None  # the route answers 401 itself; until then it counts as anonymous

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or not scope["path"].startswith(LIMITED_PREFIX)
                or scope["path"].startswith(UNLIMITED_PREFIXES)):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        principal = await self._principal(headers.get("authorization")) if "authorization" in headers else None
        client = scope.get("client")
        try:
            await self._limiter().admit(principal, client[0] if client else "unknown")
        except LimitExceeded as exc:
            await too_many_requests(exc)(scope, receive, send)
            return
        except RedisError as exc:
            log.warning("rate limits not enforced: redis unavailable", extra={"error": type(exc).__name__})
        await self.app(scope, receive, send)
