"""The team dashboard. Functions take the session; the edge owns the transaction and checks the "dashboard"
right.

Who sees which team: roles that lead the whole tenant (org managers, sales managers, superadmins, services)
any team of it; everyone else (only when the tenant gave them the right) only teams they belong to. Every
number counts only records the caller may see (``access.visibility``), so a dashboard never reveals a private
record through a count.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from kontor.platform.auth import Principal
from kontor.platform.errors import NotFound, PermissionDenied

from kontor.contacts.access.visibility import SEE_ALL_ROLES, user_id_of, visible_ids
from kontor.contacts.assignment.models import Assignment
from kontor.contacts.comments.models import Comment
from kontor.contacts.dashboard import birthdays
from kontor.contacts.dashboard.schemas import DashboardQuery
from kontor.contacts.followups.models import FollowUp
from kontor.contacts.followups.service import PORTAL_ROLE, due_windows, on_visible_records
from kontor.contacts.identity.models import Team, User, UserTeam
from kontor.contacts.persons.models import ContactPerson
from kontor.contacts.traces.models import Trace

TENANT_WIDE_ROLES = SEE_ALL_ROLES | {"sales_manager"}
ACCOUNT_MANAGER = "account_manager"
REVENUE_NOTE = "not available until billing publishes invoices"


@dataclass
class EmployeeStats:
    user_id: uuid.UUID
    display_name: str
    team_ids: list[uuid.UUID] = field(default_factory=list)
    companies: int = 0
    contact_persons: int = 0
    traces: int = 0
    comments: int = 0
    follow_ups_overdue: int = 0
    follow_ups_due_soon: int = 0
    birthdays: int = 0

    @property
    def activities(self) -> int:
        return self.traces + self.comments


@dataclass(frozen=True)
class Birthday:
    person_id: uuid.UUID
    company_id: uuid.UUID
    first_name: str
    last_name: str
    date: date
    days_until: int
    age: int
    user_id: uuid.UUID


@dataclass
class Dashboard:
    teams: list[Team]
    employees: list[EmployeeStats]
    period_start: datetime
    period_end: datetime
    today: date
    birthday_days: int
    time_zone: str
    birthdays: list[Birthday]
    revenue_available: bool = False
    revenue_note: str = REVENUE_NOTE


async def _teams(session: AsyncSession, principal: Principal, team_id: uuid.UUID | None) -> list[Team]:
    tenant_wide = bool(TENANT_WIDE_ROLES & set(principal.roles))
    caller = user_id_of(principal)
    own = select(UserTeam.team_id).where(UserTeam.user_id == caller) if caller else None
    if team_id is not None:
        team = await session.scalar(select(Team).where(Team.id == team_id))
        if team is None:
            raise NotFound(f"team {team_id} not found")
        if not tenant_wide and (own is None or team_id not in (await session.scalars(own)).all()):
            raise PermissionDenied("you may see the dashboards of your own teams only")
        return [team]
    query = select(Team).order_by(Team.name_key, Team.id)
    mine = (await session.scalars(query.where(Team.id.in_(own)))).all() if own is not None else []
    if not mine and tenant_wide:
        return list((await session.scalars(query)).all())
    return list(mine)


async def _employees(session: AsyncSession, team_ids: list[uuid.UUID]) -> list[EmployeeStats]:
    rows = (await session.execute(
        select(User.id, User.display_name, UserTeam.team_id).join(UserTeam, UserTeam.user_id == User.id)
        .where(UserTeam.team_id.in_(team_ids), User.active, User.role != PORTAL_ROLE)
        .order_by(func.lower(User.display_name), User.id, UserTeam.team_id))).all()
    found: dict[uuid.UUID, EmployeeStats] = {}
    for user_id, name, team in rows:
        found.setdefault(user_id, EmployeeStats(user_id=user_id, display_name=name)).team_ids.append(team)
    return list(found.values())


async def _counts(session: AsyncSession, query: Select) -> dict:
    """{key: count} of a two-column (key, count) query."""
    return dict((await session.execute(query)).all())


def _account_managed(principal: Principal, record_type: str, users: list[uuid.UUID]) -> Select:
    return select(Assignment.user_id, func.count()).where(
        Assignment.role == ACCOUNT_MANAGER, Assignment.record_type == record_type, Assignment.user_id.in_(users),
        Assignment.record_id.in_(visible_ids(principal, record_type).order_by(None)),
    ).group_by(Assignment.user_id)


async def _zone(session: AsyncSession, principal: Principal, asked: str | None) -> str:
    if asked:
        return asked
    caller = user_id_of(principal)
    own = await session.scalar(select(User.time_zone).where(User.id == caller)) if caller else None
    return own or "UTC"


async def _birthdays(session: AsyncSession, principal: Principal, users: list[uuid.UUID], today: date,
                     days: int) -> list[Birthday]:
    """Birthdays in the window of visible persons the employees look after: the person's own account
    manager, else its company's."""
    own, company = aliased(Assignment), aliased(Assignment)
    carer = func.coalesce(own.user_id, company.user_id)
    rows = (await session.execute(
        select(ContactPerson.id, ContactPerson.company_id, ContactPerson.first_name, ContactPerson.last_name,
               ContactPerson.birthday, carer)
        .outerjoin(own, and_(own.record_type == "contact_person", own.record_id == ContactPerson.id,
                             own.role == ACCOUNT_MANAGER))
        .outerjoin(company, and_(company.record_type == "company", company.record_id == ContactPerson.company_id,
                                 company.role == ACCOUNT_MANAGER))
        .where(ContactPerson.id.in_(visible_ids(principal, "contact_person").order_by(None)),
               func.to_char(ContactPerson.birthday, "MM-DD").in_(sorted(birthdays.month_days(today, days))),
               carer.in_(users)))).all()
    found = []
    for person_id, company_id, first, last, born, user_id in rows:
        upcoming = birthdays.upcoming(born, today, days)
        if upcoming is not None:
            when, until = upcoming
            found.append(Birthday(person_id=person_id, company_id=company_id, first_name=first, last_name=last,
                                  date=when, days_until=until, age=birthdays.age_on(born, when), user_id=user_id))
    return sorted(found, key=lambda b: (b.days_until, b.last_name.lower(), str(b.person_id)))


