"""problem+json, readiness and metrics of the HTTP app factory."""

from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from kontor.platform import errors
from kontor.platform.http import create_app


class Body(BaseModel):
    name: str = Field(min_length=1)


async def healthy():
    return None


async def broken():
    raise ConnectionError("db down")


def _client(checks):
    app = create_app(service="unit-http", title="t", readiness_checks=checks)
    router = APIRouter()

    @router.post("/things")
    async def create(body: Body):
        if body.name == "dup":
            raise errors.AlreadyExists("thing dup exists")
        if body.name == "bad":
            raise errors.InvalidArgument("name", "is reserved")
        if body.name == "boom":
            raise RuntimeError("secret internals")
        return {"ok": True}

    app.include_router(router)
    return TestClient(app, raise_server_exceptions=False)


def test_validation_errors_name_the_field():
    response = _client({}).post("/things", json={"name": ""})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "name"


def test_domain_errors_are_problem_json():
    client = _client({})
    assert client.post("/things", json={"name": "dup"}).json()["status"] == 409
    bad = client.post("/things", json={"name": "bad"}).json()
    assert bad["errors"] == [{"field": "name", "reason": "is reserved"}]
    boom = client.post("/things", json={"name": "boom"})
    assert boom.status_code == 500 and "secret" not in boom.text


def test_readiness_reports_the_failing_check():
    assert _client({"db": healthy}).get("/readyz").json()["status"] == "ready"
    response = _client({"db": broken, "nats": healthy}).get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"db": "failing"}


def test_metrics_use_route_templates():
    client = _client({})
    client.post("/things", json={"name": "x"})
    assert 'unit_http_http_requests_total{method="POST",route="/things",status="200"}' in client.get("/metrics").text


def test_openapi_documents_the_problem_schema():
    schema = _client({}).get("/openapi.json").json()
    assert "Problem" in schema["components"]["schemas"]


def test_a_body_that_is_not_json_names_the_body_not_a_character_offset():
    response = _client({}).post("/things", content=b'{"name": x}', headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"


def test_an_unparsable_body_answers_a_documented_400():
    client = _client({})
    response = client.post("/things", content=b"\xff\xfe{", headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"
    operations = client.get("/openapi.json").json()["paths"]
    assert "400" in operations["/things"]["post"]["responses"]
    assert "400" not in operations["/healthz"]["get"]["responses"]  # no body, nothing to parse
