"""Tokens with msal against the emulator's identity endpoints; what ends in NeedsReauthorisation."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from kontor.calendar_sync.providers.base import NeedsReauthorisation
from kontor.calendar_sync.providers.graph import GraphCredentials, TokenSource

from .conftest import make_provider


async def test_token_is_acquired_once_and_cached(emulator, tenant):
    source = TokenSource(GraphCredentials(tenant.tenant_id, tenant.client_id, tenant.secret),
                         authority=emulator.authority(tenant.tenant_id), ca_path=emulator.ca_path)
    first = await source.token()
    assert first.count(".") == 2
    assert await source.token() == first
    assert source.acquisitions == 1
    forced = await source.token(force=True)
    assert source.acquisitions == 2 and forced


async def test_token_is_refreshed_before_it_expires(emulator, tenant):
    source = TokenSource(GraphCredentials(tenant.tenant_id, tenant.client_id, tenant.secret),
                         authority=emulator.authority(tenant.tenant_id), ca_path=emulator.ca_path,
                         refresh_margin=10 ** 6)  # every token counts as about to expire
    await source.token()
    await source.token()
    assert source.acquisitions == 2


async def test_wrong_secret_needs_reauthorisation(emulator, tenant):
    p = make_provider(emulator, tenant, secret="not-the-secret")
    try:
        with pytest.raises(NeedsReauthorisation) as err:
            await p.get(tenant.upn, "AAMkAnything")
        assert err.value.code == "invalid_client"
        assert "not-the-secret" not in str(err.value)
    finally:
        await p.aclose()


async def test_unknown_tenant_needs_reauthorisation(emulator, tenant):
    source = TokenSource(GraphCredentials("nosuchtenant.onmicrosoft.com", tenant.client_id, tenant.secret),
                         authority=emulator.authority("nosuchtenant.onmicrosoft.com"), ca_path=emulator.ca_path)
    with pytest.raises(NeedsReauthorisation):
        await source.token()


async def test_revoked_tokens_get_one_fresh_token(emulator, tenant, provider, outlook):
    await provider.tokens.token()
    assert tenant.control.patch(f"/apps/{tenant.client_id}", json={"revokeTokens": True}).status_code == 204
    with provider.counting() as stats:
        listed = await provider.delta(tenant.upn, _window(), None)
    assert listed.upserts == [] and stats.outcomes == {"auth_error": 1, "ok": 1}
    assert provider.tokens.acquisitions == 2


async def test_disabled_app_or_revoked_consent_needs_reauthorisation(emulator, tenant, provider):
    await provider.tokens.token()
    tenant.control.patch(f"/apps/{tenant.client_id}", json={"disabled": True})
    with pytest.raises(NeedsReauthorisation) as err:  # 401 with the cached token, then the token endpoint refuses
        await provider.get(tenant.upn, "AAMkX")
    assert err.value.code == "unauthorized_client"
    tenant.control.patch(f"/apps/{tenant.client_id}", json={"disabled": False, "roles": ["User.Read.All"]})
    provider.tokens.invalidate()
    with pytest.raises(NeedsReauthorisation) as err:  # consent for calendars withdrawn: 403
        await provider.get(tenant.upn, "AAMkX")
    assert err.value.status == 403


def test_certificate_credentials_for_msal():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kontor")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    cred = GraphCredentials("t", "c", certificate_pem=cert_pem, private_key_pem=key_pem).msal_credential()
    assert cred["thumbprint"] == cert.fingerprint(hashes.SHA1()).hex() and cred["private_key"] == key_pem
    assert "PRIVATE KEY" not in repr(GraphCredentials("t", "c", certificate_pem=cert_pem, private_key_pem=key_pem))
    assert "s3cr3t" not in repr(GraphCredentials("t", "c", client_secret="s3cr3t"))
    with pytest.raises(NeedsReauthorisation):
        GraphCredentials("t", "c").msal_credential()


def _window():
    from kontor.calendar_sync.providers.base import TimeWindow

    return TimeWindow(dt.datetime(2025, 1, 1, tzinfo=dt.UTC), dt.datetime(2025, 12, 31, tzinfo=dt.UTC))


async def test_concurrent_401s_fetch_one_new_token(emulator, tenant, provider, outlook):
    made = [outlook.create({"subject": f"e{i}", "start": {"dateTime": "2025-04-01T09:00:00", "timeZone": "UTC"},
                            "end": {"dateTime": "2025-04-01T10:00:00", "timeZone": "UTC"}}) for i in range(4)]
    await provider.tokens.token()
    tenant.control.patch(f"/apps/{tenant.client_id}", json={"revokeTokens": True})
    got = await asyncio.gather(*(provider.get(tenant.upn, m["id"]) for m in made))
    assert len(got) == 4 and provider.tokens.acquisitions == 2