async def team_dashboard(session: AsyncSession, *, principal: Principal, query: DashboardQuery,
                         now: datetime) -> Dashboard:
    start, end = query.period(now)
    zone = await _zone(session, principal, query.time_zone)
    today = now.astimezone(ZoneInfo(zone)).date()
    teams = await _teams(session, principal, query.team_id)
    employees = await _employees(session, [t.id for t in teams]) if teams else []
    users = [e.user_id for e in employees]
    subjects = [str(u) for u in users]
    overdue_before, soon_before = due_windows(now)

    companies = await _counts(session, _account_managed(principal, "company", users))
    persons = await _counts(session, _account_managed(principal, "contact_person", users))
    traces = await _counts(session, select(Trace.actor, func.count()).where(
        Trace.actor.in_(subjects), Trace.occurred_at >= start, Trace.occurred_at < end,
        Trace.company_id.in_(visible_ids(principal, "company").order_by(None))).group_by(Trace.actor))
    comments = await _counts(session, select(Comment.author, func.count()).where(
        Comment.author.in_(subjects), Comment.created_at >= start, Comment.created_at < end,
        Comment.deleted_at.is_(None), on_visible_records(principal, Comment.record_type, Comment.record_id),
    ).group_by(Comment.author))
    due = (await session.execute(select(
        FollowUp.assignee_id, func.count().filter(FollowUp.due_at < overdue_before),
        func.count().filter(FollowUp.due_at >= overdue_before),
    ).where(
        FollowUp.assignee_id.in_(users), FollowUp.done.is_(False), FollowUp.deleted_at.is_(None),
        FollowUp.due_at < soon_before, on_visible_records(principal, FollowUp.record_type, FollowUp.record_id),
    ).group_by(FollowUp.assignee_id))).all()
    upcoming = await _birthdays(session, principal, users, today, query.birthday_days) if users else []

    overdue = {user: (late, soon) for user, late, soon in due}
    per_user_birthdays = defaultdict(int)
    for birthday in upcoming:
        per_user_birthdays[birthday.user_id] += 1
    for e in employees:
        e.companies, e.contact_persons = companies.get(e.user_id, 0), persons.get(e.user_id, 0)
        e.traces, e.comments = traces.get(str(e.user_id), 0), comments.get(str(e.user_id), 0)
        e.follow_ups_overdue, e.follow_ups_due_soon = overdue.get(e.user_id, (0, 0))
        e.birthdays = per_user_birthdays[e.user_id]
    return Dashboard(teams=teams, employees=employees, period_start=start, period_end=end, today=today,
                     birthday_days=query.birthday_days, time_zone=zone, birthdays=upcoming)
