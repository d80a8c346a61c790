"""Filter rules of an IMAP account (no server rules): the importer moves matching inbox mail into the import
folder at the start of each round; rights, validation, versions, TestRule and failures of the server on save."""

from __future__ import annotations

import uuid

import pytest

from kontor.devstack.ports import free_port
from kontor.platform.errors import Conflict, InvalidArgument, NotFound, PermissionDenied, Unavailable
from kontor.protos.mail.v1 import rules_pb2 as pb

from .helpers import imap_account_request, mime, subjects_in
from .real_world import contacts_database_url, contacts_service, world  # noqa: F401 - fixtures


@pytest.fixture
def import_folder(raw_client, suffix) -> str:
    name = f"CRM-{suffix}"
    raw_client.create_folder(name)
    return name


@pytest.fixture
async def anna_account(world, pymap, import_folder, suffix):
    return await world.account(world.anna, imap_account_request(pymap, address=f"anna-{suffix}@kontor.example",
                                                                 import_folder=import_folder))


def conditions(**fields) -> pb.RuleConditions:
    return pb.RuleConditions(**fields)


def inbox_with(raw_client, marker: str) -> list[str]:
    return [s for s in subjects_in(raw_client, "INBOX") if marker in s]


async def test_importer_rule_moves_matching_inbox_mail_into_the_import_folder(
        world, pymap, raw_client, anna_account, import_folder, suffix):
    with world.acting_as(world.anna):
        rule = await world.rules.CreateRule(pb.CreateRuleRequest(
            account_id=anna_account.id, name="Kunde",
            conditions=conditions(sender_domains=[f"Kunde-{suffix}.example"], subject_contains=["angebot"])), None)
    assert (rule.applied_by, rule.source_folder, rule.enabled, rule.version) == ("importer", "inbox", True, 1)
    assert list(rule.conditions.sender_domains) == [f"kunde-{suffix}.example"]  # stored normalised

    pymap.deliver("INBOX", mime(f"Ihr Angebot {suffix}", sender=f"a@sub.kunde-{suffix}.example"))
    pymap.deliver("INBOX", mime(f"Hallo {suffix}", sender=f"a@kunde-{suffix}.example"))  # subject does not fit
    pymap.deliver("INBOX", mime(f"Angebot fremd {suffix}", sender=f"a@other-{suffix}.example"))  # domain

    report = await world.import_round(anna_account.id)
    assert (report.outcome, report.imported) == ("ok", 1)
    assert subjects_in(raw_client, import_folder) == [f"Ihr Angebot {suffix}"]
    assert inbox_with(raw_client, suffix) == [f"Angebot fremd {suffix}", f"Hallo {suffix}"]

    # switched off: mail that would match stays where it is
    with world.acting_as(world.anna):
        off = await world.rules.UpdateRule(pb.UpdateRuleRequest(id=rule.id, expected_version=1, enabled=False),
                                           None)
    assert (off.enabled, off.version) == (False, 2)
    pymap.deliver("INBOX", mime(f"Angebot 2 {suffix}", sender=f"b@kunde-{suffix}.example"))
    assert (await world.import_round(anna_account.id)).imported == 0
    assert f"Angebot 2 {suffix}" in inbox_with(raw_client, suffix)


async def test_rules_apply_in_any_source_folder_and_each_rule_is_an_or(
        world, pymap, raw_client, anna_account, import_folder, suffix):
    source = f"Eingang-{suffix}"
    raw_client.create_folder(source)
    with world.acting_as(world.anna):
        await world.rules.CreateRule(pb.CreateRuleRequest(
            account_id=anna_account.id, name="Dateien", source_folder=source,
            conditions=conditions(has_attachment=True)), None)
        await world.rules.CreateRule(pb.CreateRuleRequest(
            account_id=anna_account.id, name="Vertrieb", source_folder=source,
            conditions=conditions(recipient_addresses=[f"sales-{suffix}@kontor.example"])), None)
    pymap.deliver(source, mime("file", sender="x@y.example", attachment=True))
    pymap.deliver(source, mime("cc sales", sender="x@y.example", cc=f"Sales-{suffix}@kontor.example"))
    pymap.deliver(source, mime("neither", sender="x@y.example"))
    pymap.deliver("INBOX", mime(f"inbox file {suffix}", sender="x@y.example", attachment=True))  # not its folder
    report = await world.import_round(anna_account.id)
    assert report.imported == 2
    assert subjects_in(raw_client, import_folder) == ["cc sales", "file"]
    assert subjects_in(raw_client, source) == ["neither"]
    assert inbox_with(raw_client, suffix) == [f"inbox file {suffix}"]


