"""What a presented refresh token is worth: pure rules, tested without a database."""

from __future__ import annotations

import enum
import hashlib
import secrets
import uuid
from datetime import datetime
from typing import Protocol


class Verdict(enum.Enum):
    VALID = "valid"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REVOKED = "revoked"
    REUSED = "reused"  # already exchanged once: someone else holds a copy


class TokenState(Protocol):
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None


def judge(token: TokenState | None, now: datetime) -> Verdict:
    if token is None:
        return Verdict.UNKNOWN
    if token.revoked_at is not None:
        return Verdict.REVOKED
    if token.used_at is not None:
        return Verdict.REUSED
    if token.expires_at <= now:
        return Verdict.EXPIRED
    return Verdict.VALID


def new_token(tenant_id: uuid.UUID) -> str:
    """``<tenant id>.<256 random bits>``: opaque to clients; the tenant prefix lets the gateway
    look the token up under row-level security without trusting anything else the client says."""
    return f"{tenant_id}.{secrets.token_urlsafe(32)}"


def tenant_of(token: str) -> uuid.UUID | None:
    prefix, dot, secret = token.partition(".")
    if not dot or not secret:
        return None
    try:
        return uuid.UUID(prefix)
    except ValueError:
        return None


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
