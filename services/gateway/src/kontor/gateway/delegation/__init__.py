"""Delegated tokens: a Kontor service's background work runs as the user it works for (gRPC TokenService).

``register`` adds the servicer to the gateway's gRPC server; its one method authenticates its callers itself
(client credentials, see ``kontor.platform.service_credentials``), so the edge asks it for no bearer token.
"""

from __future__ import annotations

import grpc

from kontor.platform.runtime import Runtime
from kontor.platform.service_credentials import ServiceClients
from kontor.protos.gateway.v1 import tokens_pb2, tokens_pb2_grpc

from kontor.gateway.delegation.service import DelegatedTokens
from kontor.gateway.delegation.servicer import TokenServicer

SERVICE = tokens_pb2.DESCRIPTOR.services_by_name["TokenService"].full_name
SELF_AUTHENTICATED = (f"/{SERVICE}/IssueDelegatedToken",)


def register(server: grpc.aio.Server, rt: Runtime) -> list[str]:
    auth = rt.extras["auth"]  # identity.setup.start ran before the gRPC server is built
    tokens = DelegatedTokens(keys=auth.keys, directory=auth.directory,
                             ttl_s=min(rt.settings.delegated_token_ttl_s, rt.settings.access_token_ttl_s))
    clients = ServiceClients.parse(rt.settings.service_clients.get_secret_value())
    tokens_pb2_grpc.add_TokenServiceServicer_to_server(TokenServicer(clients, tokens), server)
    return [SERVICE]