async def test_test_rule_answers_the_matches_among_the_newest_messages(
        world, pymap, raw_client, anna_account, suffix):
    for n in range(3):
        pymap.deliver("INBOX", mime(f"Rechnung {n} {suffix}", sender=f"buchhaltung@lief-{suffix}.example",
                                    attachment=n == 1))
    pymap.deliver("INBOX", mime(f"Rechnung x {suffix}", sender="someone@else.example"))
    raw_client.select_folder("INBOX", readonly=True)
    in_inbox = len(raw_client.search(["ALL"]))
    with world.acting_as(world.anna):
        answer = await world.rules.TestRule(pb.TestRuleRequest(
            account_id=anna_account.id, conditions=conditions(sender_domains=[f"lief-{suffix}.example"])), None)
        with_file = await world.rules.TestRule(pb.TestRuleRequest(
            account_id=anna_account.id, limit=2,
            conditions=conditions(sender_domains=[f"lief-{suffix}.example"], has_attachment=True)), None)
    assert answer.tested == min(50, in_inbox)
    assert sorted(m.subject for m in answer.matches) == [f"Rechnung {n} {suffix}" for n in range(3)]
    assert all(getattr(m, "from").email == f"buchhaltung@lief-{suffix}.example" for m in answer.matches)
    # the newest two are "Rechnung x" (other sender) and "Rechnung 2" (no file): nothing of the two matches
    assert (with_file.tested, list(with_file.matches)) == (2, [])
    assert inbox_with(raw_client, f"Rechnung 1 {suffix}")  # testing moved nothing


@pytest.mark.parametrize(("request_fields", "field"), [
    ({"name": "x"}, "conditions"),
    ({"name": "x", "conditions": {"sender_domains": ["ok.example", "not a domain"]}},
     "conditions.sender_domains[1]"),
    ({"name": "x", "conditions": {"sender_addresses": ["nobody"]}}, "conditions.sender_addresses[0]"),
    ({"name": "  ", "conditions": {"subject_contains": ["x"]}}, "name"),
    ({"name": "x", "conditions": {"subject_contains": ["x"]}, "source_folder": "Nirgends/Ordner"}, "source_folder"),
])
async def test_bad_rules_name_the_field_and_store_nothing(world, anna_account, request_fields, field):
    fields = dict(request_fields)
    if "conditions" in fields:
        fields["conditions"] = conditions(**fields["conditions"])
    with world.acting_as(world.anna):
        with pytest.raises(InvalidArgument) as caught:
            await world.rules.CreateRule(pb.CreateRuleRequest(account_id=anna_account.id, **fields), None)
        assert caught.value.field == field
        assert list((await world.rules.ListRules(pb.ListRulesRequest(account_id=anna_account.id), None)).rules) == []


async def test_the_import_folder_cannot_be_its_own_source(world, anna_account, import_folder):
    with world.acting_as(world.anna), pytest.raises(InvalidArgument) as caught:
        await world.rules.CreateRule(pb.CreateRuleRequest(account_id=anna_account.id, name="loop",
                                                          source_folder=import_folder,
                                                          conditions=conditions(subject_contains=["x"])), None)
    assert caught.value.field == "source_folder"


async def test_updates_check_the_version_and_rules_list_by_position(world, anna_account):
    with world.acting_as(world.anna):
        first = await world.rules.CreateRule(pb.CreateRuleRequest(
            account_id=anna_account.id, name="eins", conditions=conditions(subject_contains=["a"])), None)
        second = await world.rules.CreateRule(pb.CreateRuleRequest(
            account_id=anna_account.id, name="zwei", conditions=conditions(subject_contains=["b"])), None)
        assert (first.position, second.position) == (0, 1)
        moved = await world.rules.UpdateRule(pb.UpdateRuleRequest(id=first.id, expected_version=1, position=5),
                                             None)
        with pytest.raises(Conflict):  # someone else's change in between
            await world.rules.UpdateRule(pb.UpdateRuleRequest(id=first.id, expected_version=1, name="alt"), None)
        with pytest.raises(InvalidArgument) as caught:
            await world.rules.UpdateRule(pb.UpdateRuleRequest(
                id=second.id, expected_version=1, conditions=conditions(subject_contains=[""])), None)
        assert caught.value.field == "conditions.subject_contains[0]"
        renamed = await world.rules.UpdateRule(pb.UpdateRuleRequest(
            id=second.id, expected_version=1, name="Zwei", conditions=conditions(sender_domains=["b.example"])),
            None)
        listed = await world.rules.ListRules(pb.ListRulesRequest(account_id=anna_account.id), None)
    assert (moved.version, moved.position, moved.name) == (2, 5, "eins")
    assert (renamed.version, renamed.name, list(renamed.conditions.subject_contains),
            list(renamed.conditions.sender_domains)) == (2, "Zwei", [], ["b.example"])
    assert [r.name for r in listed.rules] == ["Zwei", "eins"]

    with world.acting_as(world.anna):
        await world.rules.DeleteRule(pb.DeleteRuleRequest(id=first.id), None)
        listed = await world.rules.ListRules(pb.ListRulesRequest(account_id=anna_account.id), None)
        with pytest.raises(NotFound):
            await world.rules.DeleteRule(pb.DeleteRuleRequest(id=first.id), None)
    assert [r.name for r in listed.rules] == ["Zwei"]


