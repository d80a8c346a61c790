"""billing asks contacts' Permission API (docs/access.md) who may see which client; it never judges rights itself.

A client is a contacts company, so a caller sees a client exactly when contacts lets them read the company.
Calls carry the caller's token (the platform's client interceptor forwards the current principal's). When
contacts cannot answer, billing answers UNAVAILABLE: never every client.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import grpc

from kontor.platform import errors, grpc_client, permissions
from kontor.protos.contacts.v1 import access_pb2_grpc

from kontor.billing.settings import BillingSettings

COMPANY = "company"


class Permissions:
    def __init__(self, access: access_pb2_grpc.AccessServiceStub, channel: grpc.aio.Channel | None = None):
        self._access = access
        self._channel = channel

    @classmethod
    def connect(cls, settings: BillingSettings) -> Permissions:
        channel = grpc_client.channel(settings.contacts_addr, default_timeout_s=settings.upstream_timeout_s)
        return cls(access_pb2_grpc.AccessServiceStub(channel), channel)

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()

    async def visible_company_ids(self) -> list[uuid.UUID] | None:
        """Every company id the caller may see (all of VisibleRecords' pages, read for this request only, since
        assignments and substitutions change visibility); None when the caller sees the whole tenant. A caller
        whose role may not read companies gets no ids."""
        with _contacts_down_is_unavailable():
            return await permissions.visible_record_ids(self._access, COMPANY)

    async def require_company(self, company_id: uuid.UUID, action: str = "read") -> None:
        """NotFound when the caller may not see the company (so its existence does not leak), PermissionDenied
        when they may see it but their role lacks the right; as contacts answers for the company itself."""
        with _contacts_down_is_unavailable():
            answer = await permissions.may(self._access, action, COMPANY, company_id)
        if answer.allowed:
            return
        if answer.reason == "no_right":
            raise errors.PermissionDenied(f"your role may not {action} company records, so neither their billing "
                                          "clients; ask an org manager for the right")
        raise errors.NotFound(f"client {company_id} not found")


@contextmanager
def _contacts_down_is_unavailable() -> Iterator[None]:
    try:
        yield
    except errors.Unavailable:
        raise errors.Unavailable("contacts cannot say which clients you may see right now; retry shortly") from None
