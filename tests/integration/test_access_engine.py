"""The access engine against the real contacts database: round-robin under concurrency, rule priority,
substitution windows and their events, and the property test of visibility against a reference model."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from kontor.platform.db import Database
from kontor.platform.errors import AlreadyExists
from kontor.platform.outbox import OutboxEvent

from kontor.contacts.access.visibility import visible_ids
from kontor.contacts.assignment import rules, service as assignments
from kontor.contacts.assignment.models import Assignment
from kontor.contacts.assignment.schemas import AssignmentInput, RuleInput
from kontor.contacts.identity.models import Tenant
from kontor.contacts.substitution import service as substitutions
from kontor.contacts.substitution.models import Substitution
from kontor.contacts.substitution.schemas import SubstitutionCreate
from kontor.contacts.substitution.tasks import emit_for_all_tenants

from tests.integration.access_world import World, manager, principal


@pytest.fixture
async def db(stack):
    database = Database(stack.database_url("contacts"), pool_size=10)
    yield database
    await database.dispose()


async def _visible(db: Database, world: World, user: uuid.UUID, at: datetime | None = None) -> set[uuid.UUID]:
    async with db.unit_of_work(world.tenant) as session:
        return set((await session.scalars(visible_ids(principal(world.tenant, user), "company", at=at))).all())


async def test_round_robin_stays_fair_under_concurrent_creates(db):
    world = World(db)
    members = await world.users(3, teams={"Vertrieb": [0, 1, 2]})
    async with db.unit_of_work(world.tenant) as session:
        rule = await rules.create_rule(session, data=RuleInput(
            name="Reihum", priority=10, kind="round_robin", team_id=world.team_ids["Vertrieb"]))
    companies = await world.companies(*["company"] * 30)

    async def create(company_id: uuid.UUID) -> uuid.UUID:
        async with db.unit_of_work(world.tenant) as session:
            assignment = await rules.apply_rules(session, record_type="company", record_id=company_id,
                                                       attributes={"postal_code": "10115"})
            return assignment.user_id

    chosen = await asyncio.gather(*(create(c) for c in companies))
    assert Counter(chosen) == {member: 10 for member in members}
    async with db.unit_of_work(world.tenant) as session:
        rule_ids = set((await session.scalars(select(Assignment.rule_id))).all())
    assert rule_ids == {rule.id}


async def test_rules_apply_in_priority_order_and_the_record_shows_which_decided(db):
    world = World(db)
    vienna, it_expert, big_accounts, rr_a = await world.users(4, teams={"Rest": [3]})
    async with db.unit_of_work(world.tenant) as session:
        by_region = await rules.create_rule(session, data=RuleInput(
            name="Wien", priority=1, kind="postal_code", postal_code_from="1000", postal_code_to="1999",
            user_id=vienna))
        by_industry = await rules.create_rule(session, data=RuleInput(
            name="IT", priority=2, kind="industry", values=["IT"], user_id=it_expert))
        by_revenue = await rules.create_rule(session, data=RuleInput(
            name="Groß", priority=3, kind="revenue_tier", values=[">1m"], user_id=big_accounts, role="sales_rep"))
        fallback = await rules.create_rule(session, data=RuleInput(
            name="Reihum", priority=4, kind="round_robin", team_id=world.team_ids["Rest"]))
        with pytest.raises(AlreadyExists):
            await rules.create_rule(session, data=RuleInput(
                name="Doppelt", priority=4, kind="industry", values=["x"], user_id=vienna))
    cases = [
        ({"postal_code": "1010", "industry": "it"}, vienna, by_region),   # region beats industry
        ({"postal_code": "8010", "industry": "IT "}, it_expert, by_industry),
        ({"postal_code": "20095", "revenue_tier": ">1m"}, big_accounts, by_revenue),
        ({"postal_code": "99999"}, rr_a, fallback),
        ({"postal_code": "10000"}, rr_a, fallback),  # 5 digits: outside the 4-digit range
    ]
    companies = await world.companies(*["company"] * len(cases))
    for company_id, (attributes, user, rule) in zip(companies, cases, strict=True):
        async with db.unit_of_work(world.tenant) as session:
            made = await rules.apply_rules(session, record_type="company", record_id=company_id,
                                                 attributes=attributes)
        assert (made.user_id, made.rule_id) == (user, rule.id), attributes


async def test_substitution_window_is_half_open_and_emits_each_event_once(db):
    world = World(db)
    absent, substitute = await world.users(2)
    [private] = await world.companies("private")
    starts = datetime(2030, 1, 1, 8, tzinfo=UTC)
    ends = starts + timedelta(days=7)
    async with db.unit_of_work(world.tenant) as session:
        await assignments.assign(session, principal=manager(world.tenant), data=AssignmentInput(
            record_type="company", record_id=private, user_id=absent, role="account_manager"))
        created = await substitutions.create_substitution(
            session, principal=principal(world.tenant, absent),
            data=SubstitutionCreate(substitute_user_id=substitute, starts_at=starts, ends_at=ends))

    tick = timedelta(microseconds=1)
    assert await _visible(db, world, substitute, starts - tick) == set()
    assert await _visible(db, world, substitute, starts) == {private}        # inclusive start
    assert await _visible(db, world, substitute, ends - tick) == {private}
    assert await _visible(db, world, substitute, ends) == set()              # exclusive end
    assert await _visible(db, world, absent, ends) == {private}

    async def emit(now: datetime) -> tuple[int, int]:
        async with db.unit_of_work(world.tenant) as session:
            return await substitutions.emit_due_events(session, now=now)

    assert await emit(starts - tick) == (0, 0)
    assert await emit(starts) == (1, 0)
    assert await emit(starts + timedelta(hours=1)) == (0, 0)   # idempotent: flags on the row
    assert await emit(ends) == (0, 1)
    assert await emit(ends + timedelta(days=1)) == (0, 0)
    async with db.unit_of_work(world.tenant) as session:
        types = (await session.scalars(select(OutboxEvent.event_type).where(
            OutboxEvent.tenant_id == world.tenant, OutboxEvent.event_type.like("%substitution%"))
            .order_by(OutboxEvent.created_at))).all()
        row = await session.get(Substitution, created.id)
    assert [t.rsplit(".", 1)[-1] for t in types] == ["started", "ended"]
    assert (row.started_event_at, row.ended_event_at) == (starts, ends)


async def test_a_cancelled_substitution_ends_at_once(db):
    world = World(db)
    absent, substitute = await world.users(2)
    [private] = await world.companies("private")
    now = datetime.now(UTC)
    async with db.unit_of_work(world.tenant) as session:
        await assignments.assign(session, principal=manager(world.tenant), data=AssignmentInput(
            record_type="company", record_id=private, user_id=absent, role="sales_rep"))
        created = await substitutions.create_substitution(
            session, principal=principal(world.tenant, absent), data=SubstitutionCreate(
                substitute_user_id=substitute, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1)))
        assert await substitutions.emit_due_events(session, now=now) == (1, 0)
    assert await _visible(db, world, substitute) == {private}
    async with db.unit_of_work(world.tenant) as session:
        await substitutions.cancel_substitution(session, principal=principal(world.tenant, substitute),
                                                substitution_id=created.id)
        assert await substitutions.emit_due_events(session, now=now) == (0, 1)
    assert await _visible(db, world, substitute) == set()


async def test_the_beat_task_visits_every_tenant(db):
    world = World(db)
    absent, substitute = await world.users(2)
    starts = datetime(2032, 3, 1, tzinfo=UTC)
    async with db.unit_of_work(None) as session:  # the global tenant registry the task walks
        session.add(Tenant(id=world.tenant, slug=f"t-{world.tenant.hex[:12]}", name="Beat GmbH"))
    async with db.unit_of_work(world.tenant) as session:
        created = await substitutions.create_substitution(
            session, principal=principal(world.tenant, absent), data=SubstitutionCreate(
                substitute_user_id=substitute, starts_at=starts, ends_at=starts + timedelta(days=1)))
    totals = await emit_for_all_tenants(db, now=starts + timedelta(days=2))
    assert totals["started"] >= 1 and totals["ended"] >= 1
    async with db.unit_of_work(world.tenant) as session:
        row = await session.get(Substitution, created.id)
    assert row.started_event_at is not None and row.ended_event_at is not None


async def test_a_new_record_goes_to_the_rules_first_then_to_the_employee_who_created_it(db):
    world = World(db)
    rep, it_expert = await world.users(2)
    async with db.unit_of_work(world.tenant) as session:
        rule = await rules.create_rule(session, data=RuleInput(
            name="IT", priority=1, kind="industry", values=["IT"], user_id=it_expert))
    by_rule, by_creator, by_manager = await world.companies("private", "private", "private")
    creator = principal(world.tenant, rep)
    async with db.unit_of_work(world.tenant) as session:
        made = await rules.assign_new_record(session, principal=creator, record_type="company",
                                                   record_id=by_rule, attributes={"industry": "IT"})
        assert (made.user_id, made.rule_id) == (it_expert, rule.id)
        made = await rules.assign_new_record(session, principal=creator, record_type="company",
                                                   record_id=by_creator, attributes={"industry": "Handel"})
        assert (made.user_id, made.role, made.rule_id) == (rep, "account_manager", None)
        assert await rules.assign_new_record(session, principal=manager(world.tenant), record_type="company",
                                                   record_id=by_manager, attributes={}) is None
    assert await _visible(db, world, rep) == {by_creator}
    assert await _visible(db, world, it_expert) == {by_rule}
