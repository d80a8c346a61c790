"""Access tokens: who is calling, for which tenant.

The gateway signs short-lived JWTs with an asymmetric key (Ed25519, `EdDSA`)
and publishes the public keys as a JWKS. Every service verifies tokens itself
with ``TokenVerifier``; none trusts a bare user-id header. The verified
``Principal`` travels in a context variable for the duration of one call.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kontor.platform.errors import Unauthenticated

ALGORITHM = "EdDSA"


@dataclass(frozen=True)
class Principal:
    """The verified caller."""

    subject: str
    tenant_id: uuid.UUID
    roles: tuple[str, ...] = ()
    token: str = field(default="", repr=False)  # forwarded on downstream calls; never logged
    # RFC 8693 ``act``: the service acting on the subject's behalf (``service:calendar-sync`` in a scheduled
    # sync), None when the subject calls itself. Audit logs name both.
    actor: str | None = None


_current: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("kontor_principal", default=None)


def current_principal() -> Principal:
    principal = _current.get()
    if principal is None:
        raise Unauthenticated("no authenticated caller in this context")
    return principal


def current_principal_or_none() -> Principal | None:
    return _current.get()


def set_principal(principal: Principal | None) -> contextvars.Token:
    return _current.set(principal)


def reset_principal(token: contextvars.Token) -> None:
    _current.reset(token)


def bearer_token(header_value: str | None) -> str:
    if not header_value:
        raise Unauthenticated("missing credentials: send 'authorization: Bearer <access token>'")
    scheme, _, token = header_value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("malformed authorization header: expected 'Bearer <access token>'")
    return token.strip()


def _principal_from_claims(claims: dict, token: str) -> Principal:
    try:
        tenant = uuid.UUID(str(claims["tid"]))
    except (KeyError, ValueError):
        raise Unauthenticated("token carries no valid tenant (tid)") from None
    roles = claims.get("roles") or []
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise Unauthenticated("token roles must be a list of strings")
    return Principal(subject=str(claims["sub"]), tenant_id=tenant, roles=tuple(roles), token=token,
                     actor=_actor_of(claims))


def _actor_of(claims: dict) -> str | None:
    """The outermost actor of an RFC 8693 ``act`` claim ({"sub": ...}); earlier actors of a chain nest inside
    it and are not needed to authorise (RFC 8693 section 4.1)."""
    act = claims.get("act")
    if act is None:
        return None
    if not isinstance(act, dict) or not isinstance(act.get("sub"), str) or not act["sub"]:
        raise Unauthenticated("token act claim must be an object with a sub")
    return act["sub"]


class TokenVerifier:
    """Verifies access tokens against a JWKS fetched over HTTP and cached.

    An unknown ``kid`` triggers one refetch (at most every ``min_refresh_s``),
    so a key rotation at the gateway is picked up without restarts and without
    letting a flood of bad tokens hammer the JWKS endpoint. Keys older than
    ``max_age_s`` are refetched too (keeping the old set if that fails), so a key
    the gateway stopped publishing stops being trusted.
    """

    def __init__(self, jwks_url: str, *, issuer: str, audience: str, min_refresh_s: float = 30.0,
                 leeway_s: float = 30.0, max_age_s: float = 300.0, max_cached_tokens: int = 10_000):
        self._jwks_url = jwks_url
        self._issuer = issuer
        self._audience = audience
        self._min_refresh_s = min_refresh_s
        self._leeway_s = leeway_s
        self._max_age_s = max_age_s
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = 0.0
        self._attempted_at = float("-inf")
        self._lock = asyncio.Lock()
        # Tokens whose signature and claims were verified, by their exact text: (principal, valid until
        # (epoch s), the key that verified it). A service asked many times with the same token (CheckAccess
        # per record of a list) verifies the Ed25519 signature once. Bounded; expiry is checked on every hit,
        # and a hit counts only while the same key object is trusted (a JWKS refresh drops it).
        self._verified: dict[str, tuple[Principal, float, jwt.PyJWK]] = {}
        self._max_cached = max_cached_tokens

    async def _refresh(self) -> None:
        async with self._lock:
            # At most one attempt per min_refresh_s while we hold keys, failed attempts included.
            if time.monotonic() - self._attempted_at < self._min_refresh_s and self._keys:
                return
            self._attempted_at = time.monotonic()
            try:
                async with httpx.AsyncClient(timeout=5.0) as client:
                    response = await client.get(self._jwks_url)
                    response.raise_for_status()
                    keyset = jwt.PyJWKSet.from_dict(response.json())
            except (httpx.HTTPError, jwt.PyJWKSetError, ValueError) as exc:
                raise Unauthenticated(f"signing keys unavailable ({type(exc).__name__}); retry shortly") from None
            self._keys = {k.key_id: k for k in keyset.keys if k.key_id}
            self._fetched_at = time.monotonic()

    def add_keys(self, jwks: dict, *, replace: bool = False) -> None:
        """Trust a JWKS given directly (the gateway verifies its own tokens this way).

        ``replace`` trusts exactly these keys from now on, as a fresh fetch would.
        """
        keys = {key.key_id: key for key in jwt.PyJWKSet.from_dict(jwks).keys}
        if replace:
            self._keys = keys
            self._fetched_at = self._attempted_at = time.monotonic()
        else:
            self._keys.update(keys)

    async def verify(self, token: str) -> Principal:
        remembered = self._verified.get(token)
        if remembered is not None:
            # The same text names the same kid: the one of the key that verified it. Reading the header
            # again costs more than the rest of a remembered verification (PyJWT checks it char by char).
            kid = remembered[2].key_id
        else:
            try:
                kid = jwt.get_unverified_header(token).get("kid")
            except jwt.PyJWTError:
                raise Unauthenticated("malformed access token") from None
        if kid not in self._keys:
            await self._refresh()
        elif self._keys and time.monotonic() - self._fetched_at > self._max_age_s:
            with contextlib.suppress(Unauthenticated):  # the keys we have stay good until a fetch succeeds
                await self._refresh()
        key = self._keys.get(kid)
        if key is None:
            raise Unauthenticated("access token signed by an unknown key")
        cached = self._verified.get(token)
        if cached is not None:
            principal, valid_until, verified_by = cached
            if verified_by is key and time.time() < valid_until:
                return principal
            del self._verified[token]
        try:
            claims = jwt.decode(
                token, key=key, algorithms=[ALGORITHM], audience=self._audience, issuer=self._issuer,
                leeway=self._leeway_s, options={"require": ["exp", "iat", "sub", "tid", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("access token expired; refresh it and retry") from None
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid access token: {exc}") from None
        principal = _principal_from_claims(claims, token)
        self._remember(token, principal, claims["exp"], key)
        return principal

    def _remember(self, token: str, principal: Principal, exp: object, key: jwt.PyJWK) -> None:
        try:
            # jwt.decode accepts the token while now < exp + leeway: exactly as long as the cache does.
            valid_until = int(exp) + self._leeway_s  # type: ignore[call-overload]
        except (TypeError, ValueError):
            return
        if len(self._verified) >= self._max_cached:
            now = time.time()
            self._verified = {t: entry for t, entry in self._verified.items() if entry[1] > now}
            while len(self._verified) >= self._max_cached:  # still full: forget the oldest
                del self._verified[next(iter(self._verified))]
        self._verified[token] = (principal, valid_until, key)


class TokenIssuer:
    """Signs access tokens (used by the gateway, which owns the key)."""

    def __init__(self, private_key: Ed25519PrivateKey, *, issuer: str, audience: str):
        self._key = private_key
        self._issuer = issuer
        self._audience = audience
        public = jwt.algorithms.OKPAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
        # The key id is derived from the public key so it is stable across restarts.
        self.kid = jwt.utils.base64url_encode(
            hashlib.sha256(json.dumps(public, sort_keys=True).encode()).digest()[:12]
        ).decode()
        self._public_jwk = {**public, "kid": self.kid, "use": "sig", "alg": ALGORITHM}

    @classmethod
    def from_pem_file(cls, path: str | Path, *, issuer: str, audience: str) -> TokenIssuer:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path}: expected an Ed25519 private key in PEM form")
        return cls(key, issuer=issuer, audience=audience)

    def jwks(self) -> dict:
        return {"keys": [self._public_jwk]}

    def issue(self, *, subject: str, tenant_id: uuid.UUID, roles: list[str], ttl_s: int = 900,
              actor: str | None = None) -> str:
        """``actor``: the service the token is delegated to (RFC 8693 ``act``); the subject stays the user."""
        now = int(time.time())
        claims = {
            "iss": self._issuer, "aud": self._audience, "sub": subject, "tid": str(tenant_id),
            "roles": roles, "iat": now, "nbf": now, "exp": now + ttl_s, "jti": str(uuid.uuid4()),
        }
        if actor is not None:
            claims["act"] = {"sub": actor}
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.kid})
