"""Graph's webhook: the validation echo, forwarding with the gateway's service token, the per-subscription limit,
bad bodies, and 503 when calendar-sync cannot take the notifications (so Graph retries)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import httpx
import pytest

from kontor.platform import errors
from kontor.platform.http import create_app

from kontor.gateway import webhooks_api
from kontor.gateway.edge.limits import UNLIMITED_PREFIXES

PATH = "/api/v1/webhooks/graph"


@dataclass
class FakeNotifications:
    calls: list = field(default_factory=list)
    fail: Exception | None = None

    async def DeliverGraphNotifications(self, request, **kwargs):  # noqa: N802 - the stub's name
        if self.fail is not None:
            raise self.fail
        self.calls.append((request, kwargs))
        from kontor.protos.calendar.v1 import notifications_pb2 as pb  # noqa: PLC0415

        return pb.DeliverGraphNotificationsResponse(accepted=len(request.notifications))


class FakeIssuer:
    def __init__(self) -> None:
        self.issued: list[dict] = []

    def issue(self, **claims) -> str:
        self.issued.append(claims)
        return "service-token"


@dataclass
class Settings:
    graph_webhook_notifications_per_subscription: int = 3
    graph_webhook_window_s: int = 60


class _Upstreams:
    def __init__(self, stub) -> None:
        self.graph_notifications = stub


class _Runtime:
    def __init__(self, redis) -> None:
        self.stub = FakeNotifications()
        self.issuer = FakeIssuer()
        self.settings = Settings()
        self.extras = {"upstreams": _Upstreams(self.stub), "redis": redis, "issuer": self.issuer}


@pytest.fixture
async def gateway(redis):
    rt = _Runtime(redis)
    app = create_app(service="gateway-test", title="test")
    for router in webhooks_api.routers(rt):
        app.include_router(router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        yield rt, client, app


def _note(sub: str = "sub-1", **extra) -> dict:
    return {"subscriptionId": sub, "clientState": "secret", "changeType": "updated", "tenantId": "t-1",
            "resource": "Users/u/Events/e", "subscriptionExpirationDateTime": "2030-01-01T00:00:00Z"} | extra


async def test_validation_echoes_the_decoded_token_as_plain_text(gateway):
    rt, client, _ = gateway
    r = await client.post(PATH, params={"validationToken": "Validation: <b>x</b> & y"},
                          headers={"Content-Type": "text/plain; charset=utf-8"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain") and r.text == "Validation: <b>x</b> & y"
    assert rt.stub.calls == []


async def test_notifications_are_forwarded_with_the_gateways_service_token(gateway):
    rt, client, _ = gateway
    r = await client.post(PATH, json={"value": [_note("a"), _note("b", changeType=None,
                                                                    lifecycleEvent="subscriptionRemoved")]})
    assert r.status_code == 202 and r.content == b""
    [(request, kwargs)] = rt.stub.calls
    assert [(n.subscription_id, n.client_state, n.change_type, n.lifecycle_event, n.azure_tenant_id)
            for n in request.notifications] == [("a", "secret", "updated", "", "t-1"),
                                                 ("b", "secret", "", "subscriptionRemoved", "t-1")]
    assert kwargs["metadata"] == (("authorization", "Bearer service-token"),)
    assert rt.issuer.issued[-1] | {"ttl_s": None} == {"subject": "service:gateway", "tenant_id": uuid.UUID(int=0),
                                                      "roles": ["service"], "ttl_s": None}


@pytest.mark.parametrize(("body", "field"), [
    (b"not json", "body"),
    (b'{"value": [{"clientState": "x"}]}', "value.0.subscriptionId"),
    (b'{"value": "nope"}', "value"),
    # nothing that is not an id goes further in (the fuzzer once sent a NUL and made calendar-sync's call fail)
    (b'{"value": [{"subscriptionId": "s-1\\u0000"}]}', "value.0.subscriptionId"),
    (b'{"value": [{"subscriptionId": "\\ud83d-1"}]}', "body"),  # an unpaired surrogate is no JSON text
    (b'{"value": [{"subscriptionId": "s-1", "clientState": "a\\u0000b"}]}', "value.0.clientState"),
    (b'{"value": [{"subscriptionId": "s-1", "changeType": "exploded"}]}', "value.0.changeType"),
])
async def test_a_bad_body_answers_a_problem_naming_the_field(gateway, body, field):
    rt, client, _ = gateway
    r = await client.post(PATH, content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert field in r.text
    assert rt.stub.calls == []


async def test_change_notifications_are_limited_per_subscription(gateway):
    rt, client, _ = gateway
    for _ in range(2):
        await client.post(PATH, json={"value": [_note("busy"), _note("busy"), _note("quiet")]})
    removed = _note("busy", changeType=None, lifecycleEvent="missed")
    assert (await client.post(PATH, json={"value": [removed]})).status_code == 202
    forwarded = [n.subscription_id + (":" + n.lifecycle_event if n.lifecycle_event else "")
                 for request, _ in rt.stub.calls for n in request.notifications]
    assert forwarded.count("busy") == 3  # the limit; the fourth was acknowledged and dropped
    assert forwarded.count("quiet") == 2 and forwarded.count("busy:missed") == 1  # lifecycle always passes


async def test_unavailable_calendar_sync_answers_503_so_graph_retries(gateway):
    rt, client, _ = gateway
    rt.stub.fail = errors.Unavailable("down")
    r = await client.post(PATH, json={"value": [_note()]})
    assert r.status_code == 503 and r.headers["content-type"].startswith("application/problem+json")
    assert "secret" not in r.text


async def test_openapi_documents_the_webhook(gateway):
    _, _, app = gateway
    operation = app.openapi()["paths"][PATH]["post"]
    assert {"200", "202", "422", "503"} <= set(operation["responses"])
    assert "requestBody" in operation and PATH.startswith(UNLIMITED_PREFIXES)
