"""The gateway's gRPC channels forward the request id as metadata ``x-request-id``."""

import grpc

from kontor.devstack.ports import free_port
from kontor.gateway.edge import request_ids
from kontor.gateway.edge.request_ids import RequestIdClientInterceptor
from kontor.platform import grpc_client


def _echo_server(port: int) -> grpc.aio.Server:
    async def echo(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        return dict(context.invocation_metadata()).get("x-request-id", "<none>").encode()

    server = grpc.aio.server()
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(
        "test.Echo", {"RequestId": grpc.unary_unary_rpc_method_handler(echo)})])
    server.add_insecure_port(f"127.0.0.1:{port}")
    return server


async def test_the_current_request_id_reaches_the_service():
    port = free_port()
    server = _echo_server(port)
    await server.start()
    channel = grpc_client.channel(f"127.0.0.1:{port}", interceptors=[RequestIdClientInterceptor()])
    call = channel.unary_unary("/test.Echo/RequestId", request_serializer=None, response_deserializer=None)
    try:
        assert await call(b"") == b"<none>"  # outside a request nothing is invented
        reset = request_ids._current.set("req-abc")
        try:
            assert await call(b"") == b"req-abc"
        finally:
            request_ids._current.reset(reset)
    finally:
        await channel.close()
        await server.stop(None)
