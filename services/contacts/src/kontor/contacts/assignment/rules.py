"""Automatic assignment: the tenant's rules (CRUD), applied on create in priority order; round-robin turns."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal
from kontor.platform.errors import AlreadyExists, InvalidArgument

from kontor.contacts import records
from kontor.contacts.access.visibility import sees_everything, user_id_of
from kontor.contacts.assignment.models import Assignment, AssignmentRule, RoundRobinCursor
from kontor.contacts.assignment.schemas import AssignmentInput, RecordAttributes, RuleInput
from kontor.contacts.assignment.service import add_assignment
from kontor.contacts.identity.models import Team, User, UserTeam


def _matches(rule: AssignmentRule, attributes: RecordAttributes) -> bool:
    if rule.kind == "postal_code":
        code = attributes.postal_code.strip()
        return len(code) == len(rule.postal_code_from) and rule.postal_code_from <= code <= rule.postal_code_to
    if rule.kind == "industry":
        return attributes.industry.strip().casefold() in rule.values
    if rule.kind == "revenue_tier":
        return attributes.revenue_tier.strip().casefold() in rule.values
    return True  # round-robin takes whatever reaches it


async def _team_members(session: AsyncSession, team_id: uuid.UUID) -> list[uuid.UUID]:
    """Active members in a stable order (by id), so every turn means the same person."""
    return list((await session.scalars(
        select(UserTeam.user_id).join(User, User.id == UserTeam.user_id)
        .where(UserTeam.team_id == team_id, User.active).order_by(UserTeam.user_id)
    )).all())


async def next_turn(session: AsyncSession, rule: AssignmentRule) -> uuid.UUID | None:
    """The team member whose turn it is. The upsert's row lock makes concurrent creates take distinct,
    consecutive positions: no turn is skipped or given twice."""
    members = await _team_members(session, rule.team_id)
    if not members:
        return None
    statement = insert(RoundRobinCursor).values(rule_id=rule.id, position=1)
    position = await session.scalar(statement.on_conflict_do_update(
        index_elements=[RoundRobinCursor.rule_id], set_={"position": RoundRobinCursor.position + 1},
    ).returning(RoundRobinCursor.position))
    return members[(position - 1) % len(members)]


async def apply_rules(session: AsyncSession, *, record_type: str, record_id: uuid.UUID,
                      attributes: RecordAttributes | dict) -> Assignment | None:
    """Run the tenant's rules in priority order on a new record; the first that yields an employee assigns.

    Skips a rule whose role the record has filled already. Returns the assignment (its ``rule_id``
    says which rule decided), or None when no rule applied.
    """
    if isinstance(attributes, dict):
        attributes = RecordAttributes.model_validate(attributes)
    rules = (await session.scalars(select(AssignmentRule).order_by(AssignmentRule.priority))).all()
    for rule in rules:
        if not _matches(rule, attributes):
            continue
        taken = await session.scalar(select(Assignment.id).where(
            Assignment.record_type == record_type, Assignment.record_id == record_id, Assignment.role == rule.role))
        if taken is not None:
            continue  # filled already (by hand or a higher rule): a round-robin turn is not spent on it
        user_id = await next_turn(session, rule) if rule.kind == "round_robin" else rule.user_id
        if user_id is None:
            continue
        data = AssignmentInput(record_type=record_type, record_id=record_id, user_id=user_id, role=rule.role)
        return await add_assignment(session, data, rule_id=rule.id)
    return None


async def assign_new_record(session: AsyncSession, *, principal: Principal, record_type: str,
                            record_id: uuid.UUID, attributes: RecordAttributes | dict) -> Assignment | None:
    """The create path's one call: the rules decide; when none names an account manager, an employee who
    creates the record becomes its account manager, so a private record does not vanish from its creator.
    Managers (who see everything anyway) are not made account manager of what they create."""
    decided = await apply_rules(session, record_type=record_type, record_id=record_id, attributes=attributes)
    creator = user_id_of(principal)
    if creator is None or sees_everything(principal) or (decided and decided.role == "account_manager"):
        return decided
    has_manager = await session.scalar(select(Assignment.id).where(
        Assignment.record_type == record_type, Assignment.record_id == record_id,
        Assignment.role == "account_manager"))
    if has_manager is not None:
        return decided
    return await add_assignment(session, AssignmentInput(record_type=record_type, record_id=record_id, user_id=creator,
                                               role="account_manager"))


async def _priority_free(session: AsyncSession, priority: int, rule_id: uuid.UUID | None) -> None:
    clash = await session.scalar(select(AssignmentRule.id).where(AssignmentRule.priority == priority,
                                                                AssignmentRule.id != rule_id))
    if clash is not None:
        raise AlreadyExists(f"rule {clash} has priority {priority} already; choose another number")


async def _team_exists(session: AsyncSession, team_id: uuid.UUID | None) -> None:
    """A rule names one of the tenant's own teams (row-level security hides every other tenant's)."""
    if team_id is not None and await session.scalar(select(Team.id).where(Team.id == team_id)) is None:
        raise InvalidArgument("team_id", f"no team {team_id} in your organisation")


async def create_rule(session: AsyncSession, *, data: RuleInput) -> AssignmentRule:
    await _team_exists(session, data.team_id)
    await _priority_free(session, data.priority, None)
    rule = AssignmentRule(id=uuid.uuid4(), version=1, **data.model_dump())
    session.add(rule)
    await session.flush()
    await session.refresh(rule)
    return rule


async def list_rules(session: AsyncSession) -> list[AssignmentRule]:
    return list((await session.scalars(select(AssignmentRule).order_by(AssignmentRule.priority))).all())


async def _locked_rule(session: AsyncSession, rule_id: uuid.UUID, expected_version: int) -> AssignmentRule:
    return await records.lock_for_change(
        session, select(AssignmentRule).where(AssignmentRule.id == rule_id), entity=AssignmentRule,
        what="assignment rule", record_id=rule_id, expected_version=expected_version)


async def update_rule(session: AsyncSession, *, rule_id: uuid.UUID, expected_version: int,
                      data: RuleInput) -> AssignmentRule:
    rule = await _locked_rule(session, rule_id, expected_version)
    await _team_exists(session, data.team_id)
    await _priority_free(session, data.priority, rule_id)
    for field, value in data.model_dump().items():
        setattr(rule, field, value)
    rule.version += 1
    await session.flush()
    await session.refresh(rule)
    return rule


async def delete_rule(session: AsyncSession, *, rule_id: uuid.UUID, expected_version: int) -> None:
    rule = await _locked_rule(session, rule_id, expected_version)
    await session.execute(delete(RoundRobinCursor).where(RoundRobinCursor.rule_id == rule.id))
    await session.delete(rule)
