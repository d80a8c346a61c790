"""A branch server registered with certificate credentials (issue 4: "tenant id, client id, secret or certificate"):
the app registration in the Graph emulator knows only the public certificate, Kontor holds the private key and
signs client assertions with it. Sync works; a certificate removed in Azure (rotated or revoked) sends the mailbox
to needs_auth; storing the new certificate through the API resumes it."""

from __future__ import annotations

import uuid

import pytest

from kontor.emulators.graph.testing import make_certificate
from tests.integration.sync_world import Control, SyncWorld, berlin, next_weekday
from tests.integration.test_connectors_api import _as


def _pem_bundle(certificate) -> str:
    """What an admin pastes: the unencrypted private key and the certificate, PEM."""
    return certificate.private_key_pem + certificate.certificate_pem


@pytest.fixture
def certificate():
    return make_certificate("kontor-branch-berlin")


@pytest.fixture
def world(stack, graph_emulator, calendar_sync_worker, certificate) -> SyncWorld:
    ca_path = str(graph_emulator.ca_path(stack.data_dir))
    control = Control(graph_emulator.base_url, ca_path)
    domain = f"t{uuid.uuid4().hex[:10]}.example"
    azure = control("POST", "/tenants", json={"domain": domain, "displayName": "Certificate branch"})
    app = control("POST", f"/tenants/{azure['id']}/apps",
                  json={"displayName": "Kontor CRM", "certificates": [certificate.certificate_pem]})
    upn = f"anna@{domain}"
    control("POST", f"/tenants/{azure['id']}/mailboxes", json={"userPrincipalName": upn, "displayName": "Anna"})
    world = SyncWorld(stack=stack, control=control, ca_path=ca_path, base_url=graph_emulator.base_url,
                      azure_tenant=azure["id"], domain=domain, client_id=app["clientId"], secret=app["secret"],
                      upn=upn, api=_as(stack, uuid.uuid4(), "org_manager", email=upn))
    world.server = world._ok(world.api.post("/groupware-servers", json={
        "provider": "graph", "name": f"Branch {domain}", "branch": "Berlin",
        "azure_tenant_id": azure["id"], "client_id": app["clientId"],
        "authority_url": graph_emulator.base_url, "base_url": f"{graph_emulator.base_url}/v1.0",
        "ca_bundle_path": ca_path, "credentials": {"certificate_pem": _pem_bundle(certificate)}}), 201)
    world.connector = world._ok(world.api.post("/me/connectors", json={
        "server_id": world.server["id"], "mailbox": upn}), 201)
    return world


def test_certificate_server_syncs_and_a_removed_certificate_needs_reauthorisation(world, certificate):
    assert world.server["credential_kind"] == "certificate"
    assert world.server["certificate_thumbprint"].upper() == certificate.thumbprint
    assert "PRIVATE KEY" not in str(world.server)
    tested = world.api.post(f"/groupware-servers/{world.server['id']}/test")
    assert tested.status_code == 200 and tested.json()["ok"] is True, tested.text

    day = next_weekday(2)
    world.outlook_create("Signed with a certificate", berlin(day, 9), berlin(day, 10))
    healthy = world.sync()
    assert healthy["state"] == "idle" and healthy["last_error"] == "", healthy
    assert world.crm_find("Signed with a certificate")["owner_id"] == world.user_id

    # Azure: the certificate is removed from the app registration and issued tokens are revoked.
    world.control("DELETE", f"/apps/{world.client_id}/certificates/{certificate.thumbprint}")
    world.control("PATCH", f"/apps/{world.client_id}", json={"revokeTokens": True})
    world.outlook_create("While the certificate is gone", berlin(day, 11), berlin(day, 12))
    broken = world.sync()
    assert broken["state"] == "needs_auth" and broken["last_error"] == "needs_auth:invalid_client", broken
    assert world.api.get(f"/connectors/{world.connector['id']}").json()["needs_reauthorisation"] is True
    refused = world.api.post(f"/groupware-servers/{world.server['id']}/test").json()
    assert refused["ok"] is False and refused["code"] == "invalid_credentials", refused

    # Rotation: a new certificate is uploaded in Azure and its key stored in Kontor; sync resumes from the cursor.
    rotated = make_certificate("kontor-branch-berlin-2")
    world.control("POST", f"/apps/{world.client_id}/certificates", json={"certificate": rotated.certificate_pem})
    server = world.api.get(f"/groupware-servers/{world.server['id']}").json()
    stored = world.api.put(f"/groupware-servers/{world.server['id']}/credentials",
                           json={"certificate_pem": _pem_bundle(rotated)}, headers={"If-Match": f'"{server["version"]}"'})
    assert stored.status_code == 200, stored.text
    assert stored.json()["certificate_thumbprint"].upper() == rotated.thumbprint
    resumed = world.sync()
    assert resumed["state"] == "idle" and resumed["last_error"] == "", resumed
    assert sorted(a["subject"] for a in world.crm_appointments()) == ["Signed with a certificate",
                                                                     "While the certificate is gone"]
