"""The per-mailbox limits of ``limits.py``, shared by every Celery worker and process through Redis.

Graph counts per app registration and mailbox, whoever sends: two workers syncing the same mailbox (a beat
run and a hand-triggered one, a push and a poll) must share 4 slots and one budget, or together they earn
the 429s we set out to avoid. So the key is (app's Azure tenant, client id, mailbox), hashed:

* in flight: :class:`~kontor.platform.redis_limits.LeaseSemaphore`, ``max_in_flight`` slots. A request holds
  a lease of ``LEASE_S`` and renews it every third of that while it runs; a worker killed mid-request frees
  its slot when the lease lapses. Waiting for a slot longer than ``max_wait`` becomes :class:`Throttled`;
* budget: :class:`~kontor.platform.redis_limits.TokenBucket` with the policy's ``capacity`` and ``rate``;
* a 429/503's ``Retry-After`` holds the mailbox for every worker (the bucket's hold key).

If Redis cannot be reached the mailbox falls back to this process's own :class:`MailboxLimiter` (logged):
limits per process are weaker, but the work keeps going and Graph's own 429s still get the backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

from redis.asyncio import Redis
from redis.exceptions import RedisError

from kontor.platform.groupware.errors import Throttled
from kontor.platform.groupware.graph.limits import LimitPolicy, MailboxLimiter, note_in_flight
from kontor.platform.redis_limits import LeaseSemaphore, TokenBucket, hashed

log = logging.getLogger(__name__)

# One namespace for every service: Graph's Outlook limits count per app registration and mailbox across mail,
# calendar and contacts requests, so calendar-sync's and mail-import's requests to one mailbox (same app) must
# share slots and budget. The value predates the move to the platform and is kept so existing keys still count.
NAMESPACE = "kontor:calendar-sync:graph"
LEASE_S = 30.0
POLL_MIN_S, POLL_MAX_S = 0.02, 0.25  # how often a waiting request asks for a slot again


class SharedMailboxLimiter:
    """Same interface as :class:`MailboxLimiter` (``take``, ``slot``, ``hold``), counted in Redis."""

    def __init__(self, name: str, slots: LeaseSemaphore, budget: TokenBucket, policy: LimitPolicy,
                 fallback: MailboxLimiter, *, sleep=asyncio.sleep) -> None:
        self.name = name
        self.policy = policy
        self._slots = slots
        self._budget = budget
        self._fallback = fallback
        self._sleep = sleep
        self.in_flight = 0  # this process's share, for stats
        self.max_seen = 0

    def _unavailable(self, exc: Exception, what: str) -> None:
        log.warning("graph limits counted per process: redis unavailable",
                    extra={"what": what, "error": type(exc).__name__})

    async def take(self) -> None:
        """One unit of the mailbox's budget; waits (up to ``max_wait``) or raises :class:`Throttled`."""
        waited = 0.0
        while True:
            try:
                answer = await self._budget.take(self.name)
            except RedisError as exc:
                self._unavailable(exc, "budget")
                return await self._fallback.take()
            if answer.taken:
                return
            if waited + answer.wait_s > self.policy.max_wait:
                if answer.held:
                    raise Throttled("mailbox held after a throttled answer", retry_after=answer.wait_s, code="held")
                raise Throttled("per-mailbox request budget spent", retry_after=answer.wait_s, code="budget")
            await self._sleep(answer.wait_s)
            waited += answer.wait_s

    async def hold(self, seconds: float) -> None:
        self._fallback.hold_here(seconds)  # this process stops at once, whatever Redis says
        try:
            await self._budget.hold(self.name, seconds)
        except RedisError as exc:
            self._unavailable(exc, "hold")

    @contextlib.asynccontextmanager
    async def slot(self):
        holder = LeaseSemaphore.holder()
        try:
            await self._acquire(holder)
            shared = True
        except RedisError as exc:
            self._unavailable(exc, "slots")
            shared = False
        if not shared:
            async with self._fallback.slot():
                yield
            return
        renewing = asyncio.create_task(self._keep(holder))
        self.in_flight += 1
        self.max_seen = max(self.max_seen, self.in_flight)
        note_in_flight(self.in_flight)
        try:
            yield
        finally:
            self.in_flight -= 1
            renewing.cancel()
            try:
                await self._slots.release(self.name, holder)
            except RedisError as exc:  # the lease lapses by itself
                self._unavailable(exc, "release")

    async def _acquire(self, holder: str) -> None:
        waited, poll = 0.0, POLL_MIN_S
        while True:
            lapse = await self._slots.try_acquire(self.name, holder)
            if lapse == 0:
                return
            if waited >= self.policy.max_wait:
                raise Throttled("all request slots of the mailbox are busy", retry_after=lapse, code="in_flight")
            pause = min(poll, lapse) * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not crypto
            await self._sleep(pause)
            waited += pause
            poll = min(poll * 2, POLL_MAX_S)

    async def _keep(self, holder: str) -> None:
        """Renew the lease while the request runs (a long download must not lose its slot)."""
        while True:
            await asyncio.sleep(LEASE_S / 3)
            try:
                if not await self._slots.renew(self.name, holder):
                    log.warning("graph request slot lapsed while in use", extra={"mailbox_key": self.name[:8]})
                    return
            except RedisError as exc:
                self._unavailable(exc, "renew")


class RedisLimits:
    """Makes the limiter of each mailbox of one app registration; one per provider client."""

    def __init__(self, redis: Redis, *, namespace: str = NAMESPACE, lease_s: float = LEASE_S) -> None:
        self.redis = redis
        self.namespace = namespace
        self.lease_s = lease_s

    def limiter(self, app: str, mailbox: str, policy: LimitPolicy) -> SharedMailboxLimiter:
        slots = LeaseSemaphore(self.redis, namespace=self.namespace, limit=policy.max_in_flight, lease_s=self.lease_s)
        budget = TokenBucket(self.redis, namespace=self.namespace, capacity=policy.capacity,
                             rate=max(policy.rate, 1e-9))
        return SharedMailboxLimiter(hashed(app, mailbox.lower()), slots, budget, policy, MailboxLimiter(policy))


@contextlib.asynccontextmanager
async def redis_limits(url: str):
    """Shared limits on a Redis client of their own for one task run (Celery runs each in a fresh event loop)."""
    redis = Redis.from_url(url)
    try:
        yield RedisLimits(redis)
    finally:
        await redis.aclose()
