"""Throttling: a 429/503 with Retry-After is waited out and the batch still arrives; persistent throttling
becomes Throttled with the wait (GraphHttp's behaviour, seen through the mail provider)."""

from __future__ import annotations

import pytest

from kontor.platform.groupware.errors import Throttled
from kontor.platform.groupware.graph import LimitPolicy, counting


async def test_retry_after_is_waited_out(provider, outlook):
    made = [outlook.deliver(subject=f"T{i}") for i in range(2)]
    inbox = await provider.resolve_folder("inbox")
    outlook.throttle(inject={"status": 429, "count": 2, "retryAfter": 1})
    with counting() as stats:
        batch = await provider.next_batch(inbox.id, None, 10)
    assert batch.done and {m.ref for m in batch.messages} == {m["immutableId"] for m in made}
    assert (stats.throttled, stats.retries) == (2, 2)
    assert stats.requests == 2 + 1 + len(made)  # two refused, the delta page, one $value per message

    outlook.throttle(inject={"status": 503, "count": 1, "retryAfter": 1})
    with counting() as stats:
        assert (await provider.count(inbox.id)).total == 2
    assert stats.outcomes == {"throttled": 1, "ok": 1}


async def test_persistent_throttling_raises_throttled(provider_with, outlook):
    outlook.deliver()
    async with provider_with(policy=LimitPolicy(max_attempts=2, backoff_base=0.01, max_wait=5)) as p:
        outlook.throttle(inject={"status": 429, "count": 10, "retryAfter": 120})  # longer than we wait in-process
        with pytest.raises(Throttled) as err:
            await p.next_batch("inbox", None, 10)
    assert err.value.status == 429 and err.value.retry_after >= 120
