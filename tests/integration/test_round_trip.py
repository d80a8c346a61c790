"""Gateway REST -> contacts gRPC -> event -> billing consumer -> visible through the gateway."""

from __future__ import annotations

import uuid

import httpx

from tests.integration.helpers import poll as _poll


def test_company_created_through_gateway_reaches_billing(stack):
    tenant = uuid.uuid4()
    headers = {"Authorization": f"Bearer {stack.token(tenant)}"}
    gateway = stack.http("gateway")

    created = httpx.post(f"{gateway}/api/v1/companies", headers=headers,
                         json={"name": "Muster GmbH", "kind": "customer", "city": "Berlin"})
    assert created.status_code == 201, created.text
    company = created.json()
    assert company["name"] == "Muster GmbH" and company["kind"] == "customer" and company["version"] == 1
    assert created.headers["Location"] == f"/api/v1/companies/{company['id']}"

    fetched = httpx.get(f"{gateway}/api/v1/companies/{company['id']}", headers=headers)
    assert fetched.status_code == 200 and fetched.json()["id"] == company["id"]

    def client_visible():
        response = httpx.get(f"{gateway}/api/v1/billing/clients/{company['id']}", headers=headers)
        return response.json() if response.status_code == 200 else None

    client = _poll(client_visible)
    assert client == {"company_id": company["id"], "name": "Muster GmbH", "recorded_at": client["recorded_at"]}
    listed = httpx.get(f"{gateway}/api/v1/billing/clients", headers=headers).json()
    assert [c["company_id"] for c in listed["items"]] == [company["id"]]


def test_gateway_rejects_missing_and_forged_tokens(stack):
    gateway = stack.http("gateway")
    missing = httpx.get(f"{gateway}/api/v1/companies")
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    forged = httpx.get(f"{gateway}/api/v1/companies", headers={"Authorization": "Bearer abc.def.ghi"})
    assert forged.status_code == 401


def test_bad_input_is_problem_json_naming_the_field(stack):
    headers = {"Authorization": f"Bearer {stack.token(uuid.uuid4())}"}
    response = httpx.post(f"{stack.http('gateway')}/api/v1/companies", headers=headers,
                          json={"name": "", "kind": "customer"})
    assert response.status_code == 422
    body = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert body["errors"][0]["field"] == "name"


def test_every_service_is_ready_and_exposes_metrics(stack):
    for name in stack.topology.service_names:
        assert httpx.get(f"{stack.http(name)}/readyz").json()["status"] == "ready"
        metrics = httpx.get(f"{stack.http(name)}/metrics").text
        assert f"{name.replace('-', '_')}_http_requests_total" in metrics