async def test_rights_follow_the_account(world, pymap, anna_account, raw_client, suffix):
    with world.acting_as(world.anna):
        rule = await world.rules.CreateRule(pb.CreateRuleRequest(
            account_id=anna_account.id, name="mine", conditions=conditions(subject_contains=["x"])), None)
    # another user's personal account, like another tenant's: not found
    with world.acting_as(world.bert):
        for call in (world.rules.ListRules(pb.ListRulesRequest(account_id=anna_account.id), None),
                     world.rules.UpdateRule(pb.UpdateRuleRequest(id=rule.id, expected_version=1, name="y"), None),
                     world.rules.DeleteRule(pb.DeleteRuleRequest(id=rule.id), None),
                     world.rules.TestRule(pb.TestRuleRequest(account_id=anna_account.id,
                                                             conditions=conditions(subject_contains=["x"])), None)):
            with pytest.raises(NotFound):
                await call
    other_tenant = world.tenant
    world.tenant = uuid.uuid4()
    try:
        with world.acting_as(world.manager), pytest.raises(NotFound):
            await world.rules.ListRules(pb.ListRulesRequest(account_id=anna_account.id), None)
    finally:
        world.tenant = other_tenant
    # a role without "update" on mail_account (the tenant's rights in contacts) reads but changes nothing
    await world.contacts_tenant.set_rights("sales_rep", "mail_account", {"create", "read", "delete"})
    with world.acting_as(world.anna):
        assert len((await world.rules.ListRules(pb.ListRulesRequest(account_id=anna_account.id), None)).rules) == 1
        with pytest.raises(PermissionDenied):
            await world.rules.DeleteRule(pb.DeleteRuleRequest(id=rule.id), None)
    await world.contacts_tenant.reset_rights("sales_rep", "mail_account")

    # a shared account: its team reads and tests the rules, a manager changes them
    shared_folder = f"Shared-{suffix}"
    raw_client.create_folder(shared_folder)
    shared = await world.account(world.manager, imap_account_request(
        pymap, address=f"support-{suffix}@kontor.example", import_folder=shared_folder, kind="shared",
        team_id=str(world.support)))
    with world.acting_as(world.anna), pytest.raises(PermissionDenied):
        await world.rules.CreateRule(pb.CreateRuleRequest(
            account_id=shared.id, name="team", conditions=conditions(subject_contains=["x"])), None)
    with world.acting_as(world.manager):
        team_rule = await world.rules.CreateRule(pb.CreateRuleRequest(
            account_id=shared.id, name="team", conditions=conditions(subject_contains=["x"])), None)
    with world.acting_as(world.anna):
        assert [r.id for r in (await world.rules.ListRules(pb.ListRulesRequest(account_id=shared.id), None)).rules
                ] == [team_rule.id]
        with pytest.raises(PermissionDenied):
            await world.rules.UpdateRule(pb.UpdateRuleRequest(id=team_rule.id, expected_version=1, name="y"), None)
    with world.acting_as(world.bert), pytest.raises(NotFound):
        await world.rules.ListRules(pb.ListRulesRequest(account_id=shared.id), None)


async def test_a_server_that_cannot_be_reached_or_refuses_the_sign_in_stores_nothing(world, pymap, suffix):
    unreachable = await world.account(world.anna, imap_account_request(
        pymap, address=f"down-{suffix}@kontor.example", import_folder="INBOX", port=free_port()))
    refused = await world.account(world.anna, imap_account_request(
        pymap, address=f"wrong-{suffix}@kontor.example", import_folder="INBOX", password="not-the-password"))
    request = dict(name="x", conditions=conditions(subject_contains=["x"]), source_folder="Elsewhere")
    with world.acting_as(world.anna):
        with pytest.raises(Unavailable) as down:
            await world.rules.CreateRule(pb.CreateRuleRequest(account_id=unreachable.id, **request), None)
        with pytest.raises(Conflict) as sign_in:  # FAILED_PRECONDITION: fix the credentials first
            await world.rules.CreateRule(pb.CreateRuleRequest(account_id=refused.id, **request), None)
        for account in (unreachable, refused):
            assert list((await world.rules.ListRules(pb.ListRulesRequest(account_id=account.id), None)).rules) == []
    assert "Nothing was saved" in down.value.message
    assert "credentials" in sign_in.value.message and "not-the-password" not in sign_in.value.message


@pytest.mark.parametrize(("fields", "field"), [
    ({"limit": 201}, "limit"),
    ({"limit": -1}, "limit"),
    ({"source_folder": "Gibt-es-nicht"}, "source_folder"),
    ({"account_id": "not-a-uuid"}, "account_id"),
])
async def test_test_rule_checks_its_input(world, anna_account, fields, field):
    request = pb.TestRuleRequest(account_id=anna_account.id, conditions=conditions(subject_contains=["x"]))
    for name, value in fields.items():
        setattr(request, name, value)
    with world.acting_as(world.anna), pytest.raises(InvalidArgument) as caught:
        await world.rules.TestRule(request, None)
    assert caught.value.field == field
