"""Automatic matching against real PostgreSQL, with the real contacts service answering over gRPC: by address, by domain,
by thread, by our Message-ID; a contacts outage loses no mail and re-matching catches up."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from kontor.mail_import.contacts_client import MatchingUnavailable
from kontor.mail_import.mails import matching
from kontor.mail_import.mails.message_ids import new_message_id
from kontor.mail_import.mails.schemas import RecordRef

from .helpers import KEY, auto_match, file, in_force, rematch, remove
from .real_world import contacts_database_url, contacts_service, world  # noqa: F401 - fixtures


@pytest.fixture(autouse=True)
async def background_identity_sees_everything(world):
    await world.tenant.set_role(world.owner, "org_manager")


async def test_a_known_address_files_to_the_person_and_the_persons_company(world):
    company = await world.company()
    anna = await world.person("anna@kunde.example", company)
    mail, parsed = await world.store(sender="Anna@Kunde.example", to=("owner@kontor.example",))
    made = await auto_match(world, [(mail, parsed)])
    assert await in_force(world, mail.id) == {RecordRef("contact_person", anna): "auto",
                                              RecordRef("company", company): "auto"}
    assert [p.from_sender for p in made if p.record.type == "contact_person"] == [True]
    # The mailbox's own address is never asked about: it would file every mail to its owner's records.
    assert "owner@kontor.example" not in [a for call in world.match_calls for a in call]


async def test_colleagues_addresses_are_never_matched(world):
    for colleague in ("kollege@kontor.example", "chefin@kontor.example"):
        await world.employee(colleague)
    own_company = await world.company("kontor.example")  # the tenant's own firm, kept as a record
    customer = await world.company("kunde.example")
    mail, parsed = await world.store(sender="Chefin@kontor.example", to=("kollege@kontor.example", "x@kunde.example"))
    await auto_match(world, [(mail, parsed)])
    assert await in_force(world, mail.id) == {RecordRef("company", customer): "auto"}
    assert RecordRef("company", own_company) not in await in_force(world, mail.id)
    assert [sorted(call) for call in world.match_calls] == [["x@kunde.example"]]


async def test_an_address_without_a_person_files_to_the_companies_of_its_domain(world):
    firma = await world.company("firma.example")
    kunde_by_domain = await world.company("kunde.example")
    anna_company = await world.company()
    anna = await world.person("anna@kunde.example", anna_company)
    mail, parsed = await world.store(sender="bob@firma.example", cc=("anna@kunde.example", "x@free.example"))
    await auto_match(world, [(mail, parsed)])
    # Bob has no person: his domain's company. Anna has one: her person and company, not the domain's.
    assert await in_force(world, mail.id) == {
        RecordRef("company", firma): "auto", RecordRef("contact_person", anna): "auto",
        RecordRef("company", anna_company): "auto"}
    assert RecordRef("company", kunde_by_domain) not in await in_force(world, mail.id)


async def test_a_reply_follows_the_links_its_thread_has_in_force(world):
    deal, project = RecordRef("deal", uuid.uuid4()), RecordRef("project", uuid.uuid4())
    original, parsed = await world.store(sender="nobody@unknown.example", message_id="<orig@kunde.example>")
    await file(world, world.owner, [original.id], [deal, project])
    await remove(world, world.owner, original.id, project)
    reply, reply_parsed = await world.store(sender="other@unknown.example", in_reply_to=("<orig@kunde.example>",))
    later, later_parsed = await world.store(sender="third@unknown.example",
                                            references=("<unknown@x.example>", "<orig@kunde.example>"))
    await auto_match(world, [(reply, reply_parsed), (later, later_parsed)])
    # Only the link in force travels; the one a person removed from the thread does not.
    assert await in_force(world, reply.id) == {deal: "thread"}
    assert await in_force(world, later.id) == {deal: "thread"}


async def test_a_reply_in_the_same_batch_follows_its_original(world):
    company = await world.company("kunde.example")
    original, parsed = await world.store(sender="a@kunde.example", message_id="<o2@kunde.example>")
    reply, reply_parsed = await world.store(sender="colleague@unknown.example", in_reply_to=("<o2@kunde.example>",))
    await auto_match(world, [(original, parsed), (reply, reply_parsed)])
    assert await in_force(world, reply.id) == {RecordRef("company", company): "thread"}


async def test_our_message_ids_name_their_records_and_forged_ones_nothing(world):
    project = RecordRef("project", uuid.uuid4())
    person = RecordRef("contact_person", uuid.uuid4())
    ours = new_message_id(project, key=KEY, domain="crm.kontor.example")
    forged = new_message_id(person, key=b"someone else's key", domain="crm.kontor.example")
    reply, parsed = await world.store(sender="x@unknown.example", in_reply_to=(ours,), references=(forged,))
    sent_from = RecordRef("deal", uuid.uuid4())
    sent, sent_parsed = await world.store(sender="owner@kontor.example",
                                          message_id=new_message_id(sent_from, key=KEY, domain="crm.kontor.example"))
    await auto_match(world, [(reply, parsed), (sent, sent_parsed)])
    assert await in_force(world, reply.id) == {project: "thread"}
    assert await in_force(world, sent.id) == {sent_from: "sent"}


async def test_one_match_call_per_batch_in_chunks_of_500(world):
    mails = [await world.store(sender=f"s{n}@unknown.example", to=tuple(f"r{n}.{i}@unknown.example" for i in range(5)))
             for n in range(110)]
    await auto_match(world, mails)
    assert [len(call) for call in world.match_calls] == [500, 160]


async def test_a_contacts_outage_keeps_the_mail_and_rematching_files_it_later(world):
    company = await world.company("kunde.example")
    mail, parsed = await world.store(sender="a@kunde.example")
    async with world.contacts_down():
        with pytest.raises(MatchingUnavailable):
            await auto_match(world, [(mail, parsed)])
    since = datetime.now(UTC) - timedelta(hours=1)
    async with world.db.unit_of_work(world.tenant_id) as session:
        pending = await matching.unmatched_mail_ids(session, tenant_id=world.tenant_id, since=since,
                                                    account_id=world.account.id)
    assert mail.id in pending  # stored, waiting for contacts
    made = await rematch(world, pending)
    assert [p.record for p in made if p.mail_id == mail.id] == [RecordRef("company", company)]
    assert await in_force(world, mail.id) == {RecordRef("company", company): "auto"}
    async with world.db.unit_of_work(world.tenant_id) as session:
        assert mail.id not in await matching.unmatched_mail_ids(session, tenant_id=world.tenant_id, since=since)
    assert await rematch(world, [mail.id]) == []  # nothing new: harmless to run again


async def test_rematching_leaves_out_the_addresses_of_every_mailbox_the_mail_came_from(world):
    shared = await world.add_account(kind="shared", team_id=uuid.uuid4(), address="support@kontor.example")
    support_company = await world.company("kontor.example")
    mail, _ = await world.store(sender="owner@kontor.example", to=("support@kontor.example",))
    async with world.db.unit_of_work(world.tenant_id) as session:
        from kontor.mail_import.mails import dedup
        await dedup.add_reference(session, mail, shared.id, "CRM", "r1", 100)
    await rematch(world, [mail.id])
    assert RecordRef("company", support_company) not in await in_force(world, mail.id)
