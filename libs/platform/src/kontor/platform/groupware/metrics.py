"""Request metrics of groupware providers, named per service.

Each service exports its own series (``kontor_calendar_sync_provider_requests_total``,
``kontor_mail_import_provider_requests_total``, ...), so its dashboards and alerts keep their names while the
client code is shared. A metric can be registered only once per process, so :func:`provider_metrics` keeps
one set per service. Labels: ``provider`` (``graph``, ``imap``...) and ``outcome``; no mailbox label
(cardinality).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from prometheus_client import Counter, Histogram

_SERVICE = re.compile(r"^[a-z][a-z0-9_]*$")
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


@dataclass(frozen=True)
class ProviderMetrics:
    requests: Counter  # kontor_{service}_provider_requests_total{provider, outcome}
    latency: Histogram  # kontor_{service}_provider_request_duration_seconds{provider}


_REGISTERED: dict[str, ProviderMetrics] = {}
_LOCK = threading.Lock()


def provider_metrics(service: str) -> ProviderMetrics:
    """The metrics of ``service`` (a metric-name part such as ``calendar_sync``), registered on first use."""
    if not _SERVICE.match(service):
        raise ValueError(f"service must be a metric-name part like 'calendar_sync', not {service!r}")
    with _LOCK:
        metrics = _REGISTERED.get(service)
        if metrics is None:
            metrics = _REGISTERED[service] = ProviderMetrics(
                requests=Counter(f"kontor_{service}_provider_requests_total", "Requests sent to groupware providers",
                                 ["provider", "outcome"]),
                latency=Histogram(f"kontor_{service}_provider_request_duration_seconds",
                                  "Groupware provider request latency", ["provider"], buckets=BUCKETS),
            )
        return metrics


__all__ = ["ProviderMetrics", "provider_metrics"]
