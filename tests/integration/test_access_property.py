"""Property test: random sequences of assignments, substitutions, hand-overs, access-level changes and project
events never let a user see a company the rules deny, and always let them see what they allow.

Each example runs in a fresh tenant of the real contacts database; visibility is asked at several instants (the
controllable clock: ``visible_ids(..., at=...)`` and the single-record ``can_see(..., at=...)``) and compared
with a plain Python reference model.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import update

from kontor.platform.db import Database
from kontor.platform.errors import AlreadyExists, NotFound

from kontor.contacts.access.service import record_project
from kontor.contacts.access.visibility import can_see, visible_ids
from kontor.contacts.assignment import service as assignments
from kontor.contacts.assignment.schemas import AssignmentInput
from kontor.contacts.companies.models import Company
from kontor.contacts.handover import service as handovers
from kontor.contacts.handover.schemas import HandoverCreate, RecordRefInput
from kontor.contacts.substitution import service as substitutions
from kontor.contacts.substitution.schemas import SubstitutionCreate

from tests.integration.access_world import World, manager, principal

USERS, COMPANIES, PROJECTS = 4, 3, 2
TEAMS = {"Nord": [0, 1], "Süd": [1, 2]}  # user 3 is in no team
LEVELS = ("private", "team", "company", "restricted")
ROLES = ("account_manager", "sales_rep")
T0 = datetime(2031, 5, 4, 9, tzinfo=UTC)
CHECK_HOURS = range(6)

user = st.integers(0, USERS - 1)
company = st.integers(0, COMPANIES - 1)
operation = st.one_of(
    st.tuples(st.just("assign"), user, company, st.sampled_from(ROLES)),
    st.tuples(st.just("unassign"), user, company, st.sampled_from(ROLES)),
    st.tuples(st.just("substitute"), user, user, st.integers(0, 4), st.integers(1, 3)),
    st.tuples(st.just("cancel"), st.integers(0, 5)),
    st.tuples(st.just("handover"), user, user, st.one_of(st.none(), company)),
    st.tuples(st.just("level"), company, st.sampled_from(LEVELS)),
    st.tuples(st.just("project"), st.integers(0, PROJECTS - 1), company, st.sets(user, max_size=USERS),
              st.booleans()),
)


@dataclass
class Reference:
    """The rules of docs/access.md, in plain Python."""

    levels: list[str]
    assigned: set[tuple[int, int, str]] = field(default_factory=set)  # (company, user, role)
    windows: list[list] = field(default_factory=list)  # [absent, substitute, start hour, end hour, cancelled]
    projects: dict[int, tuple[int, frozenset[int], bool]] = field(default_factory=dict)

    def acting(self, u: int, hour: float) -> set[int]:
        return {u} | {a for a, s, start, end, cancelled in self.windows if s == u and not cancelled
                      and start <= hour < end}

    def mates(self, users: set[int]) -> set[int]:
        return {m for members in TEAMS.values() if users & set(members) for m in members}

    def sees(self, u: int, c: int, hour: float) -> bool:
        acting = self.acting(u, hour)
        assignees = {user for (comp, user, _) in self.assigned if comp == c}
        level = self.levels[c]
        if level == "company":
            return True
        if level == "private":
            return bool(assignees & acting)
        if level == "team":
            return bool(assignees & (acting | self.mates(acting)))
        engaged = {m for comp, members, active in self.projects.values() if comp == c and active for m in members}
        return bool(assignees & acting & engaged)


async def _apply(db: Database, world: World, users: list, companies: list, ref: Reference, op: tuple,
                 substitution_ids: list, clock: list, projects: list) -> None:
    kind, *args = op
    boss = manager(world.tenant)
    async with db.unit_of_work(world.tenant) as session:
        if kind in ("assign", "unassign"):
            u, c, role = args
            data = AssignmentInput(record_type="company", record_id=companies[c], user_id=users[u], role=role)
            if kind == "assign":
                clash = (c, u, role) in ref.assigned or (
                    role == "account_manager" and any(comp == c and r == role for comp, _, r in ref.assigned))
                try:
                    await assignments.assign(session, principal=boss, data=data)
                except AlreadyExists:
                    assert clash, op
                    return
                assert not clash, op
                ref.assigned.add((c, u, role))
            else:
                try:
                    await assignments.unassign(session, principal=boss, data=data)
                except NotFound:
                    assert (c, u, role) not in ref.assigned, op
                    return
                ref.assigned.discard((c, u, role))
        elif kind == "substitute":
            absent, substitute, start, length = args
            if absent == substitute:
                return
            created = await substitutions.create_substitution(session, principal=boss, data=SubstitutionCreate(
                absent_user_id=users[absent], substitute_user_id=users[substitute],
                starts_at=T0 + timedelta(hours=start), ends_at=T0 + timedelta(hours=start + length)))
            substitution_ids.append(created.id)
            ref.windows.append([absent, substitute, start, start + length, False])
        elif kind == "cancel":
            if args[0] < len(substitution_ids):
                await substitutions.cancel_substitution(session, principal=boss,
                                                        substitution_id=substitution_ids[args[0]])
                ref.windows[args[0]][4] = True
        elif kind == "handover":
            source, target, c = args
            if source == target:
                return
            records = [] if c is None else [RecordRefInput(type="company", id=companies[c])]
            await handovers.hand_over(session, principal=boss, data=HandoverCreate(
                from_user_id=users[source], to_user_id=users[target], records=records, note="Urlaub"))
            for comp, u, role in sorted(ref.assigned):
                if u == source and (c is None or comp == c):
                    ref.assigned.discard((comp, u, role))
                    ref.assigned.add((comp, target, role))
        elif kind == "level":
            c, level = args
            await session.execute(update(Company).where(Company.id == companies[c]).values(access_level=level))
            ref.levels[c] = level
        elif kind == "project":
            p, c, members, active = args
            clock[0] += timedelta(seconds=1)
            await record_project(session, project_id=projects[p], company_id=companies[c],
                                 member_user_ids=[users[m] for m in sorted(members)], active=active, as_of=clock[0])
            ref.projects[p] = (c, frozenset(members), active)


async def _run(db: Database, levels: list[str], ops: list[tuple]) -> None:
    world = World(db)
    users = await world.users(USERS, teams=TEAMS)
    projects = [uuid.uuid4() for _ in range(PROJECTS)]
    companies = await world.companies(*levels)
    ref, substitution_ids, clock = Reference(levels=list(levels)), [], [T0]
    for op in ops:
        await _apply(db, world, users, companies, ref, op, substitution_ids, clock, projects)
    for hour in CHECK_HOURS:
        for u in range(USERS):
            at, caller = T0 + timedelta(hours=hour), principal(world.tenant, users[u])
            async with db.unit_of_work(world.tenant) as session:
                seen = set((await session.scalars(visible_ids(caller, "company", at=at))).all())
                # The single-record form (CheckAccess, require_record) answers the same, record by record.
                one_by_one = {c for c in companies if await can_see(session, caller, "company", c, at=at)}
            expected = {companies[c] for c in range(COMPANIES) if ref.sees(u, c, hour)}
            assert seen == expected, (hour, u, ops)
            assert one_by_one == expected, (hour, u, ops)


@pytest.fixture(scope="module")
def loop_and_db(stack):
    loop = asyncio.new_event_loop()
    db = Database(stack.database_url("contacts"), pool_size=2)
    yield loop, db
    loop.run_until_complete(db.dispose())
    loop.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(levels=st.lists(st.sampled_from(LEVELS), min_size=COMPANIES, max_size=COMPANIES),
       ops=st.lists(operation, min_size=1, max_size=14))
def test_visibility_matches_the_reference_model(loop_and_db, levels, ops):
    loop, db = loop_and_db
    loop.run_until_complete(_run(db, levels, ops))
