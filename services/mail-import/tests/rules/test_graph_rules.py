"""Filter rules of a Graph account against the Graph emulator (HTTPS): inbox rules become messageRules that
Exchange runs on delivery; other source folders (or a rule the server refuses) are applied by the importer."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest

from kontor.platform.errors import Conflict
from kontor.platform.groupware.errors import InvalidRequest
from kontor.protos.mail.v1 import rules_pb2 as pb

from kontor.mail_import.rules.servicer import FilterRuleServicer

from .helpers import graph_account_request
from .real_world import contacts_database_url, contacts_service, world  # noqa: F401 - fixtures


class Outlook:
    """The mailbox as its user and its server see it, through the emulator's control API and Graph itself."""

    def __init__(self, handle) -> None:
        self.h = handle
        self.base = f"/mailboxes/{handle.upn}/mail"
        self.ids: dict[str, str] = {}  # folder display name -> id, for the folders made here

    def folder(self, name: str) -> str:
        r = self.h.control.post(f"{self.base}/folders", json={"displayName": name})
        assert r.status_code == 201, r.text
        self.ids[name] = r.json()["id"]
        return self.ids[name]

    def deliver(self, *, subject: str, sender: str, folder: str = "inbox", **mime) -> None:
        from kontor.emulators.graph.mail_testing import deliver, make_mime  # noqa: PLC0415

        deliver(self.h, make_mime(to=self.h.upn, subject=subject, sender=sender, **mime),
                folder=self.ids.get(folder, folder))

    def subjects(self, folder: str) -> list[str]:
        r = self.h.control.get(f"{self.base}/messages", params={"folder": self.ids.get(folder, folder)})
        assert r.status_code == 200, r.text
        return sorted(m["subject"] for m in r.json()["value"])

    def rules(self) -> list[dict]:
        with self.h.graph() as graph:
            return graph.get("/mailFolders/inbox/messageRules").json()["value"]

    def delete_rule(self, rule_id: str) -> None:
        with self.h.graph() as graph:
            assert graph.delete(f"/mailFolders/inbox/messageRules/{rule_id}").status_code == 204


@pytest.fixture
def outlook(graph_tenant) -> Outlook:
    return Outlook(graph_tenant)


@pytest.fixture
async def account(world, emulator, graph_tenant, outlook):
    outlook.crm = outlook.folder("CRM")
    return await world.account(world.anna, graph_account_request(emulator, graph_tenant, import_folder="CRM"))


def conditions(**fields) -> pb.RuleConditions:
    return pb.RuleConditions(**fields)


async def test_an_inbox_rule_becomes_a_message_rule_that_files_new_mail(world, outlook, account):
    with world.acting_as(world.anna):
        rule = await world.rules.CreateRule(pb.CreateRuleRequest(
            account_id=account.id, name="Kunden",
            conditions=conditions(sender_domains=["kunde.example"], subject_contains=["Angebot"])), None)
    assert rule.applied_by == "server"
    [server_rule] = outlook.rules()
    assert (server_rule["displayName"], server_rule["actions"]["moveToFolder"]) == ("Kunden", outlook.crm)
    assert server_rule["conditions"]["subjectContains"] == ["Angebot"]

    outlook.deliver(subject="Ihr Angebot", sender="a@kunde.example")
    outlook.deliver(subject="Ihr Angebot", sender="a@fremd.example")
    outlook.deliver(subject="Hallo", sender="b@kunde.example")
    assert outlook.subjects("CRM") == ["Ihr Angebot"]  # moved by Exchange on delivery, no round needed
    assert outlook.subjects("inbox") == ["Hallo", "Ihr Angebot"]

    report = await world.import_round(account.id)  # the importer leaves server rules to the server
    assert (report.outcome, report.imported) == ("ok", 1)
    assert outlook.subjects("inbox") == ["Hallo", "Ihr Angebot"]

    with world.acting_as(world.anna):
        tested = await world.rules.TestRule(pb.TestRuleRequest(
            account_id=account.id, conditions=conditions(sender_domains=["kunde.example"])), None)
    assert (tested.tested, [m.subject for m in tested.matches]) == (2, ["Hallo"])


