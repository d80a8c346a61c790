"""Rights: which role may create, read, update or delete which entity type.

Defaults live here, in code, so every tenant starts sensible; a tenant's org
manager can override single (role, entity type) pairs, stored in
``right_overrides``. ``has_right`` is the one question everybody asks.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Boolean, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kontor.platform.db import Base, TenantScoped

ACTIONS = ("create", "read", "update", "delete")

ROLES = (
    "superadmin", "org_manager", "sales_manager", "sales_rep", "customer_service", "technician", "portal_client",
)

ENTITY_TYPES = (
    "company", "contact_person", "user", "team", "assignment", "pool", "group", "comment", "trace", "import",
    "gdpr", "rights", "substitution", "handover", "assignment_rule", "dashboard",
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
        "substitution": _ALL, "handover": _ALL, "assignment_rule": _ALL, "dashboard": _R,
    },
    "sales_rep": {
        "company": _CRU, "contact_person": _CRU, "user": _R, "team": _R, "assignment": _R, "pool": _ALL,
        "group": _R, "comment": _CRU, "trace": _R, "import": _CRU, "gdpr": _NONE, "rights": _NONE,
        "substitution": _CRU, "handover": _NONE, "assignment_rule": _R, "dashboard": _NONE,
    },
    "customer_service": {
        "company": frozenset({"read", "update"}), "contact_person": _CRU, "user": _R, "team": _R,
        "assignment": _R, "pool": _ALL, "group": _R, "comment": _CRU, "trace": _R, "import": _NONE,
        "gdpr": _NONE, "rights": _NONE, "substitution": _CRU, "handover": _NONE, "assignment_rule": _NONE,
        "dashboard": _NONE,
    },
    "technician": {
        "company": _R, "contact_person": _R, "user": _R, "team": _R, "assignment": _R, "pool": _R, "group": _R,
        "comment": _CRU, "trace": _R, "import": _NONE, "gdpr": _NONE, "rights": _NONE, "substitution": _CRU,
        "handover": _NONE, "assignment_rule": _NONE, "dashboard": _NONE,
    },
    "portal_client": {entity: _NONE for entity in ENTITY_TYPES},
}


class RightOverride(TenantScoped, Base):
    """A tenant's own rights for one (role, entity type), replacing the default."""

    __tablename__ = "right_overrides"

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
