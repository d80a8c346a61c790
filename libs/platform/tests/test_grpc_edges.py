"""The gRPC interceptors and client helpers, on a real in-process server."""

import asyncio
import uuid

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client import REGISTRY

from kontor.platform import auth, errors, grpc_client, grpc_server, telemetry
from kontor.protos.contacts.v1 import contacts_pb2, contacts_pb2_grpc


class ScriptedCompanies(contacts_pb2_grpc.CompanyServiceServicer):
    """Each request name selects a behaviour, so one server covers every mapping."""

    async def CreateCompany(self, request, context):
        match request.name:
            case "invalid":
                raise errors.InvalidArgument("name", "must not be 'invalid'")
            case "missing":
                raise errors.NotFound("company x not found")
            case "crash":
                raise RuntimeError("password=hunter2 leaked in a bug")
            case "slow":
                await asyncio.sleep(5)
            case "trace":
                return contacts_pb2.Company(id=telemetry.current_trace_id() or "")
        principal = auth.current_principal()
        return contacts_pb2.Company(id=str(principal.tenant_id), name=principal.subject)


@pytest.fixture
async def edge():
    issuer = auth.TokenIssuer(Ed25519PrivateKey.generate(), issuer="kontor-gateway", audience="kontor")
    verifier = auth.TokenVerifier("http://127.0.0.1:9/jwks", issuer="kontor-gateway", audience="kontor")
    verifier.add_keys(issuer.jwks())

    def register(server):
        contacts_pb2_grpc.add_CompanyServiceServicer_to_server(ScriptedCompanies(), server)
        return ["kontor.contacts.v1.CompanyService"]

    server, health = grpc_server.create_server(service="unit-test", verifier=verifier, default_deadline_s=0.5,
                                               register=register)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    await grpc_server.set_serving(health, ["kontor.contacts.v1.CompanyService"], True)
    channel = grpc_client.channel(f"127.0.0.1:{port}", default_timeout_s=5)
    yield issuer, channel
    await channel.close()
    await server.stop(None)


def _as_caller(issuer, tenant=None):
    tenant = tenant or uuid.uuid4()
    token = issuer.issue(subject="alice", tenant_id=tenant, roles=[])
    return auth.set_principal(auth.Principal(subject="alice", tenant_id=tenant, token=token)), tenant


async def test_client_forwards_the_callers_token_and_server_sets_principal(edge):
    issuer, channel = edge
    ctx, tenant = _as_caller(issuer)
    try:
        reply = await contacts_pb2_grpc.CompanyServiceStub(channel).CreateCompany(
            contacts_pb2.CreateCompanyRequest(name="ok"))
    finally:
        auth.reset_principal(ctx)
    assert reply.id == str(tenant) and reply.name == "alice"


async def test_call_without_token_is_unauthenticated_but_health_is_public(edge):
    _, channel = edge
    with pytest.raises(errors.Unauthenticated, match="missing credentials"):
        await grpc_client.call(contacts_pb2_grpc.CompanyServiceStub(channel).CreateCompany,
                               contacts_pb2.CreateCompanyRequest(name="ok"))
    health = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""))
    assert health.status == health_pb2.HealthCheckResponse.SERVING


@pytest.mark.parametrize(("name", "code"), [
    ("invalid", grpc.StatusCode.INVALID_ARGUMENT),
    ("missing", grpc.StatusCode.NOT_FOUND),
    ("crash", grpc.StatusCode.INTERNAL),
    ("slow", grpc.StatusCode.DEADLINE_EXCEEDED),
])
async def test_domain_errors_map_to_status_codes(edge, name, code):
    issuer, channel = edge
    ctx, _ = _as_caller(issuer)
    try:
        with pytest.raises(grpc.aio.AioRpcError) as exc:
            await contacts_pb2_grpc.CompanyServiceStub(channel).CreateCompany(
                contacts_pb2.CreateCompanyRequest(name=name))
    finally:
        auth.reset_principal(ctx)
    assert exc.value.code() == code
    assert "hunter2" not in (exc.value.details() or "")
    if name == "invalid":
        error = grpc_client.to_domain_error(exc.value)
        assert isinstance(error, errors.InvalidArgument)
        assert (error.field, error.reason) == ("name", "must not be 'invalid'")


async def test_red_metrics_count_calls_by_method_and_code(edge):
    issuer, channel = edge
    labels = {"method": "/kontor.contacts.v1.CompanyService/CreateCompany", "code": "NOT_FOUND"}
    before = REGISTRY.get_sample_value("unit_test_grpc_server_requests_total", labels) or 0
    ctx, _ = _as_caller(issuer)
    try:
        with pytest.raises(errors.NotFound):
            await grpc_client.call(contacts_pb2_grpc.CompanyServiceStub(channel).CreateCompany,
                                   contacts_pb2.CreateCompanyRequest(name="missing"))
    finally:
        auth.reset_principal(ctx)
    assert REGISTRY.get_sample_value("unit_test_grpc_server_requests_total", labels) == before + 1


async def test_every_call_verifies_its_own_token_though_the_wrapped_handler_is_reused(edge):
    issuer, channel = edge
    stub = contacts_pb2_grpc.CompanyServiceStub(channel)
    first_tenant, second_tenant = uuid.uuid4(), uuid.uuid4()
    replies = []
    for tenant in (first_tenant, second_tenant):
        token = issuer.issue(subject="alice", tenant_id=tenant, roles=[])
        replies.append(await stub.CreateCompany(contacts_pb2.CreateCompanyRequest(name="ok"),
                                                metadata=(("authorization", f"Bearer {token}"),)))
    assert [r.id for r in replies] == [str(first_tenant), str(second_tenant)]
    forged = issuer.issue(subject="alice", tenant_id=first_tenant, roles=[])[:-4] + "AAAA"
    with pytest.raises(grpc.aio.AioRpcError) as exc:
        await stub.CreateCompany(contacts_pb2.CreateCompanyRequest(name="ok"),
                                 metadata=(("authorization", f"Bearer {forged}"),))
    assert exc.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_the_server_continues_the_callers_trace(edge):
    issuer, channel = edge
    trace_id = uuid.uuid4().hex
    token = issuer.issue(subject="alice", tenant_id=uuid.uuid4(), roles=[])
    reply = await contacts_pb2_grpc.CompanyServiceStub(channel).CreateCompany(
        contacts_pb2.CreateCompanyRequest(name="trace"),
        metadata=(("authorization", f"Bearer {token}"), ("traceparent", f"00-{trace_id}-{'1' * 16}-01")))
    assert reply.id == trace_id


async def test_unknown_methods_are_unimplemented(edge):
    issuer, channel = edge
    ctx, _ = _as_caller(issuer)
    try:
        with pytest.raises(grpc.aio.AioRpcError) as exc:
            await channel.unary_unary("/kontor.contacts.v1.CompanyService/NoSuchMethod")(b"")
    finally:
        auth.reset_principal(ctx)
    assert exc.value.code() == grpc.StatusCode.UNIMPLEMENTED
