"""Client-streaming calls (chunked uploads) pass the same edge as unary ones: token, principal, errors."""

import uuid

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kontor.platform import auth, errors, grpc_client, grpc_server

METHOD = "/kontor.test.v1.Uploads/Upload"


async def _upload(request_iterator, context):
    principal = auth.current_principal()
    total = 0
    async for chunk in request_iterator:
        if chunk == b"bad":
            raise errors.InvalidArgument("content", "is bad")
        total += len(chunk)
    return f"{principal.tenant_id}:{total}".encode()


@pytest.fixture
async def uploads():
    issuer = auth.TokenIssuer(Ed25519PrivateKey.generate(), issuer="kontor-gateway", audience="kontor")
    verifier = auth.TokenVerifier("http://127.0.0.1:9/jwks", issuer="kontor-gateway", audience="kontor")
    verifier.add_keys(issuer.jwks())

    def register(server):
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("kontor.test.v1.Uploads", {
            "Upload": grpc.stream_unary_rpc_method_handler(_upload)}),))
        return ["kontor.test.v1.Uploads"]

    server, _ = grpc_server.create_server(service="unit-test-uploads", verifier=verifier, default_deadline_s=5,
                                          register=register)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc_client.channel(f"127.0.0.1:{port}", default_timeout_s=5)
    yield issuer, channel.stream_unary(METHOD)
    await channel.close()
    await server.stop(None)


async def _chunks(*parts):
    for part in parts:
        yield part


async def test_upload_carries_the_callers_token_to_the_handler(uploads):
    issuer, upload = uploads
    tenant = uuid.uuid4()
    token = issuer.issue(subject="alice", tenant_id=tenant, roles=[])
    reset = auth.set_principal(auth.Principal(subject="alice", tenant_id=tenant, token=token))
    try:
        answer = await grpc_client.call(upload, _chunks(b"abc", b"defg"))
    finally:
        auth.reset_principal(reset)
    assert answer == f"{tenant}:7".encode()


async def test_upload_without_token_is_unauthenticated(uploads):
    _, upload = uploads
    with pytest.raises(errors.Unauthenticated):
        await grpc_client.call(upload, _chunks(b"abc"))


async def test_domain_errors_in_uploads_keep_their_field(uploads):
    issuer, upload = uploads
    tenant = uuid.uuid4()
    reset = auth.set_principal(auth.Principal(subject="bob", tenant_id=tenant,
                                              token=issuer.issue(subject="bob", tenant_id=tenant, roles=[])))
    try:
        with pytest.raises(errors.InvalidArgument) as caught:
            await grpc_client.call(upload, _chunks(b"ok", b"bad"))
    finally:
        auth.reset_principal(reset)
    assert caught.value.field == "content"
