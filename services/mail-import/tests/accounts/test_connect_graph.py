"""provider_for's Graph path end to end: a graph account's connection test against the Graph emulator (HTTPS,
app-only msal sign-in, the account's authority/base URL/CA overrides)."""

from __future__ import annotations

import uuid

from kontor.emulators.graph.mail_testing import deliver, make_mime
from kontor.protos.mail.v1 import accounts_pb2 as pb

from .real_world import contacts_database_url, contacts_service, servicer, world  # noqa: F401 - fixtures


async def _graph_account(servicer, world, emulator, tenant, *, folder: str, secret: str) -> pb.MailAccount:
    with world.acting_as(world.anna):
        return await servicer.CreateAccount(pb.CreateAccountRequest(
            kind="personal", address=tenant.upn, import_folder=folder,
            graph=pb.GraphSettings(azure_tenant_id=tenant.tenant_id, client_id=tenant.client_id,
                                   authority_url=emulator.base_url, base_url=f"{emulator.base_url}/v1.0",
                                   ca_bundle_path=str(emulator.ca_path)),
            credentials=pb.Credentials(client_secret=secret)), None)


async def test_a_graph_account_signs_in_and_resolves_its_import_folder(servicer, world, emulator, graph_tenant):
    deliver(graph_tenant, make_mime(to=graph_tenant.upn))
    account = await _graph_account(servicer, world, emulator, graph_tenant, folder="inbox", secret=graph_tenant.secret)
    with world.acting_as(world.anna):
        answer = await servicer.TestConnection(pb.TestConnectionRequest(id=account.id), None)
    assert (answer.ok, answer.code, answer.import_folder_total) == (True, "ok", 1)
    assert answer.import_folder_id and answer.import_folder_id != "inbox"  # the server's id of the folder


async def test_a_refused_secret_says_sign_in_is_needed(servicer, world, emulator, graph_tenant):
    wrong = await _graph_account(servicer, world, emulator, graph_tenant, folder="inbox", secret="not-the-secret")
    with world.acting_as(world.anna):
        refused = await servicer.TestConnection(pb.TestConnectionRequest(id=wrong.id), None)
    assert (refused.ok, refused.code) == (False, "needs_auth")
    assert "not-the-secret" not in str(refused)


async def test_a_missing_import_folder_says_so(servicer, world, emulator, graph_tenant):
    missing = await _graph_account(servicer, world, emulator, graph_tenant, folder=f"CRM/{uuid.uuid4().hex}",
                                   secret=graph_tenant.secret)
    with world.acting_as(world.anna):
        absent = await servicer.TestConnection(pb.TestConnectionRequest(id=missing.id), None)
    assert (absent.ok, absent.code) == (False, "folder_missing")
