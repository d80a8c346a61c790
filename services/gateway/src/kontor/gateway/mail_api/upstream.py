"""Calls to mail-import: failures become the domain errors the gateway answers as problem+json.

As kontor.platform.grpc_client.call, plus UNIMPLEMENTED: a mail-import older than this gateway (during a
rolling update) lacks an RPC, which is "not available yet" (503), not an internal error.
"""

from __future__ import annotations

import grpc

from kontor.platform.errors import Unavailable
from kontor.platform.grpc_client import to_domain_error


def domain_error(exc: grpc.aio.AioRpcError) -> Exception:
    if exc.code() == grpc.StatusCode.UNIMPLEMENTED:
        return Unavailable("mail-import does not offer this yet; retry after its update")
    return to_domain_error(exc)


async def call(method, request, **kwargs):
    try:
        return await method(request, **kwargs)
    except grpc.aio.AioRpcError as exc:
        raise domain_error(exc) from None
