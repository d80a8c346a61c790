"""Tokens of the users a service works for in the background, from the gateway's ``TokenService``.

Background work (a scheduled sync or import round) has no caller, yet contacts answers only with a token (and
applies its rights). Only the gateway signs tokens, so the service asks it for a short-lived one of the user it
works for (a mailbox's owner), authenticating with its own client credential (``client`` + ``SERVICE_SECRET``;
``kontor.platform.service_credentials``). The token's ``act`` claim names ``service:<client>`` (e.g.
``service:calendar-sync``), so contacts' logs and traces show who really called.

``TokenCache`` keeps each (tenant, user)'s token until shortly before it expires; it outlives the event loops
of Celery tasks (each task runs its own), while ``DelegatedTokens`` is bound to one loop's gRPC channel.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import grpc

from kontor.platform.auth import Principal
from kontor.platform.grpc_client import call
from kontor.platform.service_credentials import authorization
from kontor.protos.gateway.v1 import tokens_pb2, tokens_pb2_grpc

# A cached token is replaced this long before it expires (at most half its lifetime), so a token handed out
# stays valid for the contacts calls that follow.
REFRESH_BEFORE_S = 60.0
MAX_CACHED = 10_000


@dataclass
class TokenCache:
    clock: Callable[[], float] = time.monotonic
    _entries: dict[tuple[uuid.UUID, uuid.UUID], tuple[Principal, float]] = field(default_factory=dict)

    def get(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> Principal | None:
        entry = self._entries.get((tenant_id, user_id))
        if entry is None or self.clock() >= entry[1]:
            return None
        return entry[0]

    def put(self, principal: Principal, user_id: uuid.UUID, expires_in: float) -> None:
        now = self.clock()
        if len(self._entries) >= MAX_CACHED:
            self._entries = {k: v for k, v in self._entries.items() if v[1] > now}
            while len(self._entries) >= MAX_CACHED:
                del self._entries[next(iter(self._entries))]
        keep = max(expires_in - REFRESH_BEFORE_S, expires_in / 2)
        self._entries[(principal.tenant_id, user_id)] = (principal, now + keep)


class DelegatedTokens:
    """The user's principal for background work: from the cache, else from the gateway (errors as domain errors)."""

    def __init__(self, channel: grpc.aio.Channel, *, client: str, secret: str, cache: TokenCache) -> None:
        """``client``: the service's client name at the gateway ("calendar-sync", "mail-import")."""
        self._stub = tokens_pb2_grpc.TokenServiceStub(channel)
        self._credential = authorization(client, secret)
        self._cache = cache

    async def principal(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> Principal:
        cached = self._cache.get(tenant_id, user_id)
        if cached is not None:
            return cached
        reply = await call(self._stub.IssueDelegatedToken,
                           tokens_pb2.IssueDelegatedTokenRequest(tenant_id=str(tenant_id), user_id=str(user_id)),
                           # Our credential, not a caller's token (there is none; the client sends ours as is).
                           metadata=(("authorization", self._credential),))
        principal = Principal(subject=str(user_id), tenant_id=tenant_id, roles=tuple(reply.roles),
                              token=reply.access_token, actor=reply.actor or None)
        self._cache.put(principal, user_id, reply.expires_in)
        return principal
