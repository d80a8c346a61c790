"""Certificate credentials: client assertions signed with a registered certificate's private key."""

from __future__ import annotations

import base64
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from kontor.emulators.graph.server import seed
from kontor.emulators.graph.store import Store
from kontor.emulators.graph.testing import make_certificate, new_tenant

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@pytest.fixture(scope="module")
def cert():
    return make_certificate("registered")


@pytest.fixture(scope="module")
def other_cert():
    return make_certificate("not-registered")


@pytest.fixture
def cert_tenant(emulator, cert):
    handle = new_tenant(emulator, certificate=cert)
    yield handle
    handle.control.close()


def _x5t(pem: str) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    sha1 = x509.load_pem_x509_certificate(pem.encode()).fingerprint(hashes.SHA1())  # noqa: S303 - x5t is SHA-1
    return base64.urlsafe_b64encode(sha1).decode().rstrip("=")


def _token_endpoint(tenant) -> str:
    return f"{tenant.emulator.base_url}/{tenant.tenant_id}/oauth2/v2.0/token"


def _assertion(tenant, *, key_pem: str, named_cert_pem: str, aud: str | None = None, iss: str | None = None,
               exp_in: float = 600, nbf_in: float = 0) -> str:
    now = time.time()
    claims = {"aud": aud or _token_endpoint(tenant), "iss": iss or tenant.client_id, "sub": iss or tenant.client_id,
              "jti": str(uuid.uuid4()), "nbf": now + nbf_in, "iat": now, "exp": now + exp_in}
    return jwt.encode(claims, key_pem, algorithm="RS256", headers={"x5t": _x5t(named_cert_pem)})


def _post(tenant, assertion: str, **extra) -> httpx.Response:
    data = {"grant_type": "client_credentials", "client_id": tenant.client_id, "scope": "https://graph.microsoft.com/.default",
            "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion} | extra
    return httpx.post(_token_endpoint(tenant), data=data, verify=tenant.emulator.ssl_context())


def _refused(r: httpx.Response, status: int, error: str, code: int) -> str:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] == error
    assert body["error_codes"] == [code]
    assert "access_token" not in body
    assert body["error_description"].startswith(f"AADSTS{code}:")
    return body["error_description"]


def test_msal_with_a_registered_certificate_gets_a_certificate_token(cert_tenant, cert):
    result = cert_tenant.token(cert.msal_credential())
    assert result["token_type"] == "Bearer", result
    assert jwt.decode(result["access_token"], options={"verify_signature": False})["appidacr"] == "2"
    r = httpx.get(f"{cert_tenant.emulator.base_url}/v1.0/users/{cert_tenant.upn}", verify=cert_tenant.emulator.ssl_context(),
                  headers={"Authorization": f"Bearer {result['access_token']}"})
    assert r.status_code == 200


def test_msal_ps256_with_sha256_thumbprint_is_accepted(cert_tenant, cert):
    result = cert_tenant.token(cert.msal_credential(sha1=False))
    assert "access_token" in result, result


