"""Customer groups. Functions take the session; the edge owns the transaction.

Static groups list their members; dynamic groups store only a rule and their
members are the companies matching it at the moment of reading, never a stored
copy that could go stale. Either way a caller sees only members it may see.
Groups themselves are visible to the whole tenant.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal
from kontor.platform.errors import Conflict, InvalidArgument, NotFound

from kontor.contacts import listing, records
from kontor.contacts.companies.models import Company
from kontor.contacts.groups import rules
from kontor.contacts.groups.models import CustomerGroup, GroupMember
from kontor.contacts.groups.schemas import GroupCreate, GroupUpdate
from kontor.contacts.pools import membership

_BY_NAME = listing.Sort("name", descending=False)


def _groups() -> Select:
    return select(CustomerGroup)


def _validated_rule(kind: str, rule: dict | None) -> dict:
    if kind == "static":
        if rule:
            raise InvalidArgument("rule", "static groups have no rule; create a dynamic group instead")
        return {}
    if rule is None:
        raise InvalidArgument("rule", "a dynamic group needs a rule with at least one condition")
    return rules.to_json(rules.parse(rule))


async def create_group(session: AsyncSession, *, principal: Principal, data: GroupCreate) -> CustomerGroup:
    group = CustomerGroup(id=uuid.uuid4(), tenant_id=principal.tenant_id, name=data.name, kind=data.kind,
                          rule=_validated_rule(data.kind, data.rule), owner=principal.subject, version=1)
    session.add(group)
    await session.flush()
    await session.refresh(group)
    return group


async def get_group(session: AsyncSession, *, principal: Principal, group_id: uuid.UUID) -> CustomerGroup:
    del principal  # every group of the tenant is visible; row-level security keeps other tenants out
    group = await session.scalar(_groups().where(CustomerGroup.id == group_id))
    if group is None:
        raise NotFound(f"group {group_id} not found")
    return group


async def list_groups(session: AsyncSession, *, principal: Principal, page_size: int,
                      page_token: str) -> tuple[list[CustomerGroup], str]:
    del principal
    return await listing.fetch_page(session, _groups(), sort=_BY_NAME, key=func.lower(CustomerGroup.name),
                                    id_column=CustomerGroup.id, page_size=page_size, page_token=page_token)


async def _lock(session: AsyncSession, group_id: uuid.UUID, expected_version: int, *,
                version_required: bool = True) -> CustomerGroup:
    return await records.lock_for_change(
        session, _groups().where(CustomerGroup.id == group_id), entity=CustomerGroup, what="group",
        record_id=group_id, expected_version=expected_version, version_required=version_required,
    )


async def update_group(session: AsyncSession, *, principal: Principal, group_id: uuid.UUID,
                       expected_version: int, data: GroupUpdate) -> CustomerGroup:
    del principal
    group = await _lock(session, group_id, expected_version)
    changes: dict = {}
    if data.name is not None and data.name != group.name:
        changes["name"] = data.name
    if data.rule is not None:
        if group.kind == "static":
            raise InvalidArgument("rule", "static groups have no rule; create a dynamic group instead")
        rule = _validated_rule(group.kind, data.rule)
        if rule != group.rule:
            changes["rule"] = rule
    if not changes:
        return group
    for field, value in changes.items():
        setattr(group, field, value)
    group.version += 1
    await session.flush()
    await session.refresh(group)
    return group


async def delete_group(session: AsyncSession, *, principal: Principal, group_id: uuid.UUID,
                       expected_version: int) -> None:
    del principal
    group = await _lock(session, group_id, expected_version)
    await session.delete(group)  # static members go with it; the companies stay
    await session.flush()


async def _static(session: AsyncSession, group_id: uuid.UUID) -> CustomerGroup:
    group = await _lock(session, group_id, 0, version_required=False)
    if group.kind != "static":
        raise Conflict(f"group {group_id} is dynamic: its rule decides the members; change the rule instead")
    return group


async def add_member(session: AsyncSession, *, principal: Principal, list_id: uuid.UUID,
                     company_id: uuid.UUID) -> None:
    group = await _static(session, list_id)
    await membership.add(session, principal=principal, member_model=GroupMember, list_column="group_id",
                         list_id=group.id, company_id=company_id)


async def remove_member(session: AsyncSession, *, principal: Principal, list_id: uuid.UUID,
                        company_id: uuid.UUID) -> None:
    del principal
    group = await _static(session, list_id)
    await membership.remove(session, member_model=GroupMember, list_column=GroupMember.group_id,
                            list_id=group.id, company_id=company_id)


def member_ids(group: CustomerGroup) -> Select:
    """The ids of the group's members as one SELECT: stored ones, or the rule evaluated now."""
    if group.kind == "static":
        return membership.member_ids(GroupMember, GroupMember.group_id, group.id)
    return select(Company.id).where(rules.to_sql(rules.parse(group.rule)))


async def list_members(session: AsyncSession, *, principal: Principal, list_id: uuid.UUID, page_size: int,
                       page_token: str) -> tuple[list[Company], str]:
    group = await get_group(session, principal=principal, group_id=list_id)
    return await membership.page_of_companies(session, principal=principal, members=member_ids(group),
                                              page_size=page_size, page_token=page_token)
