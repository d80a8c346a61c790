"""App-only Graph tokens with msal against the emulator's identity endpoints; certificate credentials."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from kontor.emulators.graph import GraphEmulator
from kontor.emulators.graph.testing import new_tenant
from kontor.platform.groupware.errors import NeedsReauthorisation
from kontor.platform.groupware.graph.auth import GraphCredentials, TokenSource


@pytest.fixture(scope="module")
def graph():
    """The emulator's identity endpoints with one tenant and app, for all of this module's tests."""
    with GraphEmulator() as emulator:
        tenant = new_tenant(emulator)
        try:
            yield emulator, tenant
        finally:
            tenant.control.close()


def token_source(graph, *, tenant_id: str | None = None, **options) -> TokenSource:
    """A TokenSource for the app, at ``tenant_id``'s authority (default: the app's own tenant)."""
    emulator, tenant = graph
    tenant_id = tenant_id or tenant.tenant_id
    return TokenSource(GraphCredentials(tenant_id, tenant.client_id, tenant.secret),
                       authority=emulator.authority(tenant_id), ca_path=emulator.ca_path, **options)


async def test_token_is_acquired_once_and_cached(graph):
    source = token_source(graph)
    first = await source.token()
    assert first.count(".") == 2
    assert await source.token() == first
    assert source.acquisitions == 1
    forced = await source.token(force=True)
    assert source.acquisitions == 2 and forced


async def test_token_is_refreshed_before_it_expires(graph):
    source = token_source(graph, refresh_margin=10 ** 6)  # every token counts as about to expire
    await source.token()
    await source.token()
    assert source.acquisitions == 2


async def test_unknown_tenant_needs_reauthorisation(graph):
    with pytest.raises(NeedsReauthorisation):
        await token_source(graph, tenant_id="nosuchtenant.onmicrosoft.com").token()


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
