"""The REST edge of companies and persons: If-Match parsing, path ids and what the OpenAPI document promises."""

import uuid

import pytest
from fastapi import FastAPI
from hypothesis import given, strategies as st
from starlette.exceptions import HTTPException

from kontor.gateway import contacts_api
from kontor.gateway.contacts_api.http_edge import expected_version, path_id
from kontor.platform.errors import InvalidArgument


@given(version=st.integers(min_value=1, max_value=2**62), weak=st.booleans())
def test_if_match_carries_the_version(version, weak):
    assert expected_version(f'{"W/" if weak else ""}"{version}"') == version


def test_missing_if_match_is_428():
    with pytest.raises(HTTPException) as exc:
        expected_version(None)
    assert exc.value.status_code == 428


@pytest.mark.parametrize("value", ['"0"', '"-1"', '"abc"', "*", '"1.5"', ""])
def test_unusable_if_match_names_the_header(value):
    with pytest.raises(InvalidArgument) as exc:
        expected_version(value)
    assert exc.value.field == "If-Match"


def test_path_ids_must_be_uuids_and_come_back_canonical():
    company = uuid.uuid4()
    assert path_id(str(company).upper(), "company_id") == str(company)
    with pytest.raises(InvalidArgument) as exc:
        path_id("42", "company_id")
    assert exc.value.field == "company_id"


class _Runtime:
    verifier = None
    extras: dict = {}


def test_openapi_lists_every_route_with_its_problems():
    app = FastAPI()
    for router in contacts_api.routers(_Runtime()):
        app.include_router(router)
    paths = app.openapi()["paths"]
    assert set(paths) == {
        "/api/v1/companies", "/api/v1/companies/{company_id}", "/api/v1/companies/{company_id}/convert",
        "/api/v1/companies/{company_id}/history", "/api/v1/companies/{company_id}/persons", "/api/v1/persons",
        "/api/v1/persons/{person_id}",
    }
    for path in ("/api/v1/companies/{company_id}", "/api/v1/persons/{person_id}"):
        for method in ("patch", "delete"):
            assert {"401", "403", "404", "412", "422", "428"} <= set(paths[path][method]["responses"]), (path, method)
    assert "409" in paths["/api/v1/companies"]["post"]["responses"]
    assert "409" in paths["/api/v1/companies/{company_id}/persons"]["post"]["responses"]
    assert "409" in paths["/api/v1/companies/{company_id}/convert"]["post"]["responses"]
