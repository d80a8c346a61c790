"""Login, refresh, logout: the rules of the gateway's sessions.

Every wrong answer at login (unknown tenant, unknown user, wrong password,
deactivated user) is the same 401, so the API never tells which one it was.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kontor.platform import errors
from kontor.platform.db import Database

from kontor.gateway.identity.directory import Directory, role_name
from kontor.gateway.identity.keys.ring import KeyRing
from kontor.gateway.identity.schemas import LoginRequest, TokenPair
from kontor.gateway.identity.sessions import rules, service as sessions
from kontor.gateway.identity.throttle import LoginThrottle
from kontor.gateway.settings import GatewaySettings
from kontor.protos.contacts.v1 import identity_pb2

log = logging.getLogger(__name__)

BAD_CREDENTIALS = "Tenant, email or password is wrong. Check them and try again."
SESSION_ENDED = "This session has ended (logged out, expired or refreshed already). Log in again."


@dataclass
class Auth:
    db: Database
    keys: KeyRing
    directory: Directory
    throttle: LoginThrottle
    settings: GatewaySettings

    def _pair(self, tenant_id: uuid.UUID, user: identity_pb2.User, refresh_token: str) -> TokenPair:
        access = self.keys.issue(subject=user.id, tenant_id=tenant_id, roles=[role_name(user.role)])
        return TokenPair(access_token=access, expires_in=self.settings.access_token_ttl_s,
                         refresh_token=refresh_token, refresh_expires_in=self.settings.refresh_token_ttl_s)

    async def login(self, body: LoginRequest, *, address: str) -> TokenPair:
        await self.throttle.attempt(tenant_slug=body.tenant, email=body.email, address=address)
        try:
            tenant = await self.directory.resolve_tenant(body.tenant)
            user = None
            if tenant is not None:
                user = await self.directory.verify_password(uuid.UUID(tenant.id), body.email, body.password)
        except errors.Unavailable:
            # An outage of contacts must not lock people out once it is over.
            await self.throttle.take_back(tenant_slug=body.tenant, email=body.email, address=address)
            raise
        if user is None or not user.active:
            # Which of the reasons it was stays in the log (never the email or password).
            log.info("login refused", extra={"tenant": body.tenant, "reason": "unknown tenant" if tenant is None
                                             else "credentials" if user is None else "user deactivated"})
            raise errors.Unauthenticated(BAD_CREDENTIALS)
        await self.throttle.succeeded(tenant_slug=body.tenant, email=body.email, address=address)
        tenant_id = uuid.UUID(tenant.id)
        async with self.db.unit_of_work(tenant_id) as session:
            refresh = await sessions.start_family(session, tenant_id=tenant_id, user_id=user.id,
                                                  ttl=self._refresh_ttl, now=datetime.now(UTC))
        return self._pair(tenant_id, user, refresh)

    @property
    def _refresh_ttl(self) -> timedelta:
        return timedelta(seconds=self.settings.refresh_token_ttl_s)

    async def refresh(self, token: str) -> TokenPair:
        """Exchange a refresh token for a new pair; the user is read again, so role changes and
        deactivation take effect here at the latest."""
        tenant_id = rules.tenant_of(token)
        if tenant_id is None:
            raise errors.Unauthenticated(SESSION_ENDED)
        now = datetime.now(UTC)
        pair = None
        async with self.db.unit_of_work(tenant_id) as session:
            exchanged = await sessions.exchange(session, token=token, now=now)
            if exchanged.verdict is rules.Verdict.VALID:
                user = await self.directory.get_user(tenant_id, exchanged.user_id)
                if user is None or not user.active:
                    await sessions.revoke_family(session, family_id=exchanged.family_id, now=now)
                else:
                    successor = await sessions.start_family(session, tenant_id=tenant_id, user_id=user.id,
                                                            ttl=self._refresh_ttl, now=now,
                                                            family_id=exchanged.family_id)
                    pair = self._pair(tenant_id, user, successor)
        if pair is None:  # raised only now, so a revocation above is committed
            raise errors.Unauthenticated(SESSION_ENDED)
        return pair

    async def logout(self, token: str) -> None:
        tenant_id = rules.tenant_of(token)
        if tenant_id is None:
            return
        async with self.db.unit_of_work(tenant_id) as session:
            await sessions.revoke_family_of(session, token=token, now=datetime.now(UTC))

    async def logout_everywhere(self, *, tenant_id: uuid.UUID, user_id: str) -> int:
        async with self.db.unit_of_work(tenant_id) as session:
            return await sessions.revoke_user(session, user_id=user_id, now=datetime.now(UTC))
