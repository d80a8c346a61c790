"""The one place service functions ask "may this caller do this?".

``require_right`` checks the caller's role rights on an entity type (403 when
missing). Record-level visibility (access levels, assignments, substitution,
restricted access) is added by ``require_record`` in the access domain; a
record the caller may not see answers 404, never 403, so its existence does
not leak.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal
from kontor.platform.errors import InvalidArgument, NotFound, PermissionDenied

from kontor.contacts.identity.rights import grants, has_right

# Service principals (other Kontor services acting without a user) carry this role.
SERVICE_ROLE = "service"


async def require_right(session: AsyncSession, principal: Principal, entity_type: str, action: str) -> None:
    if not await has_right(session, roles=principal.roles, entity_type=entity_type, action=action):
        raise _no_right(entity_type, action)


def _no_right(entity_type: str, action: str) -> PermissionDenied:
    return PermissionDenied(f"your role may not {action} {entity_type.replace('_', ' ')} records; "
                            "ask an org manager for the right")


def require_service(principal: Principal) -> None:
    if SERVICE_ROLE not in principal.roles:
        raise PermissionDenied("only Kontor services may call this")


async def require_record(session: AsyncSession, principal: Principal, record_type: str, record_id: uuid.UUID,
                         action: str, *, include_deleted: bool = False) -> None:
    """NotFound when ``principal`` cannot see the record (or it does not exist); PermissionDenied when it can
    see it but its role lacks the right for ``action``. Visibility first, so a denied right never confirms
    that an invisible record exists. One statement, planned the same with or without statistics
    (``visibility.record_statement``)."""
    from kontor.contacts.access.visibility import RECORD_TYPES, check_record  # noqa: PLC0415 - cycle

    if record_type not in RECORD_TYPES:
        raise InvalidArgument("record.type", f"use one of {', '.join(RECORD_TYPES)}")
    row = await check_record(session, principal, record_type, record_id, action=action,
                             include_deleted=include_deleted)
    if row is None or not row.visible:
        raise NotFound(f"{record_type.replace('_', ' ')} {record_id} not found")
    if not grants(principal.roles, entity_type=record_type, action=action, overridden=row.overridden or (),
                  granting=row.granting or ()):
        raise _no_right(record_type, action)
