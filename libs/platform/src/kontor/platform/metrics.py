"""Prometheus RED metrics (rate, errors, duration) for a service's edges.

Metric names start with the service name (``contacts_grpc_server_requests_total``),
as ARCHITECTURE.md asks: one name everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from prometheus_client import Counter, Histogram

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


def metric_prefix(service: str) -> str:
    return service.replace("-", "_")


@dataclass(frozen=True)
class EdgeMetrics:
    requests: Counter
    duration: Histogram


@cache
def grpc_metrics(service: str) -> EdgeMetrics:
    p = metric_prefix(service)
    return EdgeMetrics(
        Counter(f"{p}_grpc_server_requests_total", "gRPC calls handled", ["method", "code"]),
        Histogram(f"{p}_grpc_server_request_duration_seconds", "gRPC call latency", ["method"],
                  buckets=_LATENCY_BUCKETS),
    )


@cache
def http_metrics(service: str) -> EdgeMetrics:
    p = metric_prefix(service)
    return EdgeMetrics(
        Counter(f"{p}_http_requests_total", "HTTP requests handled", ["method", "route", "status"]),
        Histogram(f"{p}_http_request_duration_seconds", "HTTP request latency", ["method", "route"],
                  buckets=_LATENCY_BUCKETS),
    )
