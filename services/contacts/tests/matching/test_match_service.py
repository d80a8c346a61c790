"""AddressMatchService against the real contacts database (migrated to head), through the service functions."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from kontor.platform.auth import reset_principal, set_principal
from kontor.platform.errors import InvalidArgument, PermissionDenied
from kontor.protos.contacts.v1 import matching_pb2

from kontor.contacts.companies import service as companies
from kontor.contacts.companies.schemas import CompanyUpdate
from kontor.contacts.gdpr import service as gdpr
from kontor.contacts.identity.rights import set_override
from kontor.contacts.matching.servicer import AddressMatchServicer
from kontor.contacts.persons import service as persons
from kontor.contacts.persons.schemas import ContactPersonUpdate

from .world import World


@pytest.fixture
def world(db) -> World:
    return World(db)


async def test_a_person_is_found_by_any_address_whatever_its_case(world):
    company = await world.company()
    person = await world.person(company, "Anna.Muster@Muster-Firma.de", "anna@privat.example")
    for asked in ("anna.muster@muster-firma.de", "ANNA.MUSTER@MUSTER-FIRMA.DE", "Anna@Privat.Example"):
        found = await world.one(asked)
        assert found.address == asked.lower()
        assert found.contact_person_ids == [person]
        assert found.person_company_ids == [company]
    assert (await world.one("anna.mustermann@muster-firma.de")).contact_person_ids == []


async def test_every_person_with_the_address_and_their_companies(world):
    first, second = await world.company(), await world.company()
    older = await world.person(first, "info@shared.example")
    younger = await world.person(second, "info@shared.example")
    same_company = await world.person(first, "info@shared.example")
    found = await world.one("info@shared.example")
    assert found.contact_person_ids == [older, younger, same_company]
    assert found.person_company_ids == [first, second]


async def test_changed_and_erased_addresses_are_found_no_more(world):
    company = await world.company()
    person = await world.person(company, "old@firma.example")
    async with world.db.unit_of_work(world.tenant) as session:
        await persons.update_person(session, principal=world.manager, person_id=person, expected_version=1,
                                    data=ContactPersonUpdate(emails=[{"address": "New@Firma.example"}]))
    assert (await world.one("old@firma.example")).contact_person_ids == []
    assert (await world.one("new@firma.example")).contact_person_ids == [person]
    async with world.db.unit_of_work(world.tenant) as session:
        await gdpr.erase_person(session, principal=world.manager, person_id=person)
    assert (await world.one("new@firma.example")).contact_person_ids == []
    async with world.db.unit_of_work(world.tenant) as session:
        left = await session.scalar(text("SELECT count(*) FROM contact_person_addresses WHERE person_id = :id"),
                                    {"id": person})
    assert left == 0  # an erased address is not kept in the look-up table either


async def test_deleted_persons_and_persons_of_deleted_companies_are_not_found(world):
    company, gone_company = await world.company(), await world.company(website="gone.example")
    deleted = await world.person(company, "deleted@firma.example")
    orphan = await world.person(gone_company, "orphan@gone.example")
    async with world.db.unit_of_work(world.tenant) as session:
        await persons.delete_person(session, principal=world.manager, person_id=deleted, expected_version=1)
        await companies.delete_company(session, principal=world.manager, company_id=gone_company,
                                       expected_version=1)
    assert (await world.one("deleted@firma.example")).contact_person_ids == []
    gone = await world.one("orphan@gone.example")
    assert gone.contact_person_ids == [] and gone.person_company_ids == [] and gone.domain_company_ids == []
    assert orphan  # it exists, only deleted with its company


async def test_a_sales_rep_finds_nothing_of_a_company_they_may_not_see(world):
    hidden = await world.company(website="https://www.hidden.example", access_level="private")
    shown = await world.company(website="shown.example")
    await world.person(hidden, "boss@hidden.example")
    visible_person = await world.person(shown, "boss@shown.example")
    rep = world.rep()
    found = await world.match(["boss@hidden.example", "boss@shown.example"], rep)
    assert [(m.contact_person_ids, m.person_company_ids, m.domain_company_ids) for m in found] == [
        ([], [], []), ([visible_person], [shown], [shown])]
    # The manager sees both: the rep's empty answer is the access rule, not a missing record.
    assert (await world.one("boss@hidden.example")).domain_company_ids == [hidden]


async def test_another_tenants_records_are_never_found(world, db):
    company = await world.company(website="tenant-a.example")
    await world.person(company, "anna@tenant-a.example")
    other = World(db)
    found = await other.one("anna@tenant-a.example")
    assert found.contact_person_ids == [] and found.domain_company_ids == []


async def test_companies_by_domain_of_email_or_website_including_parents_and_www(world):
    by_website = await world.company(website="https://www.muster.example/kontakt")
    by_email = await world.company(email="info@muster.example")
    subsidiary = await world.company(website="berlin.muster.example")
    other = await world.company(website="muster.example.org")
    assert (await world.one("a@muster.example")).domain_company_ids == [by_website, by_email]
    # Most specific domain first, then by age.
    assert (await world.one("a@berlin.muster.example")).domain_company_ids == [subsidiary, by_website, by_email]
    assert (await world.one("a@www.muster.example")).domain_company_ids == [by_website, by_email]
    assert (await world.one("a@example.org")).domain_company_ids == []
    assert (await world.one("a@muster.example.org")).domain_company_ids == [other]
    assert (await world.one("a@andere.example")).domain_company_ids == []


async def test_a_changed_website_matches_by_its_new_domain(world):
    company = await world.company(website="alt.example")
    async with world.db.unit_of_work(world.tenant) as session:
        await companies.update_company(session, principal=world.manager, company_id=company, expected_version=1,
                                       data=CompanyUpdate(website="www.neu.example"))
    assert (await world.one("a@alt.example")).domain_company_ids == []
    assert (await world.one("a@neu.example")).domain_company_ids == [company]


@pytest.mark.parametrize("domain", ["gmail.com", "web.de", "outlook.com", "hotmail.de", "yahoo.co.uk", "gmx.ch"])
async def test_free_mail_domains_never_match_companies_but_persons_still_do(world, domain):
    company = await world.company(website=domain, email=f"firma@{domain}")
    person = await world.person(company, f"firma@{domain}")
    found = await world.one(f"firma@{domain}")
    assert found.domain_company_ids == []
    assert found.contact_person_ids == [person] and found.person_company_ids == [company]
    assert (await world.one(f"someone@{domain}")) == type(found)(f"someone@{domain}")


async def test_one_entry_per_distinct_lower_cased_address_in_the_order_asked(world):
    company = await world.company(website="order.example")
    person = await world.person(company, "b@order.example")
    found = await world.match(["Zed@Nowhere.example", "B@order.example", "no address", "b@ORDER.example",
                               "zed@nowhere.example", ""])
    assert [m.address for m in found] == ["zed@nowhere.example", "b@order.example", "no address", ""]
    assert [m.contact_person_ids for m in found] == [[], [person], [], []]
    assert [m.domain_company_ids for m in found] == [[], [company], [], []]


async def test_entries_that_are_no_address_match_nothing(world):
    company = await world.company(website="plain.example")
    await world.person(company, "x@plain.example")
    for asked in ("plain.example", "@plain.example", "x@", "x@@plain"):
        found = await world.one(asked)
        assert not (found.contact_person_ids or found.person_company_ids or found.domain_company_ids), asked


async def test_more_than_500_addresses_are_refused_naming_the_field(world):
    assert len(await world.match([f"a{i}@example.com" for i in range(500)])) == 500
    with pytest.raises(InvalidArgument) as refused:
        await world.match([f"a{i}@example.com" for i in range(501)])
    assert refused.value.field == "addresses"


async def test_the_read_rights_decide_which_kinds_are_matched(world):
    company = await world.company(website="rights.example")
    person = await world.person(company, "p@rights.example")
    rep = world.rep()
    async with world.db.unit_of_work(world.tenant) as session:
        await set_override(session, role="sales_rep", entity_type="company", actions=frozenset())
    found = await world.one("p@rights.example", rep)
    assert found.contact_person_ids == [person] and found.domain_company_ids == []
    async with world.db.unit_of_work(world.tenant) as session:
        await set_override(session, role="sales_rep", entity_type="contact_person", actions=frozenset())
    with pytest.raises(PermissionDenied):
        await world.one("p@rights.example", rep)


async def test_a_look_up_by_address_can_use_the_index_under_row_level_security(world):
    await world.company()
    async with world.db.unit_of_work(world.tenant) as session:
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join((await session.execute(text(
            "EXPLAIN SELECT person_id FROM contact_person_addresses WHERE address = ANY(:a)"),
            {"a": ["x@example.com"]})).scalars())
    assert "ix_contact_person_addresses_tenant_address" in plan, plan


async def test_the_grpc_edge_answers_ids_as_text_for_the_calling_principal(world):
    company = await world.company(website="edge.example")
    person = await world.person(company, "p@edge.example")
    token = set_principal(world.manager)
    try:
        answer = await AddressMatchServicer(world.db).MatchAddresses(
            matching_pb2.MatchAddressesRequest(addresses=["P@Edge.example", "nobody"]), None)
    finally:
        reset_principal(token)
    assert [(m.address, list(m.contact_person_ids), list(m.person_company_ids), list(m.domain_company_ids))
            for m in answer.matches] == [("p@edge.example", [str(person)], [str(company)], [str(company)]),
                                         ("nobody", [], [], [])]
