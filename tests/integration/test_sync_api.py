"""Sync health and actions over the gateway (REST → gRPC → calendar-sync) on the real stack."""

from __future__ import annotations

import uuid

from tests.integration.test_companies_api import _problem
from tests.integration.test_connectors_api import _as, _server


def test_sync_health_resync_and_resume_of_your_own_connector(stack):
    tenant = uuid.uuid4()
    boss = _as(stack, tenant, "org_manager")
    server = _server(boss)
    rep = _as(stack, tenant, "sales_rep")
    created = rep.post("/me/connectors", json={"server_id": server["id"], "mailbox": rep.email})
    assert created.status_code == 201, created.text
    path = f"/connectors/{created.json()['id']}/sync"

    health = rep.get(path)
    assert health.status_code == 200, health.text
    body = health.json()
    assert body["state"] == "idle" and body["healthy"] is False  # never synced, never reconciled: not healthy
    assert "never synced" in body["reasons"] and body["reconciled"] is False

    resync = rep.post(path + "/resync")
    assert resync.status_code == 202, resync.text
    log = rep.get(path + "/log").json()["items"]
    assert [line["code"] for line in log] == ["resync_requested"]
    assert rep.get(path + "/conflicts").json() == {"items": []}
    assert rep.post(path + "/resume", json={"accept_deletions": True}).status_code == 202
    assert boss.get(path).status_code == 200  # managers see everyone's

    other = _as(stack, tenant, "sales_rep")
    _problem(other.get(path), 404)  # somebody else's connector
    _problem(_as(stack, uuid.uuid4(), "org_manager").get(path), 404)  # another tenant
    _problem(rep.get("/connectors/not-a-uuid/sync"), 422)
