"""The start of a round: mail stored unfiled earlier is filed once contacts answers again (imports/refile.py;
the real contacts service, tests/real_services.py), and the importer's filter rules run outside any
transaction and never fail the round (rules/apply.py)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from kontor.platform.groupware.errors import TransientError
from kontor.platform.outbox import OutboxEvent

from kontor.mail_import import texts
from kontor.mail_import.contacts_client import ContactsClient
from kontor.mail_import.imports import round as import_round
from kontor.mail_import.imports.models import ImportLogEntry
from kontor.mail_import.mails.models import MailLink
from kontor.mail_import.rules.models import FilterRule

from ..real_services import down_address  # noqa: TID252
from .real_world import contacts_database_url, contacts_service, world  # noqa: F401 - fixtures
from .test_round import message

KEY = b"k" * 32


async def log_lines(world, box, code: str) -> list[ImportLogEntry]:
    async with world.db.unit_of_work(world.tenant_id) as session:
        return list(await session.scalars(select(ImportLogEntry).where(
            ImportLogEntry.account_id == box.account_id, ImportLogEntry.code == code).order_by(ImportLogEntry.id)))


async def links(world) -> set[tuple]:
    async with world.db.unit_of_work(world.tenant_id) as session:
        return {(link.mail_id, link.record_type, link.record_id, link.origin)
                for link in await session.scalars(select(MailLink).where(MailLink.tenant_id == world.tenant_id))}


async def filed_events(world) -> list[dict]:
    async with world.db.unit_of_work(world.tenant_id) as session:
        return [e.payload["data"] for e in await session.scalars(select(OutboxEvent).where(
            OutboxEvent.tenant_id == world.tenant_id, OutboxEvent.event_type == "kontor.mail.mail.filed"))]


# ---- re-matching after a contacts outage (the real contacts service) --------------------------------------------


async def test_mail_stored_while_contacts_was_down_is_filed_by_the_next_round(world):
    box = await world.mailbox("Import", address="sales@kontor.example")
    owner = await world.owner_of(box)
    company = await world.contacts_tenant.company(assigned=[owner])  # private: the owner sees it, works on it
    person = await world.contacts_tenant.person(company, "anna@customer.example")
    box.deliver(message(1), message(2, sender="nobody@elsewhere.example"))
    down = ContactsClient.connect(down_address(), timeout_s=2)  # nothing listens there: contacts is down
    try:
        with world.acting_as(owner):
            report = await box.run(matching=import_round.Matching(down, KEY))
            assert (report.imported, report.unfiled, report.rematched, report.state) == (2, 2, 0, "healthy")
            assert await links(world) == set()

            # Still down at the start of the next round: the round goes on, nothing is filed yet.
            box.deliver(message(3))
            report = await box.run(matching=import_round.Matching(down, KEY))
            assert (report.outcome, report.imported, report.rematched) == ("ok", 1, 0)
            assert await links(world) == set()
    finally:
        await down.close()

    with world.acting_as(owner):  # contacts is back
        report = await box.run(matching=import_round.Matching(world.contacts, KEY))
    assert (report.outcome, report.imported, report.rematched) == ("ok", 0, 2)  # offers 1 and 3 (anna)
    found = await links(world)
    assert {(kind, record, origin) for _, kind, record, origin in found} == {
        ("contact_person", person, "auto"), ("company", company, "auto")}
    filed_mails = {mail_id for mail_id, *_ in found}
    assert len(filed_mails) == 2
    events = await filed_events(world)
    assert sorted(e["mailId"] for e in events) == sorted(str(m) for m in filed_mails)
    assert all(e["byUserId"] == "service:mail-import" for e in events)
    [line] = await log_lines(world, box, "import.rematched")
    assert line.details["count"] == 2
    assert "2" in texts.text(line.code, "de", **line.details)

    # Filed once: the next round asks contacts only about the mail that matches nothing, and inserts nothing.
    asked_before = len(world.calls.requests["MatchAddresses"])
    with world.acting_as(owner):
        report = await box.run(matching=import_round.Matching(world.contacts, KEY))
    assert report.rematched == 0 and await links(world) == found
    asked = [sorted(r.addresses) for r in world.calls.requests["MatchAddresses"][asked_before:]]
    assert asked == [["nobody@elsewhere.example"]]
    assert len(await filed_events(world)) == len(events)


async def test_a_removed_link_is_not_filed_again_by_re_matching(world):
    box = await world.mailbox("Import", address="sales@kontor.example")
    owner = await world.owner_of(box)
    company = await world.contacts_tenant.company(assigned=[owner])
    await world.contacts_tenant.person(company, "anna@customer.example")
    box.deliver(message(1))
    with world.acting_as(owner):
        await box.run(matching=import_round.Matching(world.contacts, KEY))
    async with world.db.unit_of_work(world.tenant_id) as session:
        for link in await session.scalars(select(MailLink).where(MailLink.tenant_id == world.tenant_id)):
            link.removed_at, link.removed_by = link.created_at, "someone"

    with world.acting_as(owner):
        report = await box.run(matching=import_round.Matching(world.contacts, KEY))

    assert report.rematched == 0
    async with world.db.unit_of_work(world.tenant_id) as session:
        rows = list(await session.scalars(select(MailLink).where(MailLink.tenant_id == world.tenant_id)))
    assert len(rows) == 2 and all(link.removed_at is not None for link in rows)


# ---- filter rules at the start of the round ---------------------------------------------------------------------


class MoveSpy:
    """The real provider; ``move`` notes how many database connections are checked out while the server moves
    (1 = only the round's advisory lock: no transaction is open) or fails like a refusing server."""

    def __init__(self, inner, db, *, fail: bool = False):
        self.inner, self.db, self.fail, self.checked_out = inner, db, fail, []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    async def move(self, folder_id, refs, destination_id):
        self.checked_out.append(self.db.engine.pool.checkedout())
        if self.fail:
            raise TransientError("the server refused the move")
        return await self.inner.move(folder_id, refs, destination_id)


async def add_rule(world, box, source_folder: str, sender_domain: str = "customer.example") -> uuid.UUID:
    rule_id = uuid.uuid4()
    async with world.db.unit_of_work(world.tenant_id) as session:
        session.add(FilterRule(id=rule_id, tenant_id=world.tenant_id, account_id=box.account_id, name="Kunde",
                               conditions={"sender_domains": [sender_domain]}, source_folder=source_folder,
                               created_by="test"))
    return rule_id


async def run_with(world, box, provider_wrapper, **kwargs):
    async with box.provider() as inner:
        provider = provider_wrapper(inner)
        report = await import_round.run_round(world.db, provider, tenant_id=world.tenant_id,
                                              account_id=box.account_id, blobs=world.blobs, batch_size=10, **kwargs)
    return report, provider


async def test_rules_move_outside_any_transaction_and_the_round_imports_what_they_moved(world):
    box = await world.mailbox("Import")
    source = f"Eingang-{world.suffix}"
    world.append(source, message(1), message(2, sender="x@other.example"))
    await add_rule(world, box, source)

    report, spy = await run_with(world, box, lambda inner: MoveSpy(inner, world.db))

    assert (report.outcome, report.state, report.moved_by_rules, report.imported) == ("ok", "healthy", 1, 1)
    assert spy.checked_out == [1]  # the advisory lock's connection only
    assert await log_lines(world, box, "import.rules_failed") == []


async def test_a_rule_whose_source_folder_is_gone_is_a_warning_and_the_import_goes_on(world):
    box = await world.mailbox("Import")
    box.deliver(message(1))
    rule_id = await add_rule(world, box, f"Gibt-es-nicht-{world.suffix}")

    report = await box.run()

    assert (report.outcome, report.state, report.imported) == ("ok", "healthy", 1)
    [line] = await log_lines(world, box, "import.rules_failed")
    assert (line.level, line.details) == ("warning", {"error": "source_folder_missing", "rules": 1})
    assert str(rule_id) not in line.message
    assert "Filterregeln" in texts.text(line.code, "de", **line.details)
    assert "Filter rules" in texts.text(line.code, "en", **line.details)

    # A standing problem is one line, not one per round.
    box.deliver(message(2))
    report = await box.run()
    assert (report.outcome, report.imported) == ("ok", 1)
    assert len(await log_lines(world, box, "import.rules_failed")) == 1


async def test_a_refused_move_is_a_warning_and_the_import_goes_on(world):
    box = await world.mailbox("Import")
    source = f"Eingang-{world.suffix}"
    world.append(source, message(1))
    box.deliver(message(2))
    await add_rule(world, box, source)

    report, spy = await run_with(world, box, lambda inner: MoveSpy(inner, world.db, fail=True))

    assert (report.outcome, report.state, report.imported, report.moved_by_rules) == ("ok", "healthy", 1, 0)
    assert spy.checked_out == [1]
    [line] = await log_lines(world, box, "import.rules_failed")
    assert (line.level, line.details) == ("warning", {"error": "TransientError", "rules": 1})