def test_secret_tokens_say_secret(cert_tenant):
    token = cert_tenant.token()["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["appidacr"] == "1"


def test_hand_made_assertion_is_accepted(cert_tenant, cert):
    r = _post(cert_tenant, _assertion(cert_tenant, key_pem=cert.private_key_pem, named_cert_pem=cert.certificate_pem))
    assert r.status_code == 200, r.text
    assert r.json()["token_type"] == "Bearer"


def test_signed_with_another_key_is_an_invalid_signature(cert_tenant, cert, other_cert):
    forged = _assertion(cert_tenant, key_pem=other_cert.private_key_pem, named_cert_pem=cert.certificate_pem)
    message = _refused(_post(cert_tenant, forged), 401, "invalid_client", 700027)
    assert "The provided signature value did not match the expected signature value." in message
    assert cert.thumbprint in message


def test_unregistered_certificate_is_key_not_found(cert_tenant, other_cert):
    result = cert_tenant.token(other_cert.msal_credential())
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [700027]
    assert "The key was not found." in result["error_description"]
    assert other_cert.thumbprint in result["error_description"]


def test_expired_assertion_is_outside_its_time_range(cert_tenant, cert):
    stale = _assertion(cert_tenant, key_pem=cert.private_key_pem, named_cert_pem=cert.certificate_pem,
                       exp_in=-3600, nbf_in=-4200)
    assert "not within its valid time range" in _refused(_post(cert_tenant, stale), 401, "invalid_client", 700024)


def test_assertion_not_yet_valid_is_outside_its_time_range(cert_tenant, cert):
    early = _assertion(cert_tenant, key_pem=cert.private_key_pem, named_cert_pem=cert.certificate_pem,
                       nbf_in=3600, exp_in=4200)
    _refused(_post(cert_tenant, early), 401, "invalid_client", 700024)


def test_wrong_audience_is_refused(cert_tenant, cert):
    other_tenant = f"{cert_tenant.emulator.base_url}/{uuid.uuid4()}/oauth2/v2.0/token"
    wrong = _assertion(cert_tenant, key_pem=cert.private_key_pem, named_cert_pem=cert.certificate_pem, aud=other_tenant)
    _refused(_post(cert_tenant, wrong), 401, "invalid_client", 700023)


def test_audience_by_tenant_domain_is_accepted(cert_tenant, cert):
    aud = f"{cert_tenant.emulator.base_url}/{cert_tenant.domain}/oauth2/v2.0/token"
    ok = _assertion(cert_tenant, key_pem=cert.private_key_pem, named_cert_pem=cert.certificate_pem, aud=aud)
    assert _post(cert_tenant, ok).status_code == 200


def test_issuer_other_than_client_id_is_refused(cert_tenant, cert):
    wrong = _assertion(cert_tenant, key_pem=cert.private_key_pem, named_cert_pem=cert.certificate_pem, iss=str(uuid.uuid4()))
    _refused(_post(cert_tenant, wrong), 401, "invalid_client", 700021)


def test_missing_jti_is_a_missing_field(cert_tenant, cert):
    now = time.time()
    claims = {"aud": _token_endpoint(cert_tenant), "iss": cert_tenant.client_id, "sub": cert_tenant.client_id,
              "exp": now + 600}
    token = jwt.encode(claims, cert.private_key_pem, algorithm="RS256", headers={"x5t": _x5t(cert.certificate_pem)})
    assert "'jti'" in _refused(_post(cert_tenant, token), 400, "invalid_request", 90014)


def test_header_without_thumbprint_is_refused(cert_tenant, cert):
    token = jwt.encode({"aud": _token_endpoint(cert_tenant)}, cert.private_key_pem, algorithm="RS256")
    _refused(_post(cert_tenant, token), 401, "invalid_client", 5002723)


def test_hmac_signed_assertion_is_an_unsupported_algorithm(cert_tenant):
    token = jwt.encode({"iss": cert_tenant.client_id}, "a-shared-secret-long-enough-for-hs256!!", algorithm="HS256",
                       headers={"x5t": "abc"})
    assert "'HS256' is not a supported" in _refused(_post(cert_tenant, token), 401, "invalid_client", 5002738)


def test_garbage_assertion_is_malformed(cert_tenant):
    _refused(_post(cert_tenant, "not-a-jwt"), 400, "invalid_request", 50027)


def test_wrong_assertion_type_is_refused(cert_tenant, cert):
    good = _assertion(cert_tenant, key_pem=cert.private_key_pem, named_cert_pem=cert.certificate_pem)
    _refused(_post(cert_tenant, good, client_assertion_type="urn:example:other"), 400, "invalid_request", 900144)


def test_removed_certificate_no_longer_signs_in(cert_tenant, cert):
    assert "access_token" in cert_tenant.token(cert.msal_credential())
    cert_tenant.remove_certificate(cert.thumbprint)
    listed = cert_tenant.control.get(f"/apps/{cert_tenant.client_id}/certificates").json()["value"]
    assert listed == []
    fresh = cert_tenant.token(cert.msal_credential())  # a new msal app: no cached token
    assert fresh["error_codes"] == [700027]
    assert "The key was not found." in fresh["error_description"]


def test_rotation_new_certificate_by_key_id(cert_tenant, cert):
    new = make_certificate("rotated")
    registered = cert_tenant.add_certificate(new)
    assert registered["customKeyIdentifier"] == new.thumbprint
    assert "access_token" in cert_tenant.token(new.msal_credential())
    cert_tenant.remove_certificate(registered["keyId"])
    assert cert_tenant.token(new.msal_credential())["error_codes"] == [700027]
    assert "access_token" in cert_tenant.token(cert.msal_credential())  # the other one is untouched


def test_expired_certificate_is_an_expired_key(tenant):
    expired = make_certificate("expired", not_after=datetime.now(UTC) - timedelta(minutes=5))
    tenant.add_certificate(expired)
    result = tenant.token(expired.msal_credential())
    assert result["error_codes"] == [700027]
    assert "The key used is expired." in result["error_description"]


def test_control_api_refuses_what_is_not_a_certificate(tenant):
    r = tenant.control.post(f"/apps/{tenant.client_id}/certificates", json={"certificate": "-----BEGIN CERTIFICATE-----\nxx"})
    assert r.status_code == 400
    assert "certificate" in r.json()["error"]
    r = tenant.control.post(f"/tenants/{tenant.tenant_id}/apps", json={"displayName": "x", "certificates": [42]})
    assert r.status_code == 400
    assert r.json()["error"].startswith("certificates:")
    assert tenant.control.delete(f"/apps/{tenant.client_id}/certificates/nope").status_code == 404
    assert tenant.control.get("/apps/no-such-app/certificates").status_code == 404


def test_seed_registers_certificates(cert):
    store = Store()
    made = seed(store, {"tenants": [{"domain": "seeded.onmicrosoft.com",
                                     "apps": [{"clientId": "seeded-app", "certificates": [cert.certificate_pem]}]}]})
    assert made["tenants"][0]["apps"][0]["certificates"] == [cert.thumbprint]
    assert [c.thumbprint for c in store.apps["seeded-app"].certificates] == [cert.thumbprint]
