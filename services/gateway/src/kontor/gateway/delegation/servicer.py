"""gRPC edge of ``TokenService``: the caller's client credential first, then the request."""

from __future__ import annotations

from kontor.platform.pagination import parse_uuid
from kontor.platform.service_credentials import ServiceClients
from kontor.protos.gateway.v1 import tokens_pb2, tokens_pb2_grpc

from kontor.gateway.delegation.service import DelegatedTokens


class TokenServicer(tokens_pb2_grpc.TokenServiceServicer):
    def __init__(self, clients: ServiceClients, tokens: DelegatedTokens) -> None:
        self._clients = clients
        self._tokens = tokens

    async def IssueDelegatedToken(self, request, context):
        headers = {k: v for k, v in context.invocation_metadata() or () if isinstance(v, str)}
        # Before anything is read from the request: an unauthenticated caller learns nothing about it.
        client = self._clients.authenticate(headers.get("authorization"))
        tenant_id = parse_uuid(request.tenant_id, "tenant_id")
        user_id = parse_uuid(request.user_id, "user_id")
        issued = await self._tokens.issue(client=client, tenant_id=tenant_id, user_id=user_id)
        return tokens_pb2.DelegatedToken(access_token=issued.token, expires_in=issued.expires_in,
                                         roles=issued.roles, actor=issued.actor)
