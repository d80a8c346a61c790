"""Which records a principal may see, as one SQL clause (``visible_filter``, for lists) and as one
statement about one record (``check_record`` / ``can_see``, for CheckAccess and ``guard.require_record``).

Rules (docs/access.md):
- org managers, superadmins and Kontor services see every record of their tenant;
- everyone else acts as themselves plus every employee they substitute right now
  (substitution window [starts_at, ends_at), not cancelled): the "acting users";
- a company is visible by its ``access_level``:
  company: to everyone; private: when an acting user is assigned to it;
  team: when an employee assigned to it shares a team with an acting user (or is one);
  restricted: when an acting user is assigned to it AND is a member of an active
  billing project with it (``engagements``);
- a contact person is visible when its company is.

Everything is computed from the time given (default: the transaction's ``now()``),
so a substitution starts and ends by itself, without a job.
"""

from __future__ import annotations

import functools
import uuid
from datetime import datetime

from sqlalchemy import (
    ARRAY, ColumnElement, DateTime, Row, Select, String, Uuid, and_, any_, bindparam, false, func, literal, or_,
    select, true, union,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from kontor.platform.auth import Principal

from kontor.contacts.access.guard import SERVICE_ROLE
from kontor.contacts.access.models import Engagement
from kontor.contacts.assignment.models import Assignment
from kontor.contacts.companies.models import Company
from kontor.contacts.identity.models import UserTeam
from kontor.contacts.identity.rights import RightOverride
from kontor.contacts.persons.models import ContactPerson
from kontor.contacts.substitution.models import Substitution

RECORD_TYPES = ("company", "contact_person")
# Roles that see every record of their tenant (they still need the role right for the action).
SEE_ALL_ROLES = frozenset({"superadmin", "org_manager", SERVICE_ROLE})


def user_id_of(principal: Principal) -> uuid.UUID | None:
    """The employee behind a token; None for subjects that are not user ids (they act as nobody)."""
    try:
        return uuid.UUID(principal.subject)
    except ValueError:
        return None


def sees_everything(principal: Principal) -> bool:
    return bool(SEE_ALL_ROLES.intersection(principal.roles))


def substitution_active(at: datetime | ColumnElement) -> ColumnElement[bool]:
    """The window is half-open: active at starts_at, over at ends_at."""
    return and_(Substitution.starts_at <= at, Substitution.ends_at > at, Substitution.cancelled_at.is_(None))


def acting_users(user_id: uuid.UUID | ColumnElement, at: datetime | ColumnElement) -> Select:
    """The user and everyone they substitute at ``at``: one column ``user_id``."""
    substituted = select(Substitution.absent_user_id.label("user_id")).where(
        Substitution.substitute_user_id == user_id, substitution_active(at))
    me = user_id if isinstance(user_id, ColumnElement) else literal(user_id)
    return union(select(me.label("user_id")), substituted)


def team_mates(users: Select) -> Select:
    """Everyone sharing a team with one of ``users`` (the one lookup of team membership)."""
    mine, theirs = aliased(UserTeam), aliased(UserTeam)
    return select(theirs.user_id).join(mine, mine.team_id == theirs.team_id).where(mine.user_id.in_(users))


def _assigned(record_type: str, record_id: ColumnElement, users: Select) -> ColumnElement[bool]:
    return select(Assignment.id).where(
        Assignment.record_type == record_type, Assignment.record_id == record_id, Assignment.user_id.in_(users),
    ).exists()


def _engaged_assignee(company_id: ColumnElement, users: Select) -> ColumnElement[bool]:
    """An acting user is assigned to the company and works on an active project with it."""
    return select(Assignment.id).join(
        Engagement, and_(Engagement.company_id == Assignment.record_id, Engagement.active,
                         Assignment.user_id == any_(Engagement.member_user_ids)),
    ).where(
        Assignment.record_type == "company", Assignment.record_id == company_id, Assignment.user_id.in_(users),
    ).exists()


def _level_clause(company_id: ColumnElement, users: Select) -> ColumnElement[bool]:
    """The access-level table of docs/access.md for the company ``company_id`` (its row is ``Company``)."""
    return or_(
        Company.access_level == "company",
        and_(Company.access_level == "private", _assigned("company", company_id, users)),
        and_(Company.access_level == "team", or_(_assigned("company", company_id, users),
                                                  _assigned("company", company_id, team_mates(users)))),
        and_(Company.access_level == "restricted", _engaged_assignee(company_id, users)),
    )


def company_clause(principal: Principal, *, at: datetime | None = None) -> ColumnElement[bool]:
    """Clause over ``Company`` columns: true for the companies ``principal`` may see."""
    if sees_everything(principal):
        return true()
    user_id = user_id_of(principal)
    if user_id is None:
        return Company.access_level == "company"
    return _level_clause(Company.id, acting_users(user_id, at if at is not None else func.now()))


def visible_filter(principal: Principal, record_type: str, *, at: datetime | None = None) -> ColumnElement[bool]:
    """A clause for list queries of ``record_type`` ("company" over ``Company``, "contact_person" over
    ``ContactPerson``). Soft deletion is the caller's concern."""
    if record_type == "company":
        return company_clause(principal, at=at)
    if record_type == "contact_person":
        if sees_everything(principal):
            return true()
        companies = select(Company.id).where(company_clause(principal, at=at))
        return ContactPerson.company_id.in_(companies)
    return false()


def id_column(record_type: str) -> ColumnElement:
    return Company.id if record_type == "company" else ContactPerson.id


def visible_ids(principal: Principal, record_type: str, *, at: datetime | None = None,
                include_deleted: bool = False) -> Select:
    """Ids of the live records of ``record_type`` that ``principal`` may see (ordered by id).
    ``include_deleted`` judges soft-deleted records too, by the same rules (who could see a deleted record)."""
    model = Company if record_type == "company" else ContactPerson
    query = select(model.id).where(visible_filter(principal, record_type, at=at))
    if include_deleted:
        return query.order_by(model.id)
    query = query.where(model.deleted_at.is_(None))
    if record_type == "contact_person":
        # A person of a deleted company is gone with it.
        query = query.where(ContactPerson.company_id.in_(select(Company.id).where(Company.deleted_at.is_(None))))
    return query.order_by(model.id)


# One record: CheckAccess and guard.require_record ask about a single record, thousands of times a minute.
#
# The list clause filtered by ``id = X`` leaves the plan to the statistics. On a freshly imported tenant
# (before autovacuum's ANALYZE) PostgreSQL read the company through ix_companies_tenant_id instead of the
# primary key, turned the rules' EXISTS into hashed subplans over the whole tenant and the team rule into a
# 53-million-loop nested loop: one check took 542 s. This statement finds the record by primary key and
# asks every rule with the company's id as a *bound parameter* (for a person: a scalar subquery on
# contact_persons' primary key), so each EXISTS is an InitPlan that probes (tenant, record type, record id)
# of uq_assignments_record_user_role, evaluated only for the record's own access level. Nothing is left for
# the statistics to choose: no join order over companies, no hashed subplan (EXISTS is hashed only when it
# is correlated). EXPLAIN on an un-ANALYZEd table: docs/access.md.
#
# It also answers the role right in the same round trip (the caller's roles' overrides for the entity type,
# read fresh each time, so an org manager's change applies to the next check), and it is built once per
# (record type, caller kind, include_deleted, action) with bound parameters: SQLAlchemy's compiled cache
# reuses its SQL and asyncpg its prepared statement, instead of building the clause again for every call.

_RECORD_ID = bindparam("record_id", type_=Uuid)
_USER_ID = bindparam("user_id", type_=Uuid)
_AT = bindparam("at", type_=DateTime(timezone=True))  # None: the transaction's now()
_ROLES = bindparam("roles", type_=ARRAY(String))
CALLER_SEES_ALL, CALLER_NOBODY, CALLER_USER = "all", "nobody", "user"


def caller_kind(principal: Principal) -> str:
    if sees_everything(principal):
        return CALLER_SEES_ALL
    return CALLER_NOBODY if user_id_of(principal) is None else CALLER_USER


@functools.cache
def record_statement(record_type: str, caller: str, *, include_deleted: bool, action: str | None) -> Select:
    """One row (``visible``, and with ``action`` the caller's roles with an override for the record type:
    ``overridden``, and those whose override grants ``action``: ``granting``) when the record exists in the
    tenant (and is live, unless ``include_deleted``); no row otherwise."""
    if record_type == "company":
        company_id: ColumnElement = _RECORD_ID
        record = select().select_from(Company).where(Company.id == _RECORD_ID)
        live = (Company.deleted_at.is_(None),)
    else:
        person = aliased(ContactPerson)  # never correlated with the outer contact_persons
        company_id = select(person.company_id).where(person.id == _RECORD_ID).correlate(None).scalar_subquery()
        record = select().select_from(ContactPerson).join(Company, Company.id == ContactPerson.company_id).where(
            ContactPerson.id == _RECORD_ID, Company.id == company_id)
        live = (ContactPerson.deleted_at.is_(None), Company.deleted_at.is_(None))  # gone with its company
    if not include_deleted:
        record = record.where(*live)
    if caller == CALLER_SEES_ALL:
        visible: ColumnElement[bool] = true()
    elif caller == CALLER_NOBODY:
        visible = Company.access_level == "company"
    else:
        visible = _level_clause(company_id, acting_users(_USER_ID, func.coalesce(_AT, func.now())))
    columns = [visible.label("visible")]
    if action is not None:
        overrides = select(func.array_agg(RightOverride.role)).where(
            RightOverride.entity_type == record_type, RightOverride.role == any_(_ROLES))
        columns += [overrides.scalar_subquery().label("overridden"),
                    overrides.where(getattr(RightOverride, f"can_{action}")).scalar_subquery().label("granting")]
    return record.add_columns(*columns)


async def check_record(session: AsyncSession, principal: Principal, record_type: str, record_id: uuid.UUID, *,
                       action: str | None = None, at: datetime | None = None,
                       include_deleted: bool = False) -> Row | None:
    """``record_statement``'s row for ``principal``; None when the record does not exist (for them)."""
    statement = record_statement(record_type, caller_kind(principal), include_deleted=include_deleted,
                                 action=action)
    params = {"record_id": record_id, "user_id": user_id_of(principal), "at": at, "roles": list(principal.roles)}
    return (await session.execute(statement, params)).first()


async def can_see(session: AsyncSession, principal: Principal, record_type: str, record_id: uuid.UUID, *,
                  at: datetime | None = None, include_deleted: bool = False) -> bool:
    """The single-record form of ``visible_ids``: same answer, a plan that does not depend on statistics."""
    row = await check_record(session, principal, record_type, record_id, at=at, include_deleted=include_deleted)
    return row is not None and row.visible
