"""GraphHttp: Graph's answers mapped to the groupware errors, retries after 401/429/5xx, and request metrics named
per service. Graph itself is an httpx MockTransport here (the emulator runs in the services' provider tests)."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client import REGISTRY

from kontor.platform.groupware import errors
from kontor.platform.groupware.graph.http import GraphHttp, user_path
from kontor.platform.groupware.graph.limits import LimitPolicy, counting
from kontor.platform.groupware.metrics import provider_metrics

POLICY = LimitPolicy(max_attempts=3, max_wait=60)


class Tokens:
    """A TokenSource stand-in: 'token-1', and a new one each time a refresh is forced."""

    def __init__(self) -> None:
        self.issued = 1

    async def token(self, *, force: bool = False, failed: str | None = None) -> str:
        if force:
            self.issued += 1
        return f"token-{self.issued}"


def graph(*answers: httpx.Response | type[Exception], service: str = "calendar_sync"):
    """A GraphHttp whose server gives ``answers`` in turn (the last one again); records requests and sleeps."""
    seen: list[httpx.Request] = []
    slept: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers[min(len(seen), len(answers)) - 1]
        if isinstance(answer, type):
            raise answer("boom", request=request)
        return answer

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    http = GraphHttp(Tokens(), service=service, policy=POLICY, transport=httpx.MockTransport(handler), sleep=sleep)
    return http, seen, slept


def error(status: int, code: str, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": "nope"}}, headers=headers)


@pytest.mark.parametrize(("status", "code", "raised"), [
    (403, "ErrorAccessDenied", errors.NeedsReauthorisation),
    (404, "ErrorItemNotFound", errors.NotFound),
    (410, "SyncStateNotFound", errors.CursorExpired),
    (412, "ErrorIrresolvableConflict", errors.PreconditionFailed),
    (400, "ErrorInvalidRequest", errors.InvalidRequest),
    (501, "NotImplemented", errors.TransientError),
])
async def test_refusals_become_typed_errors_without_retries(status, code, raised):
    http, seen, _ = graph(error(status, code))
    with pytest.raises(raised) as err:
        await http.request("anna@example.com", "GET", f"{user_path('anna@example.com')}/events/AAMk?$select=subject")
    assert (err.value.status, err.value.code) == (status, code)
    assert "$select" not in str(err.value)  # the path, never the query
    assert len(seen) == 1
    await http.aclose()


async def test_a_401_gets_one_fresh_token_and_one_retry():
    http, seen, _ = graph(error(401, "InvalidAuthenticationToken"), httpx.Response(200, json={"value": []}))
    response = await http.request("anna@example.com", "GET", "/users/anna@example.com/events")
    assert response.status_code == 200
    assert [r.headers["Authorization"] for r in seen] == ["Bearer token-1", "Bearer token-2"]
    await http.aclose()


async def test_a_second_401_needs_reauthorisation():
    http, seen, _ = graph(error(401, "InvalidAuthenticationToken"))
    with pytest.raises(errors.NeedsReauthorisation):
        await http.request("anna@example.com", "GET", "/users/anna@example.com/events")
    assert len(seen) == 2
    await http.aclose()


async def test_429_waits_retry_after_then_succeeds():
    http, seen, slept = graph(error(429, "TooManyRequests", **{"Retry-After": "2"}), httpx.Response(200, json={}))
    with counting() as stats:
        await http.request("anna@example.com", "GET", "/users/anna@example.com/events")
    assert len(seen) == 2 and len(slept) == 1 and slept[0] >= 2.0
    assert (stats.requests, stats.throttled, stats.retries) == (2, 1, 1)
    await http.aclose()


async def test_persistent_throttling_raises_throttled_with_the_wait():
    http, seen, _ = graph(error(503, "ServiceUnavailable", **{"Retry-After": "120"}))
    with pytest.raises(errors.Throttled) as err:
        await http.request("anna@example.com", "GET", "/users/anna@example.com/events")
    assert err.value.retry_after >= 120 and len(seen) == 1  # longer than max_wait: not waited in-process
    await http.aclose()


async def test_server_errors_and_network_failures_are_retried_then_transient():
    http, seen, slept = graph(httpx.ConnectError, error(502, "BadGateway"), error(504, "GatewayTimeout"))
    with pytest.raises(errors.TransientError):
        await http.request("anna@example.com", "GET", "/users/anna@example.com/events")
    assert len(seen) == POLICY.max_attempts and len(slept) == POLICY.max_attempts - 1
    await http.aclose()


def _count(service: str, outcome: str) -> float:
    return REGISTRY.get_sample_value(f"kontor_{service}_provider_requests_total",
                                     {"provider": "graph", "outcome": outcome}) or 0.0


async def test_each_service_counts_its_requests_under_its_own_metric_names():
    before = {s: (_count(s, "ok"), _count(s, "client_error")) for s in ("calendar_sync", "mail_import")}
    calendar, _, _ = graph(httpx.Response(200, json={}), service="calendar_sync")
    mail, _, _ = graph(error(404, "ErrorItemNotFound"), service="mail_import")
    await calendar.request("anna@example.com", "GET", "/users/anna@example.com/events")
    with pytest.raises(errors.NotFound):
        await mail.request("anna@example.com", "GET", "/users/anna@example.com/messages/AAMk")
    assert _count("calendar_sync", "ok") == before["calendar_sync"][0] + 1
    assert _count("calendar_sync", "client_error") == before["calendar_sync"][1]
    assert _count("mail_import", "client_error") == before["mail_import"][1] + 1
    assert _count("mail_import", "ok") == before["mail_import"][0]
    assert REGISTRY.get_sample_value("kontor_mail_import_provider_request_duration_seconds_count",
                                     {"provider": "graph"}) >= 1
    assert provider_metrics("mail_import") is provider_metrics("mail_import")  # registered once per process
    await calendar.aclose()
    await mail.aclose()


@pytest.mark.parametrize("service", ["calendar-sync", "", "Mail", "kontor_x; drop"])
def test_a_service_name_that_is_no_metric_name_part_is_refused(service):
    with pytest.raises(ValueError):
        provider_metrics(service)
