"""msal client credentials against the emulator's identity endpoints; Graph's bearer check."""

from __future__ import annotations

import httpx
import msal
import pytest

from kontor.emulators.graph.testing import GRAPH_SCOPE, msal_session


def test_msal_client_credentials_gets_a_bearer_token(tenant):
    result = tenant.token()
    assert result["token_type"] == "Bearer"
    assert result["expires_in"] == 3599
    r = httpx.get(f"{tenant.emulator.base_url}/v1.0/users/{tenant.upn}", verify=tenant.emulator.ssl_context(),
                  headers={"Authorization": f"Bearer {result['access_token']}"})
    assert r.status_code == 200
    assert r.json()["userPrincipalName"] == tenant.upn


def test_tenant_domain_works_as_authority(tenant):
    app = msal.ConfidentialClientApplication(tenant.client_id, client_credential=tenant.secret,
                                             authority=tenant.emulator.authority(tenant.domain),
                                             http_client=msal_session(tenant.emulator.ca_path), instance_discovery=False)
    assert "access_token" in app.acquire_token_for_client(GRAPH_SCOPE)


def test_wrong_secret_answers_aadsts7000215(tenant):
    result = tenant.token(secret="not-the-secret")
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [7000215]
    assert result["error_description"].startswith("AADSTS7000215:")
    assert "access_token" not in result


def test_unknown_tenant_fails_discovery(tenant):
    with pytest.raises(ValueError):
        msal.ConfidentialClientApplication(tenant.client_id, client_credential=tenant.secret,
                                           authority=tenant.emulator.authority("no-such-tenant.onmicrosoft.com"),
                                           http_client=msal_session(tenant.emulator.ca_path), instance_discovery=False)


def test_scope_without_default_is_refused(tenant):
    r = httpx.post(f"{tenant.emulator.base_url}/{tenant.tenant_id}/oauth2/v2.0/token", verify=tenant.emulator.ssl_context(),
                   data={"grant_type": "client_credentials", "client_id": tenant.client_id, "client_secret": tenant.secret,
                         "scope": "Calendars.ReadWrite"})
    assert r.status_code == 400
    assert r.json()["error_codes"] == [1002012]


def test_instance_discovery_points_at_tenant_discovery(tenant):
    base = tenant.emulator.base_url
    r = httpx.get(f"{base}/common/discovery/instance", verify=tenant.emulator.ssl_context(),
                  params={"api-version": "1.1", "authorization_endpoint": f"{base}/{tenant.tenant_id}/oauth2/v2.0/authorize"})
    assert r.json()["tenant_discovery_endpoint"] == f"{base}/{tenant.tenant_id}/v2.0/.well-known/openid-configuration"


@pytest.mark.parametrize("header, message", [
    (None, "Access token is empty."),
    ("Bearer not.a.jwt", None),
])
def test_graph_refuses_missing_or_bad_tokens(tenant, header, message):
    headers = {"Authorization": header} if header else {}
    r = httpx.get(f"{tenant.emulator.base_url}/v1.0/users/{tenant.upn}/events", verify=tenant.emulator.ssl_context(), headers=headers)
    assert r.status_code == 401
    error = r.json()["error"]
    assert error["code"] == "InvalidAuthenticationToken"
    assert set(error["innerError"]) >= {"date", "request-id", "client-request-id"}
    if message:
        assert error["message"] == message


def test_revoked_tokens_and_disabled_app(tenant):
    graph = tenant.graph()
    assert graph.get("/events").status_code == 200
    tenant.control.patch(f"/apps/{tenant.client_id}", json={"revokeTokens": True})
    assert graph.get("/events").status_code == 401
    assert tenant.graph().get("/events").status_code == 200  # a new token works
    tenant.control.patch(f"/apps/{tenant.client_id}", json={"disabled": True})
    assert tenant.token()["error_codes"] == [7000112]


def test_missing_role_is_403(tenant):
    tenant.control.patch(f"/apps/{tenant.client_id}", json={"roles": ["Calendars.Read"]})
    graph = tenant.graph()
    assert graph.get("/events").status_code == 200
    r = graph.post("/events", json={"subject": "x"})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "ErrorAccessDenied"


def test_unknown_user_and_me(tenant, graph):
    r = httpx.get(f"{tenant.emulator.base_url}/v1.0/users/nobody@{tenant.domain}/events", verify=tenant.emulator.ssl_context(),
                  headers=graph.headers)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "ErrorInvalidUser"
    r = httpx.get(f"{tenant.emulator.base_url}/v1.0/me/events", verify=tenant.emulator.ssl_context(), headers=graph.headers)
    assert r.status_code == 400
