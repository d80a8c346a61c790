"""Client credentials a Kontor service presents where it has no access token yet.

Background work (calendar-sync's scheduled sync) runs without a caller, so the service asks the gateway's
``TokenService`` for a short-lived token of the user it works for. It authenticates that one call with its
own credential, sent like OAuth's ``client_secret_basic`` (RFC 6749 section 2.3.1):
``authorization: Basic base64(<service name>:<secret>)``.

The caller keeps the secret (its ``SERVICE_SECRET`` setting); the gateway keeps only its SHA-256
(``SERVICE_CLIENTS``: ``<service name>:<hex digest>`` entries, comma-separated). The secrets are random
(32 bytes or more), so a plain hash is enough: there is no password to guess from it. Make one with
``python -c 'from kontor.platform.service_credentials import new_secret; print(*new_secret())'``
(prints the secret, then the digest for the gateway).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets

from kontor.platform.errors import Unauthenticated

SCHEME = "Basic"
MIN_SECRET_CHARS = 32
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> tuple[str, str]:
    """A fresh secret and its digest (what the gateway's SERVICE_CLIENTS holds)."""
    secret = secrets.token_urlsafe(32)
    return secret, secret_digest(secret)


def authorization(client: str, secret: str) -> str:
    """The ``authorization`` metadata value the calling service sends."""
    return f"{SCHEME} {base64.b64encode(f'{client}:{secret}'.encode()).decode()}"


def parse_authorization(header: str | None) -> tuple[str, str]:
    """(client, secret) of a Basic credential; Unauthenticated when there is none or it is malformed."""
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != SCHEME.lower() or not encoded.strip():
        raise Unauthenticated("missing client credentials: send 'authorization: Basic base64(service:secret)'")
    try:
        client, sep, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthenticated("malformed client credentials") from None
    if not sep or not client or not secret:
        raise Unauthenticated("malformed client credentials")
    return client, secret


def parse_clients(value: str) -> dict[str, str]:
    """``calendar-sync:<hex>,mail-import:<hex>`` -> {name: digest}; ValueError names the bad entry (never its
    digest)."""
    clients: dict[str, str] = {}
    for position, entry in enumerate((e.strip() for e in value.split(",")), start=1):
        if not entry:
            continue
        name, sep, digest = entry.partition(":")
        name, digest = name.strip(), digest.strip().lower()
        if not sep or not _NAME.match(name) or not _DIGEST.match(digest):
            raise ValueError(f"entry {position} must be '<service name>:<sha256 hex digest of its secret>'")
        if name in clients:
            raise ValueError(f"service {name!r} is listed twice")
        clients[name] = digest
    return clients


class ServiceClients:
    """The services allowed to authenticate, by name, with their secrets' digests."""

    def __init__(self, digests: dict[str, str]) -> None:
        self._digests = digests

    @classmethod
    def parse(cls, value: str) -> ServiceClients:
        return cls(parse_clients(value))

    def __bool__(self) -> bool:
        return bool(self._digests)

    def authenticate(self, header: str | None) -> str:
        """The calling service's name; Unauthenticated (one message for every reason) otherwise."""
        client, secret = parse_authorization(header)
        expected = self._digests.get(client)
        # Compared in constant time, and a digest is computed even for an unknown name, so timing tells nothing.
        presented = secret_digest(secret)
        if expected is None or not hmac.compare_digest(presented, expected):
            raise Unauthenticated("unknown service or wrong secret")
        return client
