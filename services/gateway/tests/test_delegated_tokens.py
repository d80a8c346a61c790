"""TokenService.IssueDelegatedToken on a real in-process gRPC server with Kontor's edge (contacts faked)."""

import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kontor.platform import auth, errors, grpc_client, grpc_server
from kontor.platform.service_credentials import ServiceClients, authorization, new_secret
from kontor.protos.contacts.v1 import identity_pb2
from kontor.protos.gateway.v1 import tokens_pb2, tokens_pb2_grpc

from kontor.gateway import delegation
from kontor.gateway.delegation.service import DelegatedTokens
from kontor.gateway.delegation.servicer import TokenServicer

TENANT, OTHER_TENANT = uuid.uuid4(), uuid.uuid4()
REP, FORMER, OPERATOR, STRANGER = (uuid.uuid4() for _ in range(4))
SECRET, DIGEST = new_secret()


class FakeDirectory:
    """contacts as the gateway's directory sees it: users by (tenant, id), under row-level security."""

    def __init__(self):
        self.users = {
            (TENANT, REP): identity_pb2.User(id=str(REP), role=identity_pb2.ROLE_SALES_REP, active=True),
            (TENANT, FORMER): identity_pb2.User(id=str(FORMER), role=identity_pb2.ROLE_SALES_REP, active=False),
            (TENANT, OPERATOR): identity_pb2.User(id=str(OPERATOR), role=identity_pb2.ROLE_SUPERADMIN, active=True),
            (OTHER_TENANT, STRANGER): identity_pb2.User(id=str(STRANGER), role=identity_pb2.ROLE_ORG_MANAGER,
                                                        active=True),
        }

    async def get_user(self, tenant_id, user_id):
        return self.users.get((tenant_id, uuid.UUID(user_id)))


class OneKey:
    """The key ring's issue(), on one in-memory key."""

    def __init__(self, issuer):
        self.issuer = issuer

    def issue(self, **kwargs):
        return self.issuer.issue(**kwargs)


@pytest.fixture
async def token_service():
    issuer = auth.TokenIssuer(Ed25519PrivateKey.generate(), issuer="kontor-gateway", audience="kontor")
    verifier = auth.TokenVerifier("http://127.0.0.1:9/jwks", issuer="kontor-gateway", audience="kontor")
    verifier.add_keys(issuer.jwks())
    directory = FakeDirectory()
    servicer = TokenServicer(ServiceClients.parse(f"calendar-sync:{DIGEST}"),
                             DelegatedTokens(keys=OneKey(issuer), directory=directory, ttl_s=300))

    def register(server):
        tokens_pb2_grpc.add_TokenServiceServicer_to_server(servicer, server)
        return [delegation.SERVICE]

    server, _ = grpc_server.create_server(service="unit-test-tokens", verifier=verifier, default_deadline_s=5,
                                          register=register, self_authenticated=delegation.SELF_AUTHENTICATED)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc_client.channel(f"127.0.0.1:{port}", default_timeout_s=5)
    stub = tokens_pb2_grpc.TokenServiceStub(channel)

    async def ask(tenant=TENANT, user=REP, credential=authorization("calendar-sync", SECRET)):
        metadata = (("authorization", credential),) if credential else ()
        return await grpc_client.call(stub.IssueDelegatedToken, tokens_pb2.IssueDelegatedTokenRequest(
            tenant_id=str(tenant), user_id=str(user)), metadata=metadata)

    yield ask, verifier, issuer, directory
    await channel.close()
    await server.stop(None)


async def test_a_service_with_its_secret_gets_a_short_lived_token_of_the_user(token_service):
    ask, verifier, _, _ = token_service
    issued = await ask()
    assert (issued.expires_in, list(issued.roles), issued.actor) == (300, ["sales_rep"], "service:calendar-sync")
    principal = await verifier.verify(issued.access_token)
    assert (principal.subject, principal.tenant_id, principal.roles, principal.actor) == (
        str(REP), TENANT, ("sales_rep",), "service:calendar-sync")


async def test_the_roles_are_the_users_current_ones(token_service):
    ask, verifier, _, directory = token_service
    directory.users[(TENANT, REP)].role = identity_pb2.ROLE_SALES_MANAGER
    assert (await verifier.verify((await ask()).access_token)).roles == ("sales_manager",)


@pytest.mark.parametrize("credential", [authorization("calendar-sync", "wrong-" + SECRET),
                                        authorization("mail-import", SECRET), None])
async def test_a_wrong_unknown_or_missing_credential_is_unauthenticated(token_service, credential):
    ask, *_ = token_service
    with pytest.raises(errors.Unauthenticated):
        await ask(credential=credential)


async def test_a_users_access_token_is_no_client_credential(token_service):
    ask, _, issuer, _ = token_service
    users_token = issuer.issue(subject=str(REP), tenant_id=TENANT, roles=["org_manager"])
    with pytest.raises(errors.Unauthenticated):
        await ask(credential=f"Bearer {users_token}")


@pytest.mark.parametrize(("tenant", "user"), [(TENANT, STRANGER), (OTHER_TENANT, REP), (TENANT, FORMER),
                                              (TENANT, uuid.uuid4())])
async def test_another_tenants_unknown_or_deactivated_user_is_not_found(token_service, tenant, user):
    ask, *_ = token_service
    with pytest.raises(errors.NotFound):
        await ask(tenant=tenant, user=user)


async def test_a_superadmin_is_never_delegated(token_service):
    ask, *_ = token_service
    with pytest.raises(errors.PermissionDenied):
        await ask(user=OPERATOR)


@pytest.mark.parametrize(("tenant", "user", "field"), [("t42", REP, "tenant_id"), (TENANT, "", "user_id")])
async def test_bad_ids_are_invalid_arguments_naming_the_field(token_service, tenant, user, field):
    ask, *_ = token_service
    with pytest.raises(errors.InvalidArgument) as caught:
        await ask(tenant=tenant, user=user)
    assert caught.value.field == field


async def test_an_unauthenticated_caller_learns_nothing_about_its_request(token_service):
    ask, *_ = token_service
    with pytest.raises(errors.Unauthenticated):
        await ask(tenant="t42", credential=authorization("calendar-sync", "wrong"))


def test_the_secret_never_shows_in_the_settings(monkeypatch):
    from kontor.gateway.settings import GatewaySettings  # noqa: PLC0415

    settings = GatewaySettings(signing_key_file="k.pem", contacts_addr="c:1", billing_addr="b:1",
                               calendar_sync_addr="s:1", mail_import_addr="m:1",
                               database_url="postgresql+asyncpg://x/y",
                               nats_url="nats://n:4222", service_clients=f"calendar-sync:{DIGEST}")
    assert DIGEST not in repr(settings) and DIGEST not in str(settings.model_dump())
    with pytest.raises(ValueError, match="entry 1"):
        GatewaySettings(signing_key_file="k.pem", contacts_addr="c:1", billing_addr="b:1", calendar_sync_addr="s:1",
                        mail_import_addr="m:1", database_url="postgresql+asyncpg://x/y", nats_url="nats://n:4222",
                        service_clients="calendar-sync:not-a-digest")
