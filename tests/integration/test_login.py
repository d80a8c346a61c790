"""Login at the gateway over real HTTP: tokens, throttling, sessions, key rotation, rate limits, request ids.

Users are created through contacts' gRPC API, as a superadmin would.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from dataclasses import dataclass

import grpc
import httpx
import jwt
import pytest

from kontor.devstack.ports import free_port
from kontor.protos.contacts.v1 import identity_pb2, identity_pb2_grpc

from tests.integration.helpers import apoll

PASSWORD = "correct horse battery staple"


@dataclass
class Org:
    slug: str
    tenant_id: uuid.UUID
    admin_id: str
    admin_email: str


def _grpc_auth(token: str) -> tuple:
    return (("authorization", f"Bearer {token}"),)


async def _create_org(stack) -> Org:
    slug = f"t-{uuid.uuid4().hex[:12]}"
    async with grpc.aio.insecure_channel(stack.grpc("contacts")) as channel:
        created = await identity_pb2_grpc.TenantServiceStub(channel).CreateTenant(
            identity_pb2.CreateTenantRequest(slug=slug, name=f"Org {slug}", admin_email=f"admin@{slug}.example",
                                             admin_display_name="Ada Admin", admin_password=PASSWORD),
            metadata=_grpc_auth(stack.token(uuid.uuid4(), subject="root", roles=("superadmin",))), timeout=30)
    return Org(slug, uuid.UUID(created.tenant.id), created.admin.id, created.admin.email)


async def _create_user(stack, org: Org, role=identity_pb2.ROLE_SALES_REP) -> identity_pb2.User:
    email = f"u{uuid.uuid4().hex[:8]}@{org.slug}.example"
    async with grpc.aio.insecure_channel(stack.grpc("contacts")) as channel:
        return await identity_pb2_grpc.UserServiceStub(channel).CreateUser(
            identity_pb2.CreateUserRequest(email=email, display_name="Rita Rep", role=role, password=PASSWORD,
                                           time_zone="Europe/Berlin", locale="de"),
            metadata=_grpc_auth(stack.token(org.tenant_id, subject=org.admin_id, roles=("org_manager",))),
            timeout=30)


async def _update_user(stack, org: Org, user: identity_pb2.User, **changes) -> identity_pb2.User:
    async with grpc.aio.insecure_channel(stack.grpc("contacts")) as channel:
        stub = identity_pb2_grpc.UserServiceStub(channel)
        auth = _grpc_auth(stack.token(org.tenant_id, subject=org.admin_id, roles=("org_manager",)))
        current = await stub.GetUser(identity_pb2.GetUserRequest(id=user.id), metadata=auth, timeout=30)
        return await stub.UpdateUser(identity_pb2.UpdateUserRequest(id=user.id, expected_version=current.version,
                                                                    **changes), metadata=auth, timeout=30)


@pytest.fixture(scope="module")
async def org(stack) -> Org:
    return await _create_org(stack)


@pytest.fixture
async def gateway(stack):
    async with httpx.AsyncClient(base_url=stack.http("gateway"), timeout=30, trust_env=False) as client:
        yield client


def _address() -> dict:
    """A client address of its own (the gateway trusts X-Forwarded-For from 127.0.0.1, like behind a proxy)."""
    return {"X-Forwarded-For": f"198.51.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"}


async def _login(gateway, org: Org, email: str, password: str = PASSWORD, headers=None) -> httpx.Response:
    return await gateway.post("/api/v1/auth/login", json={"tenant": org.slug, "email": email, "password": password},
                              headers=headers or _address())


async def _refresh(gateway, pair: dict, action: str = "refresh") -> httpx.Response:
    return await gateway.post(f"/api/v1/auth/{action}", json={"refresh_token": pair["refresh_token"]})


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def test_login_answers_tokens_that_contacts_accepts(gateway, stack, org):
    user = await _create_user(stack, org)
    response = await _login(gateway, org, user.email.upper())  # emails are case-insensitive
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    pair = response.json()
    claims = jwt.decode(pair["access_token"], options={"verify_signature": False})
    assert (claims["sub"], claims["tid"], claims["roles"]) == (user.id, str(org.tenant_id), ["sales_rep"])
    assert claims["exp"] - claims["iat"] == pair["expires_in"] == 900
    assert {"iss", "aud", "jti"} <= claims.keys()
    assert pair["token_type"] == "Bearer" and pair["refresh_token"].startswith(f"{org.tenant_id}.")
    listing = await gateway.get("/api/v1/companies", headers=_bearer(pair["access_token"]))
    assert listing.status_code == 200, listing.text


async def test_wrong_password_unknown_user_and_unknown_tenant_answer_alike(gateway, stack, org):
    user = await _create_user(stack, org)
    answers = [
        await _login(gateway, org, user.email, "wrong password!"),
        await _login(gateway, org, f"nobody@{org.slug}.example"),
        await _login(gateway, Org("no-such-tenant", uuid.uuid4(), "", ""), user.email),
    ]
    assert {a.status_code for a in answers} == {401}
    bodies = [{k: v for k, v in a.json().items() if k != "request_id"} for a in answers]
    assert bodies[0] == bodies[1] == bodies[2]
    assert "password" in bodies[0]["detail"]


async def test_repeated_failures_throttle_the_account_whether_it_exists_or_not(gateway, stack, org):
    user = await _create_user(stack, org)
    for email in (user.email, f"ghost@{org.slug}.example"):
        codes = [(await _login(gateway, org, email, "wrong password!")).status_code for _ in range(5)]
        assert codes == [401] * 5
        throttled = await _login(gateway, org, email, "wrong password!")
        assert throttled.status_code == 429
        assert throttled.headers["content-type"].startswith("application/problem+json")
        assert 1 <= int(throttled.headers["retry-after"]) <= 900
        if email == user.email:
            first_detail = throttled.json()["detail"]
            # Even the right password waits: otherwise guessing would simply go on.
            assert (await _login(gateway, org, email)).status_code == 429
        else:
            assert throttled.json()["detail"] == first_detail


async def test_repeated_failures_throttle_the_client_address(gateway, org):
    address = _address()
    codes = [(await _login(gateway, org, f"guess{i}@{org.slug}.example", headers=address)).status_code
             for i in range(51)]
    assert codes[:50] == [401] * 50 and codes[50] == 429
    assert (await _login(gateway, org, "other@x.example", headers=_address())).status_code == 401


async def test_refresh_rotates_and_a_reused_token_ends_the_session(gateway, stack, org):
    user = await _create_user(stack, org)
    first = (await _login(gateway, org, user.email)).json()
    second = await _refresh(gateway, first)
    assert second.status_code == 200, second.text
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert jwt.decode(second["access_token"], options={"verify_signature": False})["sub"] == user.id
    # The first token again: a copy is in someone else's hands, so the whole family ends.
    reused = await _refresh(gateway, first)
    assert reused.status_code == 401
    assert (await _refresh(gateway, second)).status_code == 401
    # Another login is a session of its own and unaffected.
    assert (await _login(gateway, org, user.email)).status_code == 200


async def test_logout_ends_this_session_only(gateway, stack, org):
    user = await _create_user(stack, org)
    here, there = [(await _login(gateway, org, user.email)).json() for _ in range(2)]
    assert (await _refresh(gateway, here, "logout")).status_code == 204
    assert (await _refresh(gateway, here)).status_code == 401
    assert (await _refresh(gateway, there)).status_code == 200


async def test_logout_everywhere_ends_every_session_of_the_user(gateway, stack, org):
    user, colleague = await _create_user(stack, org), await _create_user(stack, org)
    sessions = [(await _login(gateway, org, user.email)).json() for _ in range(3)]
    colleagues = (await _login(gateway, org, colleague.email)).json()
    assert (await gateway.post("/api/v1/auth/logout-all")).status_code == 401
    done = await gateway.post("/api/v1/auth/logout-all", headers=_bearer(sessions[0]["access_token"]))
    assert done.status_code == 204
    for session in sessions:
        refreshed = await _refresh(gateway, session)
        assert refreshed.status_code == 401
    assert (await _refresh(gateway, colleagues)).status_code == 200


async def test_refresh_rereads_the_user_so_role_changes_and_deactivation_apply(gateway, stack, org):
    user = await _create_user(stack, org)
    pair = (await _login(gateway, org, user.email)).json()
    await _update_user(stack, org, user, role=identity_pb2.ROLE_SALES_MANAGER)
    refreshed = await _refresh(gateway, pair)
    assert refreshed.status_code == 200, refreshed.text
    claims = jwt.decode(refreshed.json()["access_token"], options={"verify_signature": False})
    assert claims["roles"] == ["sales_manager"]
    await _update_user(stack, org, user, active=False)
    assert (await _refresh(gateway, refreshed.json())).status_code == 401
    assert (await _login(gateway, org, user.email)).status_code == 401


def _gateway_command(stack, *args: str) -> str:
    spec = stack.topology.service("gateway")
    done = subprocess.run([stack.launcher.executable(spec), *args], env=stack.launcher.env(spec),
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


def _kid(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


async def test_key_rotation_keeps_old_tokens_valid_and_new_ones_accepted_everywhere(gateway, stack, org):
    user = await _create_user(stack, org)
    old = (await _login(gateway, org, user.email)).json()["access_token"]
    old_kid = _kid(old)
    assert (await gateway.get("/api/v1/companies", headers=_bearer(old))).status_code == 200

    # Published now, signing in 32 s: longer than a verifier's 30 s JWKS refetch throttle.
    out = _gateway_command(stack, "rotate-signing-key", "--activate-in", "32")
    assert "published now" in out

    async def published() -> set[str]:
        return {k["kid"] for k in (await gateway.get("/.well-known/jwks.json")).json()["keys"]}

    new_kids = await apoll(lambda: _new_kids(published, old_kid), timeout=20)
    assert old_kid in await published()
    assert (await gateway.get("/api/v1/companies", headers=_bearer(old))).status_code == 200

    async def login_with_new_key():
        token = (await _login(gateway, org, user.email)).json()["access_token"]
        return token if _kid(token) in new_kids else None

    new = await apoll(login_with_new_key, timeout=60, interval=1)
    # contacts (behind /companies) verifies both without a restart and without a grace period.
    assert (await gateway.get("/api/v1/companies", headers=_bearer(new))).status_code == 200
    assert (await gateway.get("/api/v1/companies", headers=_bearer(old))).status_code == 200
    assert old_kid in await published()

    # Operators' tokens are signed with the current key too.
    operator = _gateway_command(stack, "issue-token", "--tenant-id", str(org.tenant_id), "--subject", org.admin_id,
                                "--role", "org_manager").split()[-1]
    assert _kid(operator) in new_kids
    assert (await gateway.get("/api/v1/companies", headers=_bearer(operator))).status_code == 200


async def _new_kids(published, old_kid: str) -> set[str] | None:
    kids = await published()
    return (kids - {old_kid}) or None


@pytest.fixture(scope="module")
def strict_gateway(stack):
    """A second gateway replica with low rate limits and its own Redis database (so its counters are its own)."""
    spec = stack.topology.service("gateway")
    http_port = free_port()
    env = {**stack.launcher.env(spec), "KONTOR_GATEWAY_HTTP_PORT": str(http_port),
           "KONTOR_GATEWAY_GRPC_PORT": str(free_port()),
           "KONTOR_GATEWAY_REDIS_URL": stack.topology.infra.redis_url.rsplit("/", 1)[0] + "/1",
           "KONTOR_GATEWAY_RATE_LIMIT_PER_USER": "3", "KONTOR_GATEWAY_RATE_LIMIT_WINDOW_S": "60"}
    log = (stack.data_dir / "logs" / "gateway-strict.log").open("ab")
    process = subprocess.Popen([stack.launcher.executable(spec), "serve"], env=env, stdout=log,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{http_port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (stack.data_dir / "logs" / "gateway-strict.log").read_text()[-3000:]
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "strict gateway not ready"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(15)


async def test_each_user_is_rate_limited_and_told_when_to_retry(gateway, stack, org, strict_gateway):
    user, colleague = await _create_user(stack, org), await _create_user(stack, org)
    token = (await _login(gateway, org, user.email)).json()["access_token"]
    colleague_token = (await _login(gateway, org, colleague.email)).json()["access_token"]
    async with httpx.AsyncClient(base_url=strict_gateway, timeout=30, trust_env=False) as strict:
        codes = [(await strict.get("/api/v1/companies", headers=_bearer(token))).status_code for _ in range(3)]
        assert codes == [200] * 3
        limited = await strict.get("/api/v1/companies", headers={**_bearer(token), "X-Request-Id": "limit-1"})
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert limited.json()["request_id"] == "limit-1" and limited.json()["status"] == 429
        # Others are not punished for it, and operations endpoints are never limited.
        assert (await strict.get("/api/v1/companies", headers=_bearer(colleague_token))).status_code == 200
        assert {(await strict.get("/healthz")).status_code for _ in range(5)} == {200}
        assert (await strict.get("/readyz")).status_code == 200


async def test_request_ids_are_echoed_generated_and_put_in_problems(gateway):
    echoed = await gateway.get("/api/v1/companies", headers={"X-Request-Id": "client-chosen-42"})
    assert echoed.status_code == 401
    assert echoed.headers["x-request-id"] == "client-chosen-42" == echoed.json()["request_id"]
    generated = await gateway.get("/healthz", headers={"X-Request-Id": "x" * 129})
    assert generated.headers["x-request-id"] != "x" * 129 and len(generated.headers["x-request-id"]) == 32
    bad_input = await gateway.post("/api/v1/auth/login", json={"tenant": "Not A Slug"},
                                   headers={"X-Request-Id": "bad-input-1"})
    assert bad_input.status_code == 422 and bad_input.json()["request_id"] == "bad-input-1"
    assert {e["field"] for e in bad_input.json()["errors"]} >= {"tenant", "email", "password"}


async def test_the_openapi_document_describes_the_auth_endpoints(gateway):
    spec = (await gateway.get("/openapi.json")).json()
    login = spec["paths"]["/api/v1/auth/login"]["post"]
    assert {"200", "401", "422", "429"} <= login["responses"].keys()
    assert "Retry-After" in login["responses"]["429"]["headers"]
    assert {"/api/v1/auth/refresh", "/api/v1/auth/logout", "/api/v1/auth/logout-all"} <= spec["paths"].keys()
