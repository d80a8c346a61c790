"""Connector configuration against the Graph emulator: "test connection" and the room directory of a server."""

import uuid

from kontor.calendar_sync.connectors.directory import ProviderDirectory, check_connection
from kontor.calendar_sync.connectors.resources import ServerConnection
from kontor.calendar_sync.connectors.service import OpenCredentials


def connection(emulator, tenant, *, secret: str | None = None, provider: str = "graph") -> ServerConnection:
    return ServerConnection(
        server_id=uuid.uuid4(), tenant_id=uuid.uuid4(), provider=provider, azure_tenant_id=tenant.tenant_id,
        client_id=tenant.client_id, authority_url=emulator.base_url, base_url=f"{emulator.base_url}/v1.0",
        ca_bundle_path=emulator.ca_path,
        credentials=OpenCredentials(kind="client_secret", secret=secret or tenant.secret, certificate_thumbprint=""))


def add_room(tenant, name: str, capacity: int) -> None:
    created = tenant.control.post(f"/tenants/{tenant.tenant_id}/mailboxes", json={
        "userPrincipalName": f"{name.lower()}@{tenant.domain}", "displayName": name, "kind": "room",
        "place": {"capacity": capacity}})
    assert created.status_code == 201, created.text


async def test_a_working_server_lists_its_rooms(emulator, tenant):
    add_room(tenant, "Donau", 8)
    add_room(tenant, "Inn", 4)
    listed = await ProviderDirectory().list_resources(connection(emulator, tenant))
    assert sorted((r.name, r.kind, r.capacity) for r in listed) == [("Donau", "room", 8), ("Inn", "room", 4)]
    assert all(r.key for r in listed)
    outcome = await check_connection(ProviderDirectory(), connection(emulator, tenant))
    assert (outcome.ok, outcome.code, outcome.resources) == (True, "ok", 2)


async def test_a_wrong_secret_is_reported_without_repeating_it(emulator, tenant):
    wrong = f"wrong-{uuid.uuid4().hex}"
    outcome = await check_connection(ProviderDirectory(), connection(emulator, tenant, secret=wrong))
    assert (outcome.ok, outcome.code) == (False, "invalid_credentials")
    assert wrong not in outcome.message and tenant.secret not in outcome.message


async def test_providers_without_a_client_say_so(emulator, tenant):
    outcome = await check_connection(ProviderDirectory(), connection(emulator, tenant, provider="domino"))
    assert (outcome.ok, outcome.code) == (False, "unsupported_provider")
