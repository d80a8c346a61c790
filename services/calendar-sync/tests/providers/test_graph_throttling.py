"""Throttling: Retry-After honoured, 4 in flight at most, the per-mailbox budget, metrics."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import httpx
import pytest
from prometheus_client import REGISTRY

from kontor.calendar_sync.providers.base import Throttled, TimeWindow
from kontor.calendar_sync.providers.graph import LimitPolicy
from kontor.emulators.graph.testing import event_body

from .conftest import make_provider

WINDOW = TimeWindow(datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC))


class CountingTransport(httpx.AsyncBaseTransport):
    """Measures requests in flight on the wire."""

    def __init__(self, verify) -> None:
        self.inner = httpx.AsyncHTTPTransport(verify=verify)
        self.in_flight = 0
        self.max_in_flight = 0
        self.sent = 0

    async def handle_async_request(self, request):
        self.in_flight += 1
        self.sent += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self.inner.handle_async_request(request)
        finally:
            self.in_flight -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()


def _metric(outcome: str) -> float:
    return REGISTRY.get_sample_value("kontor_calendar_sync_provider_requests_total",
                                     {"provider": "graph", "outcome": outcome}) or 0.0


async def test_injected_429_and_503_are_retried_after_retry_after(provider, tenant, outlook):
    made = outlook.create(event_body("x", "2025-04-01T09:00:00", "2025-04-01T10:00:00"))
    throttled_before = _metric("throttled")
    outlook.throttle(inject={"status": 429, "count": 2, "retryAfter": 1})
    started = time.monotonic()
    with provider.counting() as stats:
        got = await provider.get(tenant.upn, made["id"])
    assert got.remote_id == made["id"]
    assert time.monotonic() - started >= 2.0  # both Retry-After seconds waited out
    assert (stats.requests, stats.throttled, stats.retries) == (3, 2, 2)
    assert _metric("throttled") - throttled_before == 2

    outlook.throttle(inject={"status": 503, "count": 1, "retryAfter": 1})
    with provider.counting() as stats:
        await provider.get(tenant.upn, made["id"])
    assert stats.outcomes == {"throttled": 1, "ok": 1}


async def test_persistent_throttling_raises_throttled_with_the_wait(emulator, tenant, outlook):
    provider = make_provider(emulator, tenant, policy=LimitPolicy(max_attempts=2, backoff_base=0.01, max_wait=5))
    try:
        outlook.throttle(inject={"status": 429, "count": 10, "retryAfter": 1})
        with pytest.raises(Throttled) as err:
            await provider.delta(tenant.upn, WINDOW, None)
        assert err.value.status == 429 and err.value.retry_after >= 1
        outlook.throttle(inject={"status": 429, "count": 1, "retryAfter": 120})  # longer than we wait in-process
        started = time.monotonic()
        with pytest.raises(Throttled) as err:
            await provider.delta(tenant.upn, WINDOW, None)
        assert err.value.retry_after >= 120 and time.monotonic() - started < 5
        with pytest.raises(Throttled) as err:  # the mailbox is held: no request goes out until then
            await provider.delta(tenant.upn, WINDOW, None)
        assert err.value.code == "held"
    finally:
        await provider.aclose()


async def test_never_more_than_four_in_flight_per_mailbox(emulator, tenant, outlook):
    made = [outlook.create(event_body(f"e{i}", "2025-04-01T09:00:00", "2025-04-01T10:00:00")) for i in range(12)]
    outlook.throttle(delayMs=150)
    transport = CountingTransport(emulator.ssl_context())
    provider = make_provider(emulator, tenant, transport=transport)
    try:
        with provider.counting() as stats:
            got = await asyncio.gather(*(provider.get(tenant.upn, m["id"]) for m in made))
        assert len(got) == 12
        assert transport.max_in_flight == 4 and stats.max_in_flight == 4
        assert stats.throttled == 0 and outlook.stats()["throttled"] == 0  # the server never had to say no
        assert transport.sent == 12
    finally:
        outlook.throttle(delayMs=0)
        await provider.aclose()


async def test_the_request_budget_per_mailbox(emulator, tenant, outlook):
    provider = make_provider(emulator, tenant, policy=LimitPolicy(capacity=3, rate=0.01, max_wait=1))
    other = f"bob@{tenant.domain}"
    tenant.add_mailbox(other)
    try:
        for _ in range(3):
            await provider.delta(tenant.upn, WINDOW, None, needs_links=False)
        with pytest.raises(Throttled) as err:
            await provider.delta(tenant.upn, WINDOW, None, needs_links=False)
        assert err.value.code == "budget" and err.value.retry_after > 1
        await provider.delta(other, WINDOW, None, needs_links=False)  # another mailbox has its own budget
    finally:
        await provider.aclose()
