"""The rules of a delegated token: whose, with which roles, for how long.

The user is read from contacts at every issue (the gateway's own service token, ``identity/directory.py``),
so a deactivated user or a changed role takes effect on the next token, within ``DELEGATED_TOKEN_TTL_S``.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from kontor.platform import errors

from kontor.gateway.identity.directory import Directory, role_name
from kontor.gateway.identity.keys.ring import KeyRing

log = logging.getLogger(__name__)

ACTOR_PREFIX = "service:"
# A platform operator's identity spans tenants: no service may borrow it.
NEVER_DELEGATED = frozenset({"superadmin"})


@dataclass(frozen=True)
class Delegated:
    token: str
    expires_in: int
    roles: list[str]
    actor: str


@dataclass
class DelegatedTokens:
    keys: KeyRing
    directory: Directory
    ttl_s: int

    async def issue(self, *, client: str, tenant_id: uuid.UUID, user_id: uuid.UUID) -> Delegated:
        user = await self.directory.get_user(tenant_id, str(user_id))
        if user is None or not user.active:
            # Unknown, another tenant's, or deactivated: the same answer, so a service learns nothing more.
            log.info("delegated token refused", extra={"client": client, "tenant_id": str(tenant_id),
                                                       "user_id": str(user_id), "reason": "no active user"})
            raise errors.NotFound(f"no active user {user_id} in this tenant")
        roles = [role_name(user.role)]
        if NEVER_DELEGATED & set(roles):
            log.warning("delegated token refused", extra={"client": client, "tenant_id": str(tenant_id),
                                                          "user_id": str(user_id), "reason": "superadmin"})
            raise errors.PermissionDenied("a superadmin's identity is never delegated to a service")
        actor = ACTOR_PREFIX + client
        token = self.keys.issue(subject=user.id, tenant_id=tenant_id, roles=roles, ttl_s=self.ttl_s, actor=actor)
        # The audit line of every delegation (never the token).
        log.info("delegated token issued", extra={"client": client, "tenant_id": str(tenant_id),
                                                  "user_id": user.id, "roles": roles, "ttl_s": self.ttl_s})
        return Delegated(token=token, expires_in=self.ttl_s, roles=roles, actor=actor)
