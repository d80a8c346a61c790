"""Per-mailbox limits in one process: the token bucket waits or throttles, a 429's hold, retry delays, and
request accounting with ``counting()``. Time is a fake clock; sleeps advance it instead of waiting."""

from __future__ import annotations

import asyncio

import pytest

from kontor.platform.groupware.errors import Throttled
from kontor.platform.groupware.graph import limits
from kontor.platform.groupware.graph.limits import LimitPolicy, MailboxLimiter, counting, record, retry_delay

FAST = LimitPolicy(backoff_base=0.05, backoff_cap=0.2, max_wait=5.0)


class Clock:
    """Monotonic time that moves only when the limiter sleeps; the sleeps are recorded."""

    def __init__(self) -> None:
        # From 0 a 0.05 s sleep refills a whole token at 20/s; far from 0 rounding leaves it a hair short and
        # the fake sleeps would shrink below the clock's resolution.
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(limits.asyncio, "sleep", clock.sleep)
    return clock


async def test_budget_refills_and_waits_briefly(clock):
    limiter = MailboxLimiter(LimitPolicy(capacity=1, rate=20, max_wait=1), clock=clock)
    await limiter.take()
    await limiter.take()  # the bucket is empty: one token takes 1/20 s to come back
    assert clock.slept == [pytest.approx(0.05)]


async def test_a_wait_longer_than_max_wait_is_throttled_with_the_wait(clock):
    limiter = MailboxLimiter(LimitPolicy(capacity=1, rate=0.5, max_wait=1), clock=clock)
    await limiter.take()
    with pytest.raises(Throttled) as raised:
        await limiter.take()
    assert raised.value.code == "budget" and raised.value.retry_after == pytest.approx(2.0)
    assert clock.slept == []


async def test_a_hold_stops_the_mailbox_and_a_long_one_throttles(clock):
    limiter = MailboxLimiter(LimitPolicy(max_wait=10), clock=clock)
    await limiter.hold(3)
    await limiter.take()
    assert clock.slept == [pytest.approx(3.0)]
    await limiter.hold(60)
    with pytest.raises(Throttled) as raised:
        await limiter.take()
    assert raised.value.code == "held" and raised.value.retry_after == pytest.approx(60.0)


async def test_never_more_than_max_in_flight_slots():
    limiter = MailboxLimiter(LimitPolicy(max_in_flight=2))
    release = asyncio.Event()

    async def request():
        async with limiter.slot():
            await release.wait()

    tasks = [asyncio.create_task(request()) for _ in range(5)]
    for _ in range(5):
        await asyncio.sleep(0)
    assert limiter.in_flight == 2
    release.set()
    await asyncio.gather(*tasks)
    assert limiter.max_seen == 2 and limiter.in_flight == 0


def test_retry_delay_never_undercuts_retry_after():
    assert all(retry_delay(a, 3.0, FAST) >= 3.0 for a in range(6))
    assert all(0 <= retry_delay(a, None, FAST) <= FAST.backoff_cap for a in range(10))


def test_counting_blocks_nest_and_count_outcomes():
    record("ok")  # outside any block: counted nowhere
    with counting() as outer:
        record("ok")
        with counting() as inner:
            record("throttled")
    record("ok")
    assert (outer.requests, outer.throttled, outer.outcomes) == (2, 1, {"ok": 1, "throttled": 1})
    assert (inner.requests, inner.throttled) == (1, 1)
