"""Which key signs now and which keys the JWKS publishes: pure rules over the key list.

A key signs from its ``activates_at`` until the next key activates. It stays
published until every token it may have signed has expired: the token lifetime
after it stopped signing (plus the time a replica may still use it before it
reloads), or the expiry of the longest operator token it signed. Keys that
activate later are published already, so verifiers know them before they sign.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class KeyTimes:
    kid: str
    activates_at: datetime
    tokens_valid_until: datetime | None = None


def _ordered(keys: Sequence[KeyTimes]) -> list[KeyTimes]:
    return sorted(keys, key=lambda k: (k.activates_at, k.kid))


def signing_key(keys: Sequence[KeyTimes], now: datetime) -> KeyTimes:
    """The newest key that has activated; the oldest key if none has yet."""
    ordered = _ordered(keys)
    if not ordered:
        raise LookupError("no signing key")
    active = [k for k in ordered if k.activates_at <= now]
    return active[-1] if active else ordered[0]


def published_until(keys: Sequence[KeyTimes], key: KeyTimes, *, token_ttl: timedelta,
                    reload_lag: timedelta) -> datetime | None:
    """When ``key`` may leave the JWKS; None while no successor has replaced it."""
    ordered = _ordered(keys)
    successors = ordered[ordered.index(key) + 1:]
    if not successors:
        return None
    stopped_signing = successors[0].activates_at + reload_lag
    until = stopped_signing + token_ttl
    return max(until, key.tokens_valid_until) if key.tokens_valid_until else until


def published(keys: Sequence[KeyTimes], now: datetime, *, token_ttl: timedelta,
              reload_lag: timedelta) -> list[KeyTimes]:
    """Every key a token valid at ``now`` can carry, plus keys about to sign; newest first."""
    current = signing_key(keys, now)
    kept = []
    for key in _ordered(keys):
        until = published_until(keys, key, token_ttl=token_ttl, reload_lag=reload_lag)
        if key == current or key.activates_at > now or until is None or until > now:
            kept.append(key)
    return kept[::-1]
