"""The per-mailbox limits held across workers: two provider clients (as two Celery workers would have, each with
its own Redis connection) share 4 slots, one request budget and a 429's hold, through a real redis-server."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from redis.asyncio import Redis

from kontor.devstack.ports import free_port
from kontor.devstack.testing import redis_server
from kontor.emulators.graph.testing import event_body
from kontor.platform.groupware.graph.shared_limits import RedisLimits, redis_limits
from kontor.platform.redis_limits import LeaseSemaphore

from kontor.calendar_sync.providers.base import Throttled, TimeWindow
from kontor.calendar_sync.providers.graph import LimitPolicy

from .conftest import FAST, make_provider

WINDOW = TimeWindow(datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
async def workers(redis_url):
    """Two workers' limits: separate Redis clients, one shared namespace (fresh per test)."""
    namespace = f"test:{uuid.uuid4().hex}"
    clients = [Redis.from_url(redis_url) for _ in range(2)]
    yield [RedisLimits(client, namespace=namespace) for client in clients]
    for client in clients:
        await client.aclose()


class Wire:
    """Requests in flight on the wire, summed over every transport that reports here."""

    def __init__(self) -> None:
        self.in_flight = self.max_in_flight = self.sent = 0


class CountingTransport(httpx.AsyncBaseTransport):
    def __init__(self, verify, wire: Wire) -> None:
        self.inner = httpx.AsyncHTTPTransport(verify=verify)
        self.wire = wire

    async def handle_async_request(self, request):
        self.wire.in_flight += 1
        self.wire.sent += 1
        self.wire.max_in_flight = max(self.wire.max_in_flight, self.wire.in_flight)
        try:
            return await self.inner.handle_async_request(request)
        finally:
            self.wire.in_flight -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()


def _two(emulator, tenant, wire: Wire, limits: list[RedisLimits | None], policy: LimitPolicy = FAST):
    return [make_provider(emulator, tenant, policy=policy, transport=CountingTransport(emulator.ssl_context(), wire),
                          limits=lim) for lim in limits]


async def _get_all(providers, upn: str, ids: list[str], *, may_fail: bool = False) -> None:
    await asyncio.gather(*(p.get(upn, event_id) for p in providers for event_id in ids), return_exceptions=may_fail)


async def test_two_workers_never_have_more_than_four_requests_in_flight_together(emulator, tenant, outlook, workers):
    made = [outlook.create(event_body(f"e{i}", "2025-04-01T09:00:00", "2025-04-01T10:00:00"))["id"]
            for i in range(10)]
    outlook.throttle(delayMs=150)
    wire = Wire()
    providers = _two(emulator, tenant, wire, workers)
    try:
        await _get_all(providers, tenant.upn, made)
    finally:
        outlook.throttle(delayMs=0)
        for p in providers:
            await p.aclose()
    assert wire.sent == 20 and wire.max_in_flight == 4
    assert outlook.stats()["throttled"] == 0  # Graph never had to refuse one


async def test_limits_per_process_alone_let_two_workers_overrun_the_mailbox(emulator, tenant, outlook):
    """Why the limits live in Redis: each process keeping its own 4 gives Graph 8 at once, and 429s."""
    made = [outlook.create(event_body(f"e{i}", "2025-04-01T09:00:00", "2025-04-01T10:00:00"))["id"]
            for i in range(10)]
    outlook.throttle(delayMs=150)
    wire = Wire()
    providers = _two(emulator, tenant, wire, [None, None])
    try:
        await _get_all(providers, tenant.upn, made, may_fail=True)  # some may run out of retries
    finally:
        outlook.throttle(delayMs=0)
        for p in providers:
            await p.aclose()
    assert wire.max_in_flight > 4 and outlook.stats()["throttled"] > 0


async def test_the_request_budget_is_one_for_all_workers(emulator, tenant, outlook, workers):
    policy = LimitPolicy(capacity=3, rate=0.01, max_wait=1)
    first, second = _two(emulator, tenant, Wire(), workers, policy=policy)
    other = f"bob@{tenant.domain}"
    tenant.add_mailbox(other)
    try:
        await first.delta(tenant.upn, WINDOW, None, needs_links=False)
        await first.delta(tenant.upn, WINDOW, None, needs_links=False)
        await second.delta(tenant.upn, WINDOW, None, needs_links=False)
        for worker in (first, second):
            with pytest.raises(Throttled) as err:
                await worker.delta(tenant.upn, WINDOW, None, needs_links=False)
            assert err.value.code == "budget" and err.value.retry_after > 1
        await second.delta(other, WINDOW, None, needs_links=False)  # another mailbox has its own budget
    finally:
        await first.aclose()
        await second.aclose()


async def test_a_429_holds_the_mailbox_for_every_worker(emulator, tenant, outlook, workers):
    policy = LimitPolicy(max_attempts=2, backoff_base=0.01, max_wait=5)
    first, second = _two(emulator, tenant, Wire(), workers, policy=policy)
    try:
        outlook.throttle(inject={"status": 429, "count": 1, "retryAfter": 120})
        with pytest.raises(Throttled) as err:
            await first.delta(tenant.upn, WINDOW, None)
        assert err.value.retry_after >= 120
        served = outlook.stats()["served"]
        with pytest.raises(Throttled) as err:  # the other worker has not seen the 429 itself
            await second.delta(tenant.upn, WINDOW, None)
        assert err.value.code == "held" and err.value.retry_after > 100
        assert outlook.stats()["served"] == served  # and sent nothing
    finally:
        await first.aclose()
        await second.aclose()


async def test_slots_of_a_worker_that_died_lapse(redis_url, emulator, tenant, outlook):
    namespace = f"test:{uuid.uuid4().hex}"
    async with redis_limits(redis_url) as limits:
        limits.namespace, limits.lease_s = namespace, 0.5
        made = outlook.create(event_body("x", "2025-04-01T09:00:00", "2025-04-01T10:00:00"))
        provider = make_provider(emulator, tenant, limits=limits)
        limiter = provider.http.limiter(tenant.upn)
        dead = LeaseSemaphore(limits.redis, namespace=namespace, limit=4, lease_s=0.5)
        for _ in range(4):  # a worker killed with 4 requests in flight: never released
            assert await dead.try_acquire(limiter.name, dead.holder()) == 0
        assert await dead.try_acquire(limiter.name, dead.holder()) > 0  # full
        try:
            got = await provider.get(tenant.upn, made["id"])  # waits for the dead leases to lapse
        finally:
            await provider.aclose()
        assert got.remote_id == made["id"]
        assert await dead.holders(limiter.name) == 0  # ours released, the dead ones dropped


async def test_without_redis_each_process_keeps_its_own_limits(emulator, tenant, outlook):
    async with redis_limits(f"redis://127.0.0.1:{free_port()}/0") as limits:  # nobody listens there
        made = outlook.create(event_body("x", "2025-04-01T09:00:00", "2025-04-01T10:00:00"))
        provider = make_provider(emulator, tenant, limits=limits)
        try:
            got = await provider.get(tenant.upn, made["id"])
        finally:
            await provider.aclose()
    assert got.remote_id == made["id"]
