"""Stored signing keys: bootstrap, rotation, pruning. Functions take the session and never commit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography.fernet import MultiFernet
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import TokenIssuer

from kontor.gateway.identity.keys import crypto, schedule
from kontor.gateway.identity.keys.models import SigningKey


def _public_jwk(key: Ed25519PrivateKey) -> tuple[str, dict]:
    jwks = TokenIssuer(key, issuer="", audience="").jwks()["keys"][0]
    return jwks["kid"], jwks


async def ensure_bootstrap_key(session: AsyncSession, *, key: Ed25519PrivateKey, cipher: MultiFernet) -> None:
    """Store the key from SIGNING_KEY_FILE as the first signing key, unless keys exist already.

    Several replicas may start at once: the key id is derived from the key, so they insert the same row.
    """
    if await session.scalar(select(func.count()).select_from(SigningKey)):
        return
    kid, jwk = _public_jwk(key)
    await session.execute(insert(SigningKey).values(
        kid=kid, private_key=crypto.seal(cipher, key), public_jwk=jwk,
        activates_at=datetime(1970, 1, 1, tzinfo=UTC),
    ).on_conflict_do_nothing(index_elements=["kid"]))


async def add_key(session: AsyncSession, *, cipher: MultiFernet, activates_at: datetime) -> SigningKey:
    """A new key that signs from ``activates_at`` on (and is published from now on)."""
    key = crypto.new_private_key()
    kid, jwk = _public_jwk(key)
    row = SigningKey(kid=kid, private_key=crypto.seal(cipher, key), public_jwk=jwk, activates_at=activates_at)
    session.add(row)
    await session.flush()
    return row


async def all_keys(session: AsyncSession) -> list[SigningKey]:
    return list(await session.scalars(select(SigningKey).order_by(SigningKey.activates_at)))


async def note_token_expiry(session: AsyncSession, *, kid: str, expires_at: datetime) -> None:
    """Keep ``kid`` published until a long-lived token it signed has expired."""
    await session.execute(
        update(SigningKey).where(SigningKey.kid == kid)
        .values(tokens_valid_until=func.greatest(func.coalesce(SigningKey.tokens_valid_until, expires_at),
                                                 expires_at)))


def times(row: SigningKey) -> schedule.KeyTimes:
    return schedule.KeyTimes(kid=row.kid, activates_at=row.activates_at, tokens_valid_until=row.tokens_valid_until)


async def prune(session: AsyncSession, *, now: datetime, token_ttl: timedelta, reload_lag: timedelta) -> list[str]:
    """Delete keys no valid token can carry any more; returns their ids."""
    rows = await all_keys(session)
    keep = {k.kid for k in schedule.published([times(r) for r in rows], now, token_ttl=token_ttl,
                                               reload_lag=reload_lag)}
    gone = [r.kid for r in rows if r.kid not in keep]
    if gone:
        await session.execute(delete(SigningKey).where(SigningKey.kid.in_(gone)))
    return gone
