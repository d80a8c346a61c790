"""Delegated tokens from the gateway's TokenService: authenticated as the named client, cached per (tenant, user)
until shortly before they expire, a refused credential a domain error."""

from __future__ import annotations

import base64
import uuid

import grpc
import pytest

from kontor.platform import errors, grpc_client
from kontor.platform.delegation import DelegatedTokens, TokenCache
from kontor.protos.gateway.v1 import tokens_pb2, tokens_pb2_grpc

SECRET = "s3cret-" + "x" * 40
CLIENT = "mail-import"


class Gateway(tokens_pb2_grpc.TokenServiceServicer):
    """Issues 'token-of-<user>' to CLIENT with SECRET (and nobody else); counts what it issued."""

    def __init__(self):
        self.issued: list[str] = []

    async def IssueDelegatedToken(self, request, context):
        expected = "Basic " + base64.b64encode(f"{CLIENT}:{SECRET}".encode()).decode()
        if dict(context.invocation_metadata()).get("authorization", "") != expected:
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "unknown service or wrong secret")
        self.issued.append(request.user_id)
        return tokens_pb2.DelegatedToken(access_token=f"token-of-{request.user_id}", expires_in=300,
                                         roles=["sales_rep"], actor=f"service:{CLIENT}")


@pytest.fixture
async def gateway():
    servicer = Gateway()
    server = grpc.aio.server()
    tokens_pb2_grpc.add_TokenServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc_client.channel(f"127.0.0.1:{port}", default_timeout_s=5)
    yield servicer, channel
    await channel.close()
    await server.stop(None)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


async def test_tokens_are_cached_per_user_until_shortly_before_they_expire(gateway):
    servicer, channel = gateway
    clock = Clock()
    tokens = DelegatedTokens(channel, client=CLIENT, secret=SECRET, cache=TokenCache(clock=clock))
    tenant, anna, bert = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    first = await tokens.principal(tenant, anna)
    assert (first.subject, first.tenant_id, first.token, first.actor, first.roles) == (
        str(anna), tenant, f"token-of-{anna}", f"service:{CLIENT}", ("sales_rep",))
    assert await tokens.principal(tenant, anna) is first
    await tokens.principal(tenant, bert)
    assert servicer.issued == [str(anna), str(bert)]
    clock.now += 239  # 300 s tokens are replaced 60 s before they expire
    assert await tokens.principal(tenant, anna) is first
    clock.now += 2
    assert (await tokens.principal(tenant, anna)) is not first and servicer.issued[-1] == str(anna)
    assert await tokens.principal(uuid.uuid4(), anna) is not first  # per (tenant, user)


@pytest.mark.parametrize(("client", "secret"), [(CLIENT, "wrong"), ("calendar-sync", SECRET)])
async def test_a_refused_credential_is_a_domain_error(gateway, client, secret):
    servicer, channel = gateway
    with pytest.raises(errors.Unauthenticated):
        await DelegatedTokens(channel, client=client, secret=secret, cache=TokenCache()).principal(
            uuid.uuid4(), uuid.uuid4())
    assert servicer.issued == []


def test_the_cache_forgets_expired_tokens_first_when_full(monkeypatch):
    from kontor.platform import delegation
    from kontor.platform.auth import Principal

    monkeypatch.setattr(delegation, "MAX_CACHED", 2)
    clock = Clock()
    cache = TokenCache(clock=clock)
    tenant = uuid.uuid4()
    users = [uuid.uuid4() for _ in range(3)]

    def principal(user):
        return Principal(subject=str(user), tenant_id=tenant, roles=(), token=f"t-{user}")

    cache.put(principal(users[0]), users[0], 300)  # the oldest entry, still valid
    cache.put(principal(users[1]), users[1], 10)  # kept 5 s (half its life: shorter than the 60 s margin)
    clock.now += 6  # the second has lapsed
    cache.put(principal(users[2]), users[2], 300)  # full: the lapsed one goes, not the oldest
    assert cache.get(tenant, users[0]) is not None and cache.get(tenant, users[2]) is not None
    assert cache.get(tenant, users[1]) is None
