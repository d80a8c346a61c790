"""The REST edge of a connector's sync: what the OpenAPI document promises for "sync now", and that the route
asks calendar-sync's RunSyncNow for the connector in the path (the rules are calendar-sync's; the real stack
is in tests/integration/test_sync_scenarios_*.py)."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from fastapi import FastAPI
from fastapi.testclient import TestClient

from kontor.platform.http import _install_problem_handlers

from kontor.gateway import sync_api
from kontor.protos.calendar.v1 import sync_pb2 as pb

RUN = "/api/v1/connectors/{connector_id}/sync/run"


class _Sync:
    def __init__(self):
        self.requests: list = []

    async def RunSyncNow(self, request, **_):  # noqa: N802 - the gRPC method's name
        self.requests.append(request)
        return pb.SyncHealth(connector_id=request.connector_id, state="syncing", reasons=["state syncing"])


def _app(stubs) -> FastAPI:
    app = FastAPI()
    _install_problem_handlers(app)  # what every service app gets: errors as problem+json
    app.include_router(sync_api.router(lambda: stubs))
    return app


def test_openapi_documents_sync_now_with_its_problems():
    paths = _app(SimpleNamespace(sync=_Sync())).openapi()["paths"]
    run = paths[RUN]["post"]
    assert set(run["responses"]) >= {"202", "403", "422"}
    assert "Sync now" in run["summary"] and "in progress" in run["description"]
    assert [p["name"] for p in run["parameters"]] == ["connector_id"]


def test_sync_now_answers_202_with_the_current_health():
    stubs = SimpleNamespace(sync=_Sync())
    connector_id = str(uuid.uuid4())
    response = TestClient(_app(stubs)).post(RUN.format(connector_id=connector_id))
    assert response.status_code == 202, response.text
    assert response.json()["connector_id"] == connector_id and response.json()["state"] == "syncing"
    assert [r.connector_id for r in stubs.sync.requests] == [connector_id]


def test_a_malformed_connector_id_is_refused_before_calendar_sync_is_asked():
    stubs = SimpleNamespace(sync=_Sync())
    response = TestClient(_app(stubs)).post(RUN.format(connector_id="not-a-uuid"))
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["connector_id"]
    assert stubs.sync.requests == []
