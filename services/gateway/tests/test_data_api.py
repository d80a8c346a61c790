"""The REST edge of the data API: input checked before anything reaches contacts."""

import pytest
from fastapi.testclient import TestClient

from kontor.gateway.data_api import gdpr
from kontor.platform.http import create_app


def _never_called():
    pytest.fail("the upstream must not be called with invalid input")


@pytest.mark.parametrize("page_size", ["-304250263527210", "0", "201", str(2**40)])
def test_gdpr_audit_page_size_is_bounded_and_named(page_size):
    # Found by the OpenAPI fuzz test: an unbounded page_size overflowed the int32 proto field and answered 500.
    app = create_app(service="unit-gateway-data", title="t")
    app.include_router(gdpr.router(_never_called))
    response = TestClient(app, raise_server_exceptions=False).get("/api/v1/gdpr/audit",
                                                                  params={"page_size": page_size})
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["query.page_size"]
