"""Per-mailbox request limits, backoff and request accounting.

Outlook resources in Graph allow 4 concurrent requests and 10,000 requests
per 10 minutes per app and mailbox
(https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits);
over that they answer 429 with ``Retry-After``
(https://learn.microsoft.com/graph/throttling). We stay under both on our
side, so throttling is the exception, not the flow control:

* a semaphore per mailbox: at most ``max_in_flight`` (4) requests at once;
* a token bucket per mailbox (``capacity`` + ``rate``/s). Over any window of
  ``T`` seconds it lets through at most ``capacity + rate·T`` requests; the
  defaults (1,000 + 15/s) give at most 10,000 per 10 minutes;
* a ``hold`` after a 429/503: every request to that mailbox waits out the
  ``Retry-After`` instead of hammering the server;
* waiting longer than ``max_wait`` (budget or hold) is not done in-process:
  :class:`Throttled` goes up with the wait, so the engine persists its work
  and a later task picks it up.

:class:`MailboxLimiter` counts in this process only. Workers share the
limits through Redis with ``shared_limits.RedisLimits`` (what the Celery
tasks use); this one is the fallback when Redis is away, and what a
provider made without Redis (tests, CLI) uses.

:class:`RequestStats` counts what a piece of work cost: open one with
``counting()`` and every request made inside (also in tasks started there)
adds to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from kontor.platform.groupware.errors import Throttled


@dataclass(frozen=True)
class LimitPolicy:
    max_in_flight: int = 4
    capacity: float = 1000.0  # burst
    rate: float = 15.0  # requests per second, sustained
    max_wait: float = 30.0  # longer waits become Throttled(retry_after)
    max_attempts: int = 5  # per request, for 429/503/5xx/network errors
    backoff_base: float = 0.5
    backoff_cap: float = 30.0


@dataclass
class RequestStats:
    requests: int = 0
    throttled: int = 0
    retries: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    max_in_flight: int = 0

    def add(self, outcome: str) -> None:
        self.requests += 1
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        if outcome == "throttled":
            self.throttled += 1


_STATS: contextvars.ContextVar[tuple[RequestStats, ...]] = contextvars.ContextVar("kontor_graph_stats", default=())


@contextlib.contextmanager
def counting() -> Iterator[RequestStats]:
    """Count the requests made inside this block (nested blocks all count)."""
    stats = RequestStats()
    token = _STATS.set(_STATS.get() + (stats,))
    try:
        yield stats
    finally:
        _STATS.reset(token)


def record(outcome: str) -> None:
    for stats in _STATS.get():
        stats.add(outcome)


def note_in_flight(count: int) -> None:
    """``count`` requests of this process are in flight to one mailbox now."""
    for stats in _STATS.get():
        stats.max_in_flight = max(stats.max_in_flight, count)


def record_retry() -> None:
    for stats in _STATS.get():
        stats.retries += 1


def full_jitter(attempt: int, base: float, cap: float) -> float:
    """AWS "full jitter": uniform in [0, min(cap, base·2^attempt)]."""
    return random.uniform(0, min(cap, base * (2 ** attempt)))


def retry_delay(attempt: int, retry_after: float | None, policy: LimitPolicy) -> float:
    """Never earlier than Retry-After; jitter on top spreads the clients that were told the same."""
    jitter = full_jitter(attempt, policy.backoff_base, policy.backoff_cap)
    return retry_after + jitter if retry_after is not None else jitter


class MailboxLimiter:
    def __init__(self, policy: LimitPolicy, *, clock=time.monotonic) -> None:
        self.policy = policy
        self._clock = clock
        self._slots = asyncio.Semaphore(policy.max_in_flight)
        self._tokens = policy.capacity
        self._stamp = clock()
        self._lock = asyncio.Lock()
        self._held_until = 0.0
        self.in_flight = 0
        self.max_seen = 0

    def hold_here(self, seconds: float) -> None:
        self._held_until = max(self._held_until, self._clock() + seconds)

    async def hold(self, seconds: float) -> None:
        """After a 429/503: no request to this mailbox before ``seconds`` are over."""
        self.hold_here(seconds)

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.policy.capacity, self._tokens + (now - self._stamp) * self.policy.rate)
        self._stamp = now

    async def take(self) -> None:
        """One unit of budget; waits (up to ``max_wait``) or raises :class:`Throttled`."""
        async with self._lock:
            while True:
                now = self._clock()
                held = self._held_until - now
                if held > 0:
                    if held > self.policy.max_wait:
                        raise Throttled("mailbox held after a throttled answer", retry_after=held, code="held")
                    await asyncio.sleep(held)
                    continue
                self._refill()
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                wait = (1 - self._tokens) / self.policy.rate if self.policy.rate > 0 else float("inf")
                if wait > self.policy.max_wait:
                    raise Throttled("per-mailbox request budget spent", retry_after=wait, code="budget")
                await asyncio.sleep(wait)

    @contextlib.asynccontextmanager
    async def slot(self):
        async with self._slots:
            self.in_flight += 1
            self.max_seen = max(self.max_seen, self.in_flight)
            for stats in _STATS.get():
                stats.max_in_flight = max(stats.max_in_flight, self.in_flight)
            try:
                yield
            finally:
                self.in_flight -= 1
