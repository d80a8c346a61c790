"""MailAccountService through its servicer: proto in and out, credentials never in an answer, rights, and the
connection test against a real IMAP server (pymap)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from kontor.devstack.imap_server import imap_server
from kontor.platform.errors import InvalidArgument, NotFound, PermissionDenied
from kontor.protos.mail.v1 import accounts_pb2 as pb

from .real_world import contacts_database_url, contacts_service, servicer, world  # noqa: F401 - fixtures

PASSWORD = "s3cret-imap-password"
CLIENT_SECRET = "graph-client-secret-value"
GERMAN = [("accept-language", "de-DE,de;q=0.9,en;q=0.5")]


@pytest.fixture(scope="module")
def pymap(tmp_path_factory):
    with imap_server(Path(tmp_path_factory.mktemp("pymap"))) as server:
        server.deliver("CRM/Import", b"From: a@example.com\r\nSubject: hi\r\nMessage-ID: <1@example.com>\r\n\r\nx\r\n")
        yield server


def imap_request(address: str, **overrides) -> pb.CreateAccountRequest:
    request = pb.CreateAccountRequest(kind="personal", address=address, import_folder="CRM/Import",
                                      imap=pb.ImapSettings(host="imap.example.com"),
                                      credentials=pb.Credentials(password=PASSWORD))
    for name, value in overrides.items():
        if isinstance(value, pb.ImapSettings | pb.GraphSettings | pb.Credentials):
            getattr(request, name).CopyFrom(value)
        else:
            setattr(request, name, value)
    return request


def unique(name: str) -> str:
    return f"{name}.{uuid.uuid4().hex[:8]}@example.com"


async def test_answers_never_carry_a_secret(servicer, world):
    with world.acting_as(world.anna):
        created = await servicer.CreateAccount(imap_request(unique("anna")), None)
        graph = await servicer.CreateAccount(pb.CreateAccountRequest(
            kind="personal", address=unique("anna365"), import_folder="inbox",
            graph=pb.GraphSettings(azure_tenant_id=str(uuid.uuid4()), client_id=str(uuid.uuid4())),
            credentials=pb.Credentials(client_secret=CLIENT_SECRET)), None)
        answers = [created, graph, await servicer.GetAccount(pb.GetAccountRequest(id=created.id), None),
                   await servicer.ListAccounts(pb.ListAccountsRequest(), None),
                   await servicer.SetCredentials(pb.SetCredentialsRequest(
                       id=created.id, credentials=pb.Credentials(password=PASSWORD + "2")), None)]
    assert created.has_credentials and graph.has_credentials
    assert created.WhichOneof("settings") == "imap" and created.imap.host == "imap.example.com"
    assert graph.WhichOneof("settings") == "graph" and created.owner_user_id == str(world.anna)
    for answer in answers:
        wire = answer.SerializeToString()
        assert PASSWORD.encode() not in wire and CLIENT_SECRET.encode() not in wire


async def test_update_changes_only_what_was_sent(servicer, world):
    with world.acting_as(world.anna):
        created = await servicer.CreateAccount(imap_request(unique("anna"), display_name="Anna"), None)
        updated = await servicer.UpdateAccount(pb.UpdateAccountRequest(
            id=created.id, expected_version=created.version, import_folder="INBOX"), None)
        assert (updated.display_name, updated.import_folder, updated.version) == ("Anna", "INBOX", 2)
        with pytest.raises(InvalidArgument) as wrong:
            await servicer.UpdateAccount(pb.UpdateAccountRequest(
                id=created.id, expected_version=2, graph=pb.GraphSettings(
                    azure_tenant_id=str(uuid.uuid4()), client_id=str(uuid.uuid4()))), None)
    assert wrong.value.field == "graph"


@pytest.mark.parametrize(("request_", "field"), [
    (pb.CreateAccountRequest(kind="personal", address="no-at-sign", import_folder="x",
                             imap=pb.ImapSettings(host="h.example.com")), "address"),
    (pb.CreateAccountRequest(kind="personal", address="a@example.com", import_folder="x"), "settings"),
    (pb.CreateAccountRequest(kind="personal", address="a@example.com", import_folder="x",
                             graph=pb.GraphSettings(azure_tenant_id="contoso", client_id=str(uuid.uuid4()))),
     "graph.azure_tenant_id"),
    (pb.CreateAccountRequest(kind="personal", address="a@example.com", import_folder="",
                             imap=pb.ImapSettings(host="h.example.com")), "import_folder"),
    (pb.CreateAccountRequest(kind="personal", address="a@example.com", import_folder="x",
                             imap=pb.ImapSettings(host="imap.example.com", security="none")), "imap.security"),
    (pb.CreateAccountRequest(kind="personal", address="a@example.com", import_folder="x",
                             imap=pb.ImapSettings(host="h.example.com"),
                             credentials=pb.Credentials(client_secret="abc")), "credentials"),
    (pb.CreateAccountRequest(kind="shared", address="a@example.com", import_folder="x",
                             imap=pb.ImapSettings(host="h.example.com")), "team_id"),
])
async def test_bad_input_names_the_field(servicer, world, request_, field):
    with world.acting_as(world.manager), pytest.raises((InvalidArgument, ValueError)) as exc:
        await servicer.CreateAccount(request_, None)
    named = getattr(exc.value, "field", None) or ".".join(str(p) for p in exc.value.errors()[0]["loc"])
    assert named == field
    assert "abc" not in str(exc.value)


async def test_the_role_right_comes_first_and_other_tenants_see_nothing(servicer, world):
    with world.acting_as(world.anna):
        created = await servicer.CreateAccount(imap_request(unique("anna")), None)
    # the tenant takes "read" on mail accounts from sales reps (its rights in contacts)
    await world.contacts_tenant.set_rights("sales_rep", "mail_account", {"create", "update", "delete"})
    with world.acting_as(world.anna), pytest.raises(PermissionDenied):
        await servicer.GetAccount(pb.GetAccountRequest(id=created.id), None)
    await world.contacts_tenant.reset_rights("sales_rep", "mail_account")
    with world.acting_as(world.manager, world.other_tenant):
        with pytest.raises(NotFound):
            await servicer.GetAccount(pb.GetAccountRequest(id=created.id), None)
        with pytest.raises(NotFound):
            await servicer.TestConnection(pb.TestConnectionRequest(id=created.id), None)


async def _imap_account(servicer, world, pymap, *, folder="CRM/Import", password=None, credentials=True):
    request = imap_request(unique("anna"), import_folder=folder, imap=pb.ImapSettings(
        host=pymap.host, port=pymap.port, security="none", username=pymap.user))
    if credentials:
        request.credentials.password = password or pymap.password
    else:
        request.ClearField("credentials")
    with world.acting_as(world.anna):
        return await servicer.CreateAccount(request, None)


async def test_connection_test_signs_in_and_resolves_the_import_folder(servicer, world, pymap):
    created = await _imap_account(servicer, world, pymap)
    with world.acting_as(world.anna):
        answer = await servicer.TestConnection(pb.TestConnectionRequest(id=created.id), GERMAN)
    assert (answer.ok, answer.code, answer.import_folder_id, answer.import_folder_total) == (
        True, "ok", "CRM/Import", 1)
    assert answer.message == "Verbindung funktioniert."


async def test_connection_test_says_what_failed_in_the_callers_language(servicer, world, pymap):
    missing = await _imap_account(servicer, world, pymap, folder="No/Such/Folder")
    refused = await _imap_account(servicer, world, pymap, password="wrong-password")
    without = await _imap_account(servicer, world, pymap, credentials=False)
    with world.acting_as(world.anna):
        answers = {name: await servicer.TestConnection(pb.TestConnectionRequest(id=account.id), lang)
                   for name, account, lang in (("missing", missing, GERMAN), ("refused", refused, None),
                                               ("without", without, None))}
    assert (answers["missing"].ok, answers["missing"].code) == (False, "folder_missing")
    assert answers["missing"].message == "Der Import-Ordner existiert nicht."
    assert (answers["refused"].code, answers["refused"].message) == (
        "needs_auth", "The mail server refused the sign-in.")
    assert answers["without"].code == "needs_auth" and "No credentials" in answers["without"].message
    assert "wrong-password" not in str(answers)
