"""Mail accounts against real PostgreSQL: create/list/get/update/delete, who sees which account, tenants apart,
credentials sealed and bound to their row. Rights, teams, users and "sees everything" are the real contacts'
answers (real_world.py); each service call runs inside ``world.caller(...)``, whose principal its contacts calls
carry."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, text

from kontor.platform.errors import AlreadyExists, Conflict, InvalidArgument, NotFound, PermissionDenied
from kontor.platform.secrets_box import SecretBox, SecretUnreadable, generate_key, parse_keys

from kontor.mail_import.accounts import service
from kontor.mail_import.accounts.cli import reseal_all
from kontor.mail_import.accounts.connect import open_account
from kontor.mail_import.accounts.models import AccountCredential, MailAccount, MailTenant
from kontor.mail_import.accounts.schemas import AccountCreate, AccountUpdate, Credentials
from kontor.mail_import.imports.models import ImportState

from ..real_services import CallRecorder  # noqa: TID252 - the test tree's shared real services
from .real_world import contacts_database_url, contacts_service, world  # noqa: F401 - fixtures

PASSWORD = "correct horse battery staple"


def imap_account(address: str, **overrides) -> AccountCreate:
    values = {"kind": "personal", "address": address, "imap": {"host": "imap.example.com"},
              "import_folder": "CRM/Import", "credentials": {"password": PASSWORD}}
    values.update(overrides)
    return AccountCreate(**values)


def unique(name: str) -> str:
    return f"{name}.{uuid.uuid4().hex[:8]}@example.com"


async def create(db, world, box, user, data, tenant=None) -> MailAccount:
    with world.caller(user, tenant) as caller:
        async with db.unit_of_work(caller.principal.tenant_id) as session:
            return await service.create_account(session, caller, box, data)


async def listed(db, world, user, tenant=None) -> list[uuid.UUID]:
    with world.caller(user, tenant) as caller:
        async with db.unit_of_work(caller.principal.tenant_id) as session:
            rows, _ = await service.list_accounts(session, caller, page_size=200, page_token="")
            return [a.id for a in rows]


async def get(db, world, user, account_id, tenant=None) -> MailAccount:
    with world.caller(user, tenant) as caller:
        async with db.unit_of_work(caller.principal.tenant_id) as session:
            return await service.get_account(session, caller, account_id)


async def test_create_then_get_list_update_and_delete(db, world, box):
    account = await create(db, world, box, world.anna, imap_account(unique("Anna.Berger"), display_name="Anna"))
    assert (account.kind, account.owner_user_id, account.provider, account.version) == (
        "personal", world.anna, "imap", 1)
    assert account.address_key == account.address.lower()
    assert account.settings["host"] == "imap.example.com" and "password" not in account.settings

    assert (await get(db, world, world.anna, account.id)).display_name == "Anna"
    assert account.id in await listed(db, world, world.anna)

    with world.caller(world.anna) as caller:
        async with db.unit_of_work(world.tenant) as session:
            updated = await service.update_account(session, caller, account.id, expected_version=1,
                                                   data=AccountUpdate(display_name="Anna B.", import_folder="Inbox"))
        assert (updated.display_name, updated.import_folder, updated.version) == ("Anna B.", "Inbox", 2)
        async with db.unit_of_work(world.tenant) as session:
            with pytest.raises(Conflict):
                await service.update_account(session, caller, account.id, expected_version=1,
                                             data=AccountUpdate(display_name="stale"))

        async with db.unit_of_work(world.tenant) as session:
            await service.delete_account(session, caller, account.id)
    with pytest.raises(NotFound):
        await get(db, world, world.anna, account.id)
    assert account.id not in await listed(db, world, world.anna)
    async with db.unit_of_work(world.tenant) as session:
        # The row stays (imported mail refers to it); its secret is gone at once.
        assert (await session.get(MailAccount, account.id)).deleted_at is not None
        assert await session.get(AccountCredential, account.id) is None


async def test_a_deleted_account_frees_its_address_but_a_live_one_does_not(db, world, box):
    address = unique("shared")
    first = await create(db, world, box, world.anna, imap_account(address))
    with pytest.raises(AlreadyExists):
        await create(db, world, box, world.anna, imap_account(address.upper()))
    with world.caller(world.anna) as caller:
        async with db.unit_of_work(world.tenant) as session:
            await service.delete_account(session, caller, first.id)
    again = await create(db, world, box, world.anna, imap_account(address))
    assert again.id != first.id


async def test_personal_accounts_are_their_owners_shared_ones_their_teams_managers_see_all(db, world, box):
    annas = await create(db, world, box, world.anna, imap_account(unique("anna")))
    berts = await create(db, world, box, world.bert, imap_account(unique("bert")))
    support = await create(db, world, box, world.manager, imap_account(
        unique("support"), kind="shared", team_id=world.support))

    anna_sees = await listed(db, world, world.anna)
    assert annas.id in anna_sees and support.id in anna_sees and berts.id not in anna_sees
    bert_sees = await listed(db, world, world.bert)
    assert berts.id in bert_sees and annas.id not in bert_sees and support.id not in bert_sees
    assert {annas.id, berts.id, support.id} <= set(await listed(db, world, world.manager))

    for account_id in (annas.id, support.id):
        with pytest.raises(NotFound):  # not theirs: exactly like a missing account
            await get(db, world, world.bert, account_id)
    assert (await get(db, world, world.anna, support.id)).team_id == world.support
    assert (await get(db, world, world.manager, berts.id)).owner_user_id == world.bert


async def test_a_shared_account_names_a_team_of_the_organisation(db, world, box):
    # Another tenant's team id is as unknown here as a made-up one: nothing of B may name A's team.
    elsewhere = await world.contacts_tenant.service.new_tenant()
    for team_id in (uuid.uuid4(), await elsewhere.team("Support")):
        with pytest.raises(InvalidArgument) as refused:
            await create(db, world, box, world.manager, imap_account(unique("support"), kind="shared",
                                                                     team_id=team_id))
        assert refused.value.field == "team_id"


async def test_team_members_use_a_shared_account_but_only_managers_change_it(db, world, box):
    support = await create(db, world, box, world.manager, imap_account(
        unique("support"), kind="shared", team_id=world.support))
    assert (await get(db, world, world.anna, support.id)).id == support.id  # she uses it
    with world.caller(world.anna) as caller:
        async with db.unit_of_work(world.tenant) as session:
            with pytest.raises(PermissionDenied):
                await service.update_account(session, caller, support.id, expected_version=1,
                                             data=AccountUpdate(enabled=False))
        async with db.unit_of_work(world.tenant) as session:
            with pytest.raises(PermissionDenied):
                await service.delete_account(session, caller, support.id)
    with world.caller(world.manager) as manager:
        async with db.unit_of_work(world.tenant) as session:
            changed = await service.update_account(session, manager, support.id, expected_version=1,
                                                   data=AccountUpdate(enabled=False))
    assert changed.enabled is False


async def test_shared_accounts_and_accounts_of_others_take_a_manager(db, world, box):
    with pytest.raises(PermissionDenied):
        await create(db, world, box, world.anna, imap_account(unique("support"), kind="shared",
                                                              team_id=world.support))
    with pytest.raises(PermissionDenied):
        await create(db, world, box, world.anna, imap_account(unique("bert"), owner_user_id=world.bert))
    with pytest.raises(InvalidArgument) as nobody:
        await create(db, world, box, world.manager, imap_account(unique("ghost"), owner_user_id=uuid.uuid4()))
    assert nobody.value.field == "owner_user_id"
    made = await create(db, world, box, world.manager, imap_account(unique("bert"), owner_user_id=world.bert))
    assert made.owner_user_id == world.bert
    assert made.id in await listed(db, world, world.bert)


async def test_another_tenants_account_is_not_found_even_for_its_manager(db, world, box):
    account = await create(db, world, box, world.anna, imap_account(unique("anna")))
    with pytest.raises(NotFound):
        await get(db, world, world.manager, account.id, tenant=world.other_tenant)
    assert account.id not in await listed(db, world, world.manager, tenant=world.other_tenant)
    with world.caller(world.manager, world.other_tenant) as caller:
        async with db.unit_of_work(world.other_tenant) as session:
            with pytest.raises(NotFound):
                await service.delete_account(session, caller, account.id)
            with pytest.raises(NotFound):
                await open_account(session, box, account.id)


async def test_credentials_are_sealed_bound_to_their_row_and_only_open_account_unseals_them(db, world, box):
    first = await create(db, world, box, world.anna, imap_account(unique("anna")))
    second = await create(db, world, box, world.anna, imap_account(unique("anna2")))
    async with db.unit_of_work(world.tenant) as session:
        row = await session.get(AccountCredential, first.id)
        assert row.kind == "password" and PASSWORD.encode() not in bytes(row.sealed)
        opened = await open_account(session, box, first.id)
    assert opened.credential.secret == PASSWORD and PASSWORD not in repr(opened.credential)

    # A sealed value copied to another account's row does not open there.
    async with db.unit_of_work(world.tenant) as session:
        await session.execute(text("UPDATE mail_account_credentials SET sealed = :s WHERE account_id = :a"),
                              {"s": bytes(row.sealed), "a": second.id})
    async with db.unit_of_work(world.tenant) as session:
        with pytest.raises(SecretUnreadable):
            await open_account(session, box, second.id)


async def test_set_credentials_replaces_the_secret_and_wakes_an_import_waiting_for_sign_in(db, world, box):
    account = await create(db, world, box, world.anna, imap_account(unique("anna"), credentials=None))
    async with db.unit_of_work(world.tenant) as session:
        assert (await open_account(session, box, account.id)).credential is None
        session.add(ImportState(account_id=account.id, tenant_id=world.tenant, state="needs_auth",
                                last_error_code="imap_auth"))
    with world.caller(world.anna) as caller:
        async with db.unit_of_work(world.tenant) as session:
            with pytest.raises(InvalidArgument) as refused:
                await service.set_credentials(session, caller, box, account.id, Credentials(client_secret="x" * 20))
            assert refused.value.field == "credentials"
        async with db.unit_of_work(world.tenant) as session:
            updated = await service.set_credentials(session, caller, box, account.id,
                                                    Credentials(password="new-pass"))
            assert updated.version == 2
    async with db.unit_of_work(world.tenant) as session:
        assert (await open_account(session, box, account.id)).credential.secret == "new-pass"
        state = await session.get(ImportState, account.id)
        assert state.state == "failing" and state.retry_at is not None


async def test_list_pages_by_address_without_repeats(db, world, box):
    owner = await world.contacts_tenant.user("sales_rep")  # a user of their own: only these five are theirs
    made = [await create(db, world, box, owner, imap_account(f"p{i}.{uuid.uuid4().hex[:6]}@example.com"))
            for i in range(5)]
    seen, token = [], ""
    with world.caller(owner) as caller:
        async with db.unit_of_work(world.tenant) as session:
            while True:
                rows, token = await service.list_accounts(session, caller, page_size=2, page_token=token)
                seen.extend(a.id for a in rows)
                if not token:
                    break
            with pytest.raises(InvalidArgument):
                await service.list_accounts(session, caller, page_size=2, page_token="not-a-token")
    assert sorted(seen) == sorted(a.id for a in made)
    assert [a.address_key for a in sorted(made, key=lambda a: a.address_key)] == [
        a.address_key for a in sorted(made, key=lambda a: seen.index(a.id))]


async def test_creating_an_account_lists_its_tenant_for_the_importer(db, world, box):
    await create(db, world, box, world.anna, imap_account(unique("anna")))
    async with db.unit_of_work(None) as session:  # the system scope of the beat
        tenants = set((await session.scalars(select(MailTenant.tenant_id))).all())
        assert world.tenant in tenants
        assert (await session.scalars(select(MailAccount))).all() == []  # accounts stay behind RLS


async def test_teams_are_asked_once_per_request(db, world, box):
    support = await create(db, world, box, world.manager, imap_account(
        unique("support"), kind="shared", team_id=world.support))
    recorder = CallRecorder()
    contacts = world.contacts_tenant.service.client(recorder)  # what went over the wire to contacts
    try:
        with world.caller(world.anna, contacts=contacts) as caller:
            async with db.unit_of_work(world.tenant) as session:
                rows, _ = await service.list_accounts(session, caller, page_size=10, page_token="")
                usable = await service.usable_account_ids(session, caller)
    finally:
        await contacts.close()
    assert support.id in {a.id for a in rows} and support.id in usable  # the team's answer was used both times
    assert len(recorder.requests["GetUser"]) == 1


async def test_resealing_moves_credentials_to_the_newest_key_and_reports_unreadable_ones(db, world, box):
    old_key, new_key = generate_key(), generate_key()
    old_box = SecretBox(parse_keys(old_key))
    account = await create(db, world, old_box, world.anna, imap_account(unique("anna")))
    lost = await create(db, world, box, world.anna, imap_account(unique("lost")))  # a key nobody keeps
    rotated = SecretBox(parse_keys(f"{new_key},{old_key}"))

    report = await reseal_all(db, rotated, tenant_ids=[world.tenant])
    assert report == {"resealed": 1, "current": 0, "unreadable": [str(lost.id)]}
    async with db.unit_of_work(world.tenant) as session:
        opened = await open_account(session, SecretBox(parse_keys(new_key)), account.id)  # old key dropped
    assert opened.credential.secret == PASSWORD
    again = await reseal_all(db, rotated, tenant_ids=[world.tenant])
    assert (again["resealed"], again["current"]) == (0, 1)
