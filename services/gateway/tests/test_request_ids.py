"""The request id travels: header in, header out, problem bodies, logs, gRPC metadata."""

import logging

import httpx
import pytest
from fastapi import APIRouter
from hypothesis import given, strategies as st

from kontor.gateway.edge.request_ids import RequestIdLogFilter, RequestIdMiddleware, accept, current
from kontor.platform import errors
from kontor.platform.http import create_app

visible_ascii = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=128)


@given(visible_ascii)
def test_a_valid_caller_id_is_kept(value):
    assert accept(value) == value


@given(st.text(max_size=300).filter(lambda v: not v or len(v) > 128 or any(not "!" <= c <= "~" for c in v)))
def test_an_invalid_caller_id_is_replaced_by_a_fresh_one(value):
    replaced = accept(value)
    assert replaced != value and len(replaced) == 32 and all(c in "0123456789abcdef" for c in replaced)


def _app():
    app = create_app(service="test-gateway", title="t")
    router = APIRouter()
    seen = {}

    @router.get("/missing")
    async def missing():
        raise errors.NotFound("no such thing")

    @router.get("/broken")
    async def broken():
        raise RuntimeError("boom")

    @router.get("/fine")
    async def fine():
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
        RequestIdLogFilter().filter(record)
        seen["log"] = record.request_id
        return {"id": current()}

    app.include_router(router)
    app.add_middleware(RequestIdMiddleware)
    return app, seen


@pytest.fixture
async def client():
    app, seen = _app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                                 base_url="http://gw") as c:
        c.seen = seen
        yield c


async def test_the_callers_id_is_echoed_and_visible_to_handlers_and_logs(client):
    response = await client.get("/fine", headers={"X-Request-Id": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    assert response.json() == {"id": "abc-123"} and client.seen["log"] == "abc-123"


async def test_problems_carry_the_id_in_the_body(client):
    response = await client.get("/missing", headers={"X-Request-Id": "req-7"})
    assert response.status_code == 404 and response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["request_id"] == "req-7" == response.headers["x-request-id"]
    assert int(response.headers["content-length"]) == len(response.content)


async def test_unmatched_routes_and_crashes_carry_a_generated_id(client):
    for path, status in (("/nowhere", 404), ("/broken", 500)):
        response = await client.get(path, headers={"X-Request-Id": "bad id with spaces"})
        generated = response.headers["x-request-id"]
        assert response.status_code == status and len(generated) == 32
        assert response.json()["request_id"] == generated
    assert "boom" not in response.text


async def test_health_answers_carry_an_id_too(client):
    assert len((await client.get("/healthz")).headers["x-request-id"]) == 32