async def test_updates_disabling_and_deleting_follow_on_the_server(world, outlook, account):
    with world.acting_as(world.anna):
        rule = await world.rules.CreateRule(pb.CreateRuleRequest(
            account_id=account.id, name="Partner", conditions=conditions(sender_domains=["kunde.example"])), None)
        changed = await world.rules.UpdateRule(pb.UpdateRuleRequest(
            id=rule.id, expected_version=1,
            conditions=conditions(sender_addresses=["chef@partner.example"], has_attachment=False)), None)
    [server_rule] = outlook.rules()
    assert (changed.applied_by, changed.version) == ("server", 2)
    outlook.deliver(subject="old conditions", sender="a@kunde.example")
    outlook.deliver(subject="plain", sender="Chef@Partner.example")
    outlook.deliver(subject="with file", sender="chef@partner.example", attachment=("a.pdf", b"%PDF"))
    assert outlook.subjects("CRM") == ["plain"]

    with world.acting_as(world.anna):
        off = await world.rules.UpdateRule(pb.UpdateRuleRequest(id=rule.id, expected_version=2, enabled=False),
                                           None)
    assert (off.enabled, off.applied_by, outlook.rules()) == (False, "server", [])
    outlook.deliver(subject="while off", sender="chef@partner.example")
    assert outlook.subjects("CRM") == ["plain"]

    with world.acting_as(world.anna):
        on = await world.rules.UpdateRule(pb.UpdateRuleRequest(id=rule.id, expected_version=3, enabled=True), None)
    [again] = outlook.rules()
    assert again["id"] != server_rule["id"] and on.applied_by == "server"

    outlook.delete_rule(again["id"])  # the user removed it in Outlook: the next save makes it again
    with world.acting_as(world.anna):
        await world.rules.UpdateRule(pb.UpdateRuleRequest(id=rule.id, expected_version=4, name="Partner 2"), None)
    assert [r["displayName"] for r in outlook.rules()] == ["Partner 2"]

    with world.acting_as(world.anna):
        await world.rules.DeleteRule(pb.DeleteRuleRequest(id=rule.id), None)
        assert list((await world.rules.ListRules(pb.ListRulesRequest(account_id=account.id), None)).rules) == []
    assert outlook.rules() == []
    outlook.deliver(subject="after delete", sender="chef@partner.example")
    assert outlook.subjects("CRM") == ["plain"]


async def test_rules_on_other_folders_are_applied_by_the_importer_with_graph_moves(world, outlook, account):
    outlook.folder("Eingang")
    with world.acting_as(world.anna):
        rule = await world.rules.CreateRule(pb.CreateRuleRequest(
            account_id=account.id, name="Dateien", source_folder="Eingang",
            conditions=conditions(has_attachment=True)), None)
    assert (rule.applied_by, outlook.rules()) == ("importer", [])
    outlook.deliver(subject="file", sender="x@y.example", folder="Eingang", attachment=("a.bin", b"1"))
    outlook.deliver(subject="no file", sender="x@y.example", folder="Eingang")
    report = await world.import_round(account.id)
    assert (report.outcome, report.imported) == ("ok", 1)
    assert outlook.subjects("CRM") == ["file"]
    assert outlook.subjects("Eingang") == ["no file"]


async def test_a_rule_the_server_refuses_is_applied_by_the_importer(world, outlook, account):
    @asynccontextmanager
    async def refusing(account_row):
        async with world.opener(account_row) as provider:
            async def full(*args, **kwargs):
                raise InvalidRequest("rules storage quota exceeded", status=400, code="ErrorRulesOverQuota")

            provider.create_rule = full  # the real Graph provider, except that the server's rule storage is full
            yield provider

    rules = FilterRuleServicer(world.db, world.contacts, refusing)
    with world.acting_as(world.anna):
        rule = await rules.CreateRule(pb.CreateRuleRequest(
            account_id=account.id, name="Kunden", conditions=conditions(sender_domains=["kunde.example"])), None)
    assert (rule.applied_by, outlook.rules()) == ("importer", [])
    outlook.deliver(subject="Angebot", sender="a@kunde.example")
    outlook.deliver(subject="fremd", sender="a@fremd.example")
    assert (await world.import_round(account.id)).imported == 1
    assert (outlook.subjects("CRM"), outlook.subjects("inbox")) == (["Angebot"], ["fremd"])


async def test_a_refused_sign_in_stores_nothing_and_says_what_to_do(world, emulator, graph_tenant, outlook):
    outlook.folder("CRM")
    wrong = await world.account(world.anna, graph_account_request(emulator, graph_tenant, import_folder="CRM",
                                                                  secret="not-the-secret"))
    with world.acting_as(world.anna):
        with pytest.raises(Conflict) as caught:  # FAILED_PRECONDITION
            await world.rules.CreateRule(pb.CreateRuleRequest(
                account_id=wrong.id, name="x", conditions=conditions(subject_contains=["x"])), None)
        assert list((await world.rules.ListRules(pb.ListRulesRequest(account_id=wrong.id), None)).rules) == []
    assert "credentials" in caught.value.message and outlook.rules() == []


async def test_a_missing_import_folder_stores_nothing(world, emulator, graph_tenant, outlook):
    account = await world.account(world.anna, graph_account_request(emulator, graph_tenant, import_folder="Nirgends"))
    with world.acting_as(world.anna):
        with pytest.raises(Conflict) as caught:
            await world.rules.CreateRule(pb.CreateRuleRequest(
                account_id=account.id, name="x", conditions=conditions(subject_contains=["x"])), None)
        assert list((await world.rules.ListRules(pb.ListRulesRequest(account_id=account.id), None)).rules) == []
    assert "import folder" in caught.value.message and outlook.rules() == []
