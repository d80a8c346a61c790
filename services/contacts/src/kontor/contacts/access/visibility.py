"""Which records a principal may see, as one SQL clause (``visible_filter``) and as one question (``can_see``).

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

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, any_, false, func, literal, or_, select, true, union
from sqlalchemy.orm import aliased

from kontor.platform.auth import Principal

from kontor.contacts.access.guard import SERVICE_ROLE
from kontor.contacts.access.models import Engagement
from kontor.contacts.assignment.models import Assignment
from kontor.contacts.companies.models import Company
from kontor.contacts.identity.models import UserTeam
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


def acting_users(user_id: uuid.UUID, at: datetime | ColumnElement) -> Select:
    """The user and everyone they substitute at ``at``: one column ``user_id``."""
    substituted = select(Substitution.absent_user_id.label("user_id")).where(
        Substitution.substitute_user_id == user_id, substitution_active(at))
    return union(select(literal(user_id).label("user_id")), substituted)


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


def company_clause(principal: Principal, *, at: datetime | None = None) -> ColumnElement[bool]:
    """Clause over ``Company`` columns: true for the companies ``principal`` may see."""
    if sees_everything(principal):
        return true()
    user_id = user_id_of(principal)
    if user_id is None:
        return Company.access_level == "company"
    users = acting_users(user_id, at if at is not None else func.now())
    return or_(
        Company.access_level == "company",
        and_(Company.access_level == "private", _assigned("company", Company.id, users)),
        and_(Company.access_level == "team", or_(_assigned("company", Company.id, users),
                                                  _assigned("company", Company.id, team_mates(users)))),
        and_(Company.access_level == "restricted", _engaged_assignee(Company.id, users)),
    )


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


def visible_ids(principal: Principal, record_type: str, *, at: datetime | None = None) -> Select:
    """Ids of the live records of ``record_type`` that ``principal`` may see (ordered by id)."""
    model = Company if record_type == "company" else ContactPerson
    query = select(model.id).where(model.deleted_at.is_(None), visible_filter(principal, record_type, at=at))
    if record_type == "contact_person":
        # A person of a deleted company is gone with it.
        query = query.where(ContactPerson.company_id.in_(select(Company.id).where(Company.deleted_at.is_(None))))
    return query.order_by(model.id)
