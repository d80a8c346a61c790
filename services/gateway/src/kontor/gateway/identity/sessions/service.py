"""Refresh-token families in the database. Functions take the session and never commit.

A refusal that must be remembered (reuse revokes the family) is returned, not
raised, so the caller's unit of work commits the revocation before answering 401.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.gateway.identity.sessions import rules
from kontor.gateway.identity.sessions.models import RefreshToken, SessionTenant


@dataclass(frozen=True)
class Exchange:
    """The outcome of presenting a refresh token; ``user_id``/``family_id`` are set when it was found."""

    verdict: rules.Verdict
    user_id: str | None = None
    family_id: uuid.UUID | None = None


async def start_family(session: AsyncSession, *, tenant_id: uuid.UUID, user_id: str, ttl: timedelta,
                       now: datetime, family_id: uuid.UUID | None = None) -> str:
    """Store a new refresh token (in a new family unless one is given) and return it."""
    if family_id is None:
        # Expired and revoked tokens stay for the retention period (audit, reuse detection);
        # tasks.prune_all_tenants deletes them later and finds the tenant here.
        await session.execute(insert(SessionTenant).values(tenant_id=tenant_id)
                              .on_conflict_do_nothing(index_elements=[SessionTenant.tenant_id]))
    token = rules.new_token(tenant_id)
    session.add(RefreshToken(family_id=family_id or uuid.uuid4(), user_id=user_id, token_hash=rules.digest(token),
                             expires_at=now + ttl))
    await session.flush()
    return token


async def _find(session: AsyncSession, token: str) -> RefreshToken | None:
    # FOR UPDATE: two refreshes with the same token are serialised, and the second one is a reuse.
    return await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == rules.digest(token)).with_for_update())


async def exchange(session: AsyncSession, *, token: str, now: datetime) -> Exchange:
    """Mark a valid token used (its successor is the caller's to add); revoke the family on reuse."""
    row = await _find(session, token)
    verdict = rules.judge(row, now)
    if row is None:
        return Exchange(verdict)
    if verdict is rules.Verdict.VALID:
        row.used_at = now
    elif verdict is rules.Verdict.REUSED:
        await revoke_family(session, family_id=row.family_id, now=now)
    return Exchange(verdict, user_id=row.user_id, family_id=row.family_id)


async def revoke_family(session: AsyncSession, *, family_id: uuid.UUID, now: datetime) -> None:
    await session.execute(update(RefreshToken)
                          .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
                          .values(revoked_at=now))


async def revoke_family_of(session: AsyncSession, *, token: str, now: datetime) -> bool:
    """Logout: revoke the family the token belongs to; False if the token is unknown."""
    row = await _find(session, token)
    if row is None:
        return False
    await revoke_family(session, family_id=row.family_id, now=now)
    return True


async def revoke_user(session: AsyncSession, *, user_id: str, now: datetime) -> int:
    """Log out everywhere: revoke every refresh token of the user (in the session's tenant)."""
    result = await session.execute(update(RefreshToken)
                                   .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
                                   .values(revoked_at=now))
    return result.rowcount


async def prune_dead_families(session: AsyncSession, *, before: datetime) -> int:
    """Delete the families (in the session's tenant) in which no token can be exchanged any more since
    ``before``: each token expired or was revoked before it. Return the number of tokens deleted.

    Whole families, never single tokens: a used token is kept while its family lives, because presenting
    it again is how a stolen copy is noticed (and the family revoked), even after the token expired.
    """
    dead = (select(RefreshToken.family_id)
            .group_by(RefreshToken.family_id)
            .having(func.bool_and((RefreshToken.expires_at < before)
                                  | func.coalesce(RefreshToken.revoked_at < before, False))))
    result = await session.execute(delete(RefreshToken).where(RefreshToken.family_id.in_(dead)))
    return result.rowcount


async def session_tenants(session: AsyncSession) -> list[uuid.UUID]:
    """Every tenant that has had a refresh token (a global table: readable in the system scope)."""
    return list((await session.scalars(select(SessionTenant.tenant_id).order_by(SessionTenant.tenant_id))).all())
