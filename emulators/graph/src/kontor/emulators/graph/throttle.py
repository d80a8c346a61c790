"""Per-mailbox throttling as Outlook resources in Graph apply it.

Outlook service limits (https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits):
4 concurrent requests and 10,000 API requests per 10 minutes, per app ID and
mailbox; requests to one mailbox do not count against another
(https://devblogs.microsoft.com/microsoft365dev/throttling-coming-to-outlook-api-and-microsoft-graph/).
Over the limit Graph answers 429 with a ``Retry-After`` header
(https://learn.microsoft.com/graph/throttling); all requests, throttled ones
included, accrue against the limit. Bodies: ``ApplicationThrottled`` /
"Application is over its MailboxConcurrency limit." for concurrency
(https://github.com/alcionai/corso/issues/3695), ``activityLimitReached`` /
"The app or user has been throttled." for the request budget
(https://learn.microsoft.com/graph/errors). The control API can also inject
429 or 503 answers (503 "serviceNotAvailable", also with Retry-After).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from kontor.emulators.graph.errors import GraphError
from kontor.emulators.graph.store import Mailbox


@dataclass
class _Counter:
    in_flight: int = 0
    stamps: deque = field(default_factory=deque)
    served: int = 0
    throttled: int = 0


class Throttle:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[tuple[str, str], _Counter] = {}

    def reset(self) -> None:
        with self._lock:
            self._counters.clear()

    def stats(self, mailbox_id: str) -> dict:
        with self._lock:
            out = {"served": 0, "throttled": 0, "inFlight": 0}
            for (_, mb), c in self._counters.items():
                if mb == mailbox_id:
                    out["served"] += c.served
                    out["throttled"] += c.throttled
                    out["inFlight"] += c.in_flight
            return out

    def enter(self, client_id: str, mb: Mailbox) -> None:
        """Admit a request or raise the 429/503; a caller that got in must call ``leave``."""
        policy = mb.throttle
        now = time.monotonic()
        with self._lock:
            c = self._counters.setdefault((client_id, mb.id), _Counter())
            while c.stamps and c.stamps[0] <= now - policy.window_seconds:
                c.stamps.popleft()
            c.stamps.append(now)
            injected = policy.inject_count > 0 or policy.inject_until > time.time()
            if injected:
                if policy.inject_count > 0:
                    policy.inject_count -= 1
                c.throttled += 1
                retry = {"Retry-After": str(policy.inject_retry_after)}
                if policy.inject_status == 503:
                    raise GraphError(503, "serviceNotAvailable", "The service is temporarily unavailable. Please retry after the time given in Retry-After.", retry)
                raise GraphError(429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.", retry)
            if len(c.stamps) > policy.budget:
                c.throttled += 1
                wait = max(1, math.ceil(c.stamps[0] + policy.window_seconds - now))
                raise GraphError(429, "activityLimitReached", "The app or user has been throttled.", {"Retry-After": str(wait)})
            if c.in_flight >= policy.max_concurrent:
                c.throttled += 1
                raise GraphError(429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.",
                                 {"Retry-After": str(policy.retry_after_seconds)})
            c.in_flight += 1
            c.served += 1

    def leave(self, client_id: str, mb: Mailbox) -> None:
        with self._lock:
            c = self._counters.get((client_id, mb.id))
            if c and c.in_flight > 0:
                c.in_flight -= 1
