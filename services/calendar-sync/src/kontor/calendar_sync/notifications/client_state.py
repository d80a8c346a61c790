"""The clientState of a subscription: a random secret Graph echoes in every notification.

It is the only proof that a POST to the public webhook came from Graph
(https://learn.microsoft.com/graph/change-notifications-delivery-webhooks, "Processing the change
notification"). 32 random bytes, so an unsalted SHA-256 is enough to store it: nothing to guess. It is
sent to Graph once (at creation) and never logged or stored in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

MAX_LENGTH = 128  # Graph's limit for clientState


def new_client_state() -> str:
    return secrets.token_urlsafe(32)  # 43 characters


def digest(client_state: str) -> bytes:
    return hashlib.sha256(client_state.encode("utf-8")).digest()


def matches(stored: bytes, presented: str | None) -> bool:
    if not presented or len(presented) > MAX_LENGTH:
        return False
    return hmac.compare_digest(stored, digest(presented))
