"""Property: whatever the records, their access levels, assignments and deletions, MatchAddresses answers exactly
the persons and companies with the address (or domain) that the caller may see by the List filter
(``access.visibility.visible_ids``): never one more, never one fewer."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import update

from kontor.platform.db import Database

from kontor.contacts.access.visibility import visible_ids
from kontor.contacts.assignment.models import Assignment
from kontor.contacts.companies.models import Company
from kontor.contacts.persons.models import ContactPerson

from .world import World

DOMAINS = ("alpha.example", "mail.alpha.example", "beta.example", "gmail.com")
ADDRESSES = ("a@alpha.example", "A@Mail.Alpha.example", "b@beta.example", "x@gmail.com", "nobody@beta.example",
             "no address")
LEVELS = ("company", "private", "team", "restricted")

company_spec = st.tuples(st.sampled_from(LEVELS), st.sampled_from(DOMAINS), st.booleans(), st.booleans(),
                         st.booleans())  # level, domain, assigned to the rep, deleted, domain as website
person_spec = st.tuples(st.integers(0, 3), st.sets(st.sampled_from(ADDRESSES[:4]), min_size=1, max_size=2),
                        st.booleans())  # company index, addresses, deleted


@pytest.fixture(scope="module")
def loop_and_db(database_url):
    loop = asyncio.new_event_loop()
    db = Database(database_url, pool_size=2)
    yield loop, db
    loop.run_until_complete(db.dispose())
    loop.close()


async def _run(db: Database, companies: list, people: list, asked: list[str], as_manager: bool) -> None:
    world = World(db)
    rep_id = uuid.uuid4()
    company_ids = []
    for level, domain, _, _, as_website in companies:
        company_ids.append(await world.company(access_level=level, website=domain if as_website else "",
                                               email="" if as_website else f"info@{domain}"))
    person_ids = [await world.person(company_ids[index % len(company_ids)], *sorted(addresses))
                  for index, addresses, _ in people]
    async with db.unit_of_work(world.tenant) as session:
        for company_id, (_, _, assigned, deleted, _) in zip(company_ids, companies, strict=True):
            if assigned:
                session.add(Assignment(record_type="company", record_id=company_id, user_id=rep_id,
                                       role="account_manager"))
            if deleted:
                await session.execute(update(Company).where(Company.id == company_id)
                                      .values(deleted_at=datetime.now(UTC)))
        for person_id, (_, _, deleted) in zip(person_ids, people, strict=True):
            if deleted:
                await session.execute(update(ContactPerson).where(ContactPerson.id == person_id)
                                      .values(deleted_at=datetime.now(UTC)))
    caller = world.manager if as_manager else world.rep(rep_id)
    async with db.unit_of_work(world.tenant) as session:
        may_see_companies = set((await session.scalars(visible_ids(caller, "company"))).all())
        may_see_persons = set((await session.scalars(visible_ids(caller, "contact_person"))).all())
        addresses_of = {p.id: set(p.email_keys) for p in (await session.execute(
            ContactPerson.__table__.select().where(ContactPerson.id.in_(person_ids)))).all()} if person_ids else {}
        domains_of = {c.id: {c.website_domain, c.email_domain} - {""} for c in (await session.execute(
            Company.__table__.select().where(Company.id.in_(company_ids)))).all()}
    found = await world.match(asked, caller)
    assert [m.address for m in found] == list(dict.fromkeys(a.lower() for a in asked))
    for match in found:
        persons = set(match.contact_person_ids)
        expected_persons = {p for p, keys in addresses_of.items() if match.address.strip() in keys} & may_see_persons
        assert persons == expected_persons, match
        assert set(match.person_company_ids) <= may_see_companies
        assert set(match.domain_company_ids) <= may_see_companies
        domain = match.address.rpartition("@")[2]
        if "@" in match.address and domain != "gmail.com":
            parents = {domain, domain.removeprefix("mail.")}
            expected = {c for c, own in domains_of.items() if own & parents} & may_see_companies
            assert set(match.domain_company_ids) == expected, match
        else:
            assert match.domain_company_ids == []


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(companies=st.lists(company_spec, min_size=1, max_size=4), people=st.lists(person_spec, max_size=5),
       asked=st.lists(st.sampled_from(ADDRESSES), min_size=1, max_size=6), as_manager=st.booleans())
def test_the_answer_is_exactly_what_the_caller_may_see(loop_and_db, companies, people, asked, as_manager):
    loop, db = loop_and_db
    loop.run_until_complete(_run(db, companies, people, asked, as_manager))
