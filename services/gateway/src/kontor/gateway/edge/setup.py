"""Puts the edge in front of the gateway's HTTP app (ServiceDefinition.configure_http)."""

from fastapi import FastAPI

from kontor.platform.runtime import Runtime

from kontor.gateway.edge.limits import LimitExceeded, RateLimitMiddleware, limit_exceeded_handler
from kontor.gateway.edge.request_ids import RequestIdMiddleware


def configure_http(app: FastAPI, rt: Runtime) -> None:
    app.add_exception_handler(LimitExceeded, limit_exceeded_handler)
    app.add_middleware(RateLimitMiddleware, limiter=lambda: rt.extras["rate_limiter"], verifier=lambda: rt.verifier)
    # Added last, so it runs first: even a 429 or a 500 carries the request id.
    app.add_middleware(RequestIdMiddleware)
