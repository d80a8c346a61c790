"""A server signing in with a certificate: syncs, and once the certificate is removed from the app
registration (rotated or revoked) the mailbox goes to needs_auth and keeps its cursor."""

from __future__ import annotations

from kontor.emulators.graph.testing import make_certificate

from kontor.calendar_sync.connectors.models import ConnectorSettings
from kontor.calendar_sync.providers.graph import GraphCredentials, GraphProvider
from kontor.calendar_sync.sync import engine
from kontor.calendar_sync.sync.models import SyncMailbox

from .conftest import FAST, outlook_event, soon


def _certificate_provider(world, certificate) -> GraphProvider:
    creds = GraphCredentials(tenant_id=world.handle.tenant_id, client_id=world.handle.client_id,
                             certificate_pem=certificate.certificate_pem, private_key_pem=certificate.private_key_pem)
    return GraphProvider(creds, origin=str(world.tenant_id), base_url=f"{world.graph.base_url}/v1.0",
                         authority=world.graph.authority(world.handle.tenant_id), ca_path=world.graph.ca_path,
                         policy=FAST)


async def _sync(world, certificate) -> engine.RunReport:
    async with _certificate_provider(world, certificate) as provider:
        return await engine.sync_mailbox(world.db, provider, tenant_id=world.tenant_id, connector_id=world.connector_id)


async def test_removed_certificate_marks_the_mailbox_needs_auth(world):
    certificate = make_certificate("kontor-sync")
    world.handle.add_certificate(certificate)
    world.outlook_create(outlook_event("Kundentermin", soon(1)))
    report = await _sync(world, certificate)
    assert report.outcome == "ok" and report.counts["created"] == 1

    world.handle.remove_certificate(certificate.thumbprint)
    # issued tokens outlive the certificate until they expire; revoking them stands in for that
    world.control.patch(f"/apps/{world.handle.client_id}", json={"revokeTokens": True})
    report = await _sync(world, certificate)
    assert report.outcome == "needs_auth"
    async with world.db.unit_of_work(world.tenant_id) as session:
        connector = await session.get(ConnectorSettings, world.connector_id)
        row = await session.get(SyncMailbox, world.connector_id)
    assert connector.needs_reauthorisation and row.state == "needs_auth" and row.delta_cursor
    assert row.last_error == "needs_auth:invalid_client"
