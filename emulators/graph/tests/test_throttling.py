"""Per-mailbox throttling: request budget, concurrency, injected 429/503, all with Retry-After."""

from __future__ import annotations

import asyncio

import httpx


def test_budget_spent_answers_429_with_retry_after(graph, tenant):
    tenant.control.put(f"/mailboxes/{tenant.upn}/throttle", json={"budget": 3, "windowSeconds": 30})
    codes = [graph.get("/events").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = graph.get("/events")
    assert r.status_code == 429
    assert 1 <= int(r.headers["Retry-After"]) <= 30
    error = r.json()["error"]
    assert error["code"] == "activityLimitReached" and "request-id" in error["innerError"]
    stats = tenant.control.get(f"/mailboxes/{tenant.upn}/stats").json()
    assert stats["served"] == 3 and stats["throttled"] == 2


def test_budget_is_per_mailbox(graph, tenant):
    other = f"bob@{tenant.domain}"
    tenant.add_mailbox(other)
    tenant.control.put(f"/mailboxes/{tenant.upn}/throttle", json={"budget": 1})
    assert graph.get("/events").status_code == 200
    assert graph.get("/events").status_code == 429
    with tenant.graph(other) as bob:
        assert bob.get("/events").status_code == 200


async def test_more_than_four_concurrent_requests_are_throttled(tenant):
    tenant.control.put(f"/mailboxes/{tenant.upn}/throttle", json={"delayMs": 400})
    token = tenant.token()["access_token"]
    async with httpx.AsyncClient(base_url=f"{tenant.emulator.base_url}/v1.0/users/{tenant.upn}",
                                 verify=tenant.emulator.ssl_context(), headers={"Authorization": f"Bearer {token}"},
                                 timeout=30) as client:
        responses = await asyncio.gather(*(client.get("/events") for _ in range(7)))
    codes = sorted(r.status_code for r in responses)
    assert codes.count(200) == 4 and codes.count(429) == 3
    throttled = next(r for r in responses if r.status_code == 429)
    assert throttled.json()["error"] == {**throttled.json()["error"], "code": "ApplicationThrottled",
                                         "message": "Application is over its MailboxConcurrency limit."}
    assert int(throttled.headers["Retry-After"]) >= 1


def test_injected_throttling_then_recovery(graph, tenant):
    tenant.control.put(f"/mailboxes/{tenant.upn}/throttle", json={"inject": {"status": 429, "count": 2, "retryAfter": 7}})
    first, second, third = (graph.get("/events") for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (429, 429, 200)
    assert first.headers["Retry-After"] == "7"
    tenant.control.put(f"/mailboxes/{tenant.upn}/throttle", json={"inject": {"status": 503, "count": 1, "retryAfter": 2}})
    r = graph.get("/events")
    assert r.status_code == 503 and r.headers["Retry-After"] == "2"
    assert graph.get("/events").status_code == 200
