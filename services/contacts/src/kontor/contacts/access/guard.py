"""The one place service functions ask "may this caller do this?".

``require_right`` checks the caller's role rights on an entity type (403 when
missing). Record-level visibility (access levels, assignments, substitution,
restricted access) is added by ``require_record`` in the access domain; a
record the caller may not see answers 404, never 403, so its existence does
not leak.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal
from kontor.platform.errors import PermissionDenied

from kontor.contacts.identity.rights import has_right

# Service principals (other Kontor services acting without a user) carry this role.
SERVICE_ROLE = "service"


async def require_right(session: AsyncSession, principal: Principal, entity_type: str, action: str) -> None:
    if not await has_right(session, roles=principal.roles, entity_type=entity_type, action=action):
        raise PermissionDenied(f"your role may not {action} {entity_type.replace('_', ' ')} records; "
                               "ask an org manager for the right")


def require_service(principal: Principal) -> None:
    if SERVICE_ROLE not in principal.roles:
        raise PermissionDenied("only Kontor services may call this")
