"""Rights: which role may create, read, update or delete which entity type.

Defaults live here, in code, so every tenant starts sensible; a tenant's org
manager can override single (role, entity type) pairs, stored in
``right_overrides``. ``has_right`` is the one question everybody asks.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping

from sqlalchemy import Boolean, String, UniqueConstraint, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform.db import Base, TenantScoped
from kontor.platform.errors import InvalidArgument

ACTIONS = ("create", "read", "update", "delete")

ROLES = (
    "superadmin", "org_manager", "sales_manager", "sales_rep", "customer_service", "technician", "portal_client",
)

ENTITY_TYPES = (
    "company", "contact_person", "user", "team", "assignment", "pool", "group", "comment", "trace", "import",
    "gdpr", "rights", "substitution", "handover", "assignment_rule", "dashboard", "follow_up",
    # Kept by calendar-sync, which asks AccessService.CheckRight: appointments and bookable rooms/equipment.
    "appointment", "resource",
    # calendar-sync's connector configuration: branch groupware servers (changing them also takes the org manager
    # role there: their credentials) and the users' connector settings.
    "groupware_server", "connector",
    # Kept by mail-import: mail accounts (personal and team mailboxes, their filter rules and import) and filed
    # mail (filing to records and removing links; reading also follows the mail's records there).
    "mail_account", "mail",
)

_ALL = frozenset(ACTIONS)
_CRU = frozenset({"create", "read", "update"})
_R = frozenset({"read"})
_NONE: frozenset[str] = frozenset()

# Why these defaults: org managers run the tenant; sales managers lead teams and
# hand records over; reps, service and technicians work their own records;
# portal clients see only what the portal shows them (checked elsewhere).
DEFAULT_RIGHTS: dict[str, dict[str, frozenset[str]]] = {
    "superadmin": {entity: _ALL for entity in ENTITY_TYPES},
    "org_manager": {entity: _ALL for entity in ENTITY_TYPES},
    "sales_manager": {
        "company": _ALL, "contact_person": _ALL, "user": _R, "team": _R, "assignment": _ALL, "pool": _ALL,
        "group": _ALL, "comment": _ALL, "trace": _R, "import": _CRU, "gdpr": _R, "rights": _R,
        "substitution": _ALL, "handover": _ALL, "assignment_rule": _ALL, "dashboard": _R, "follow_up": _ALL,
        "appointment": _ALL, "resource": _ALL, "groupware_server": _R, "connector": _ALL,
        "mail_account": _ALL, "mail": _ALL,
    },
    "sales_rep": {
        "company": _CRU, "contact_person": _CRU, "user": _R, "team": _R, "assignment": _R, "pool": _ALL,
        "group": _R, "comment": _CRU, "trace": _R, "import": _CRU, "gdpr": _NONE, "rights": _NONE,
        "substitution": _CRU, "handover": _NONE, "assignment_rule": _R, "dashboard": _NONE,
        "follow_up": _ALL, "appointment": _ALL, "resource": _R, "groupware_server": _R, "connector": _ALL,
        "mail_account": _ALL, "mail": _ALL,
    },
    "customer_service": {
        "company": frozenset({"read", "update"}), "contact_person": _CRU, "user": _R, "team": _R,
        "assignment": _R, "pool": _ALL, "group": _R, "comment": _CRU, "trace": _R, "import": _NONE,
        "gdpr": _NONE, "rights": _NONE, "substitution": _CRU, "handover": _NONE, "assignment_rule": _NONE,
        "dashboard": _NONE, "follow_up": _ALL, "appointment": _ALL, "resource": _R, "groupware_server": _R,
        "connector": _ALL, "mail_account": _ALL, "mail": _ALL,
    },
    "technician": {
        "company": _R, "contact_person": _R, "user": _R, "team": _R, "assignment": _R, "pool": _R, "group": _R,
        "comment": _CRU, "trace": _R, "import": _NONE, "gdpr": _NONE, "rights": _NONE, "substitution": _CRU,
        "handover": _NONE, "assignment_rule": _NONE, "dashboard": _NONE, "follow_up": _CRU,
        "appointment": _CRU, "resource": _R, "groupware_server": _R, "connector": _ALL,
        "mail_account": _ALL, "mail": _CRU,
    },
    "portal_client": {entity: _NONE for entity in ENTITY_TYPES},
}


class RightOverride(TenantScoped, Base):
    """A tenant's own rights for one (role, entity type), replacing the default."""

    __tablename__ = "right_overrides"
    __table_args__ = (
        UniqueConstraint("tenant_id", "role", "entity_type", name="uq_right_overrides_tenant_role_entity"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    entity_type: Mapped[str] = mapped_column(String(32), nullable=False)
    can_create: Mapped[bool] = mapped_column(Boolean, nullable=False)
    can_read: Mapped[bool] = mapped_column(Boolean, nullable=False)
    can_update: Mapped[bool] = mapped_column(Boolean, nullable=False)
    can_delete: Mapped[bool] = mapped_column(Boolean, nullable=False)

    def actions(self) -> frozenset[str]:
        granted = zip(ACTIONS, (self.can_create, self.can_read, self.can_update, self.can_delete), strict=True)
        return frozenset(action for action, allowed in granted if allowed)


def default_actions(role: str, entity_type: str) -> frozenset[str]:
    return DEFAULT_RIGHTS.get(role, {}).get(entity_type, _NONE)


async def effective_actions(session: AsyncSession, *, role: str, entity_type: str) -> frozenset[str]:
    override = await session.scalar(
        select(RightOverride).where(RightOverride.role == role, RightOverride.entity_type == entity_type)
    )
    return override.actions() if override is not None else default_actions(role, entity_type)


async def has_right(session: AsyncSession, *, roles: tuple[str, ...], entity_type: str, action: str) -> bool:
    """True if any of the caller's roles grants ``action`` on ``entity_type`` in this tenant."""
    for role in roles:
        if action in await effective_actions(session, role=role, entity_type=entity_type):
            return True
    return False


def grants(roles: Iterable[str], *, entity_type: str, action: str, overridden: Collection[str],
           granting: Collection[str]) -> bool:
    """``has_right`` from overrides read elsewhere (in the same statement as a record, ``access.guard``):
    ``overridden`` are the roles with an override for ``entity_type``, ``granting`` those whose override
    grants ``action``; every other role has its default."""
    return any(role in granting if role in overridden else action in default_actions(role, entity_type)
               for role in roles)


# (role, entity type) -> granted actions: the whole rights table of one tenant.
Matrix = dict[tuple[str, str], frozenset[str]]


def effective_matrix(overrides: Mapping[tuple[str, str], frozenset[str]]) -> Matrix:
    """Every role's rights on every entity type: the defaults, replaced where the tenant overrode them."""
    return {(role, entity): overrides.get((role, entity), default_actions(role, entity))
            for role in ROLES for entity in ENTITY_TYPES}


async def rights_matrix(session: AsyncSession) -> Matrix:
    overrides = (await session.scalars(select(RightOverride))).all()
    return effective_matrix({(o.role, o.entity_type): o.actions() for o in overrides})


def check_overridable(role: str, entity_type: str) -> None:
    """Superadmins are platform operators, not the tenant's to restrict; and org managers always keep the
    right to manage rights, so no tenant can lock itself out of its own settings."""
    if role == "superadmin":
        raise InvalidArgument("right.role", "superadmin rights belong to the platform and cannot be changed per "
                              "tenant; choose a tenant role")
    if role == "org_manager" and entity_type == "rights":
        raise InvalidArgument("right.entity_type", "org managers always keep their rights on rights, so the "
                              "tenant cannot lock itself out; change another entity type")


async def set_override(session: AsyncSession, *, role: str, entity_type: str, actions: frozenset[str]) -> None:
    """Store the tenant's rights of ``role`` on ``entity_type`` (insert or replace)."""
    check_overridable(role, entity_type)
    granted = {f"can_{action}": action in actions for action in ACTIONS}
    statement = insert(RightOverride).values(id=uuid.uuid4(), role=role, entity_type=entity_type, **granted)
    await session.execute(statement.on_conflict_do_update(
        index_elements=[RightOverride.tenant_id, RightOverride.role, RightOverride.entity_type], set_=granted,
    ))
