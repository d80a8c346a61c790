"""Certificate credentials end to end: msal signs a client assertion, the emulator checks it against the
certificates registered on the app; a removed (rotated or revoked) certificate means NeedsReauthorisation."""

from __future__ import annotations

import datetime as dt

import pytest

from kontor.calendar_sync.providers.base import NeedsReauthorisation, TimeWindow
from kontor.calendar_sync.providers.graph import GraphCredentials, GraphProvider
from kontor.emulators.graph.testing import make_certificate, new_tenant

from .conftest import FAST, ORIGIN


@pytest.fixture(scope="module")
def certificate():
    return make_certificate("kontor-calendar-sync")


@pytest.fixture
def cert_tenant(emulator, certificate):
    handle = new_tenant(emulator, certificate=certificate)
    yield handle
    handle.control.close()


def certificate_provider(emulator, tenant, certificate) -> GraphProvider:
    creds = GraphCredentials(tenant_id=tenant.tenant_id, client_id=tenant.client_id,
                             certificate_pem=certificate.certificate_pem, private_key_pem=certificate.private_key_pem)
    return GraphProvider(creds, origin=ORIGIN, base_url=f"{emulator.base_url}/v1.0",
                         authority=emulator.authority(tenant.tenant_id), ca_path=emulator.ca_path, policy=FAST)


def _window() -> TimeWindow:
    now = dt.datetime.now(dt.UTC)
    return TimeWindow(now - dt.timedelta(days=7), now + dt.timedelta(days=30))


def _event(subject: str) -> dict:
    start = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    return {"subject": subject, "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"},
            "end": {"dateTime": (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}}


async def test_provider_signs_in_with_a_certificate_and_lists_events(emulator, cert_tenant, certificate):
    made = cert_tenant.control.post(f"/mailboxes/{cert_tenant.upn}/events", json=_event("Quartalsgespräch")).json()
    async with certificate_provider(emulator, cert_tenant, certificate) as provider:
        listed = await provider.delta(cert_tenant.upn, _window(), None)
        assert [e.remote_id for e in listed.upserts] == [made["id"]]
        assert provider.tokens.acquisitions == 1


async def test_certificate_not_registered_needs_reauthorisation(emulator, tenant):
    stranger = make_certificate("never-uploaded")
    async with certificate_provider(emulator, tenant, stranger) as provider:
        with pytest.raises(NeedsReauthorisation) as err:
            await provider.delta(tenant.upn, _window(), None)
    assert err.value.code == "invalid_client"
    assert "700027" in str(err.value)
    assert "PRIVATE KEY" not in str(err.value)


async def test_removed_certificate_needs_reauthorisation(emulator, cert_tenant, certificate):
    async with certificate_provider(emulator, cert_tenant, certificate) as provider:
        await provider.delta(cert_tenant.upn, _window(), None)
        cert_tenant.remove_certificate(certificate.thumbprint)
        # Removing a certificate leaves issued tokens valid until they expire; revoking them stands in for that
        # expiry, so the next call goes back to the token endpoint with the removed certificate.
        cert_tenant.control.patch(f"/apps/{cert_tenant.client_id}", json={"revokeTokens": True})
        with pytest.raises(NeedsReauthorisation) as err:
            await provider.delta(cert_tenant.upn, _window(), None)
    assert err.value.code == "invalid_client"
    assert "700027" in str(err.value)


async def test_rotated_certificate_works_after_the_new_one_is_registered(emulator, cert_tenant, certificate):
    new = make_certificate("kontor-calendar-sync-2027")
    cert_tenant.add_certificate(new)
    cert_tenant.remove_certificate(certificate.thumbprint)
    async with certificate_provider(emulator, cert_tenant, new) as provider:
        listed = await provider.delta(cert_tenant.upn, _window(), None)
    assert listed.upserts == []
