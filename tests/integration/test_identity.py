"""Identity in contacts over real gRPC: tenants, users, passwords, rights and their events."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass

import argon2
import grpc
import pytest
import sqlalchemy as sa

from kontor.platform.db import Database

from kontor.protos.contacts.v1 import identity_pb2 as pb, identity_pb2_grpc as rpc

from tests.integration.helpers import apoll, scalar
from tests.integration.natsutil import read_stream

PASSWORD = "correct horse battery staple"
NO_TENANT = uuid.UUID(int=0)


@dataclass
class Org:
    tenant: pb.Tenant
    admin: pb.User

    @property
    def tenant_id(self) -> uuid.UUID:
        return uuid.UUID(self.tenant.id)


def _auth(stack, tenant_id: uuid.UUID, subject: str = "tester", roles: tuple[str, ...] = ("org_manager",)):
    return (("authorization", f"Bearer {stack.token(tenant_id, subject=subject, roles=roles)}"),)


async def _call(stack, stub_cls, method: str, request, **auth):
    async with grpc.aio.insecure_channel(stack.grpc("contacts")) as channel:
        return await getattr(stub_cls(channel), method)(request, metadata=_auth(stack, **auth), timeout=30)


async def _status(stack, stub_cls, method: str, request, **auth) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as exc:
        await _call(stack, stub_cls, method, request, **auth)
    return exc.value


async def _create_org(stack) -> Org:
    slug = f"org-{uuid.uuid4().hex[:10]}"
    created = await _call(stack, rpc.TenantServiceStub, "CreateTenant", pb.CreateTenantRequest(
        slug=slug, name=f"Org {slug}", admin_email=f"Admin@{slug}.example", admin_display_name="Olga Org",
        admin_password=PASSWORD), tenant_id=NO_TENANT, subject="operator", roles=("superadmin",))
    return Org(tenant=created.tenant, admin=created.admin)


async def _create_user(stack, org: Org, email: str, role=pb.ROLE_SALES_REP, **fields) -> pb.User:
    request = pb.CreateUserRequest(email=email, display_name="Rita Rep", role=role, password=PASSWORD, **fields)
    return await _call(stack, rpc.UserServiceStub, "CreateUser", request, tenant_id=org.tenant_id,
                       subject=org.admin.id)


async def _verify(stack, tenant_id: uuid.UUID, email: str, password: str):
    return await _call(stack, rpc.UserServiceStub, "VerifyPassword", pb.VerifyPasswordRequest(
        email=email, password=password), tenant_id=tenant_id, subject="service:gateway", roles=("service",))


@pytest.fixture(scope="module")
async def org(stack) -> Org:
    return await _create_org(stack)


async def test_create_tenant_opens_management_team_and_org_manager(stack, org):
    assert org.tenant.slug.startswith("org-") and org.tenant.created_at.seconds > 0
    assert org.admin.role == pb.ROLE_ORG_MANAGER and org.admin.email == org.admin.email.lower()
    teams = await _call(stack, rpc.TeamServiceStub, "ListTeams", pb.ListTeamsRequest(), tenant_id=org.tenant_id)
    assert [t.name for t in teams.teams] == ["Management"]
    assert list(org.admin.team_ids) == [teams.teams[0].id]

    resolved = await _call(stack, rpc.TenantServiceStub, "ResolveTenant", pb.ResolveTenantRequest(
        slug=org.tenant.slug.upper()), tenant_id=NO_TENANT, subject="service:gateway", roles=("service",))
    assert resolved.id == org.tenant.id

    taken = await _status(stack, rpc.TenantServiceStub, "CreateTenant", pb.CreateTenantRequest(
        slug=org.tenant.slug, name="Again", admin_email="x@y.example", admin_display_name="X",
        admin_password=PASSWORD), tenant_id=NO_TENANT, roles=("superadmin",))
    assert taken.code() == grpc.StatusCode.ALREADY_EXISTS and "slug" in taken.details()


async def test_tenant_calls_are_for_superadmins_and_services_only(stack, org):
    request = pb.CreateTenantRequest(slug="not-allowed", name="N", admin_email="a@b.example",
                                     admin_display_name="A", admin_password=PASSWORD)
    denied = await _status(stack, rpc.TenantServiceStub, "CreateTenant", request, tenant_id=org.tenant_id)
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED
    resolve = pb.ResolveTenantRequest(slug=org.tenant.slug)
    denied = await _status(stack, rpc.TenantServiceStub, "ResolveTenant", resolve, tenant_id=NO_TENANT)
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED
    unknown = await _status(stack, rpc.TenantServiceStub, "ResolveTenant", pb.ResolveTenantRequest(slug="no-such-org"),
                            tenant_id=NO_TENANT, roles=("service",))
    assert unknown.code() == grpc.StatusCode.NOT_FOUND
    # A tenant-less service token reaches no tenant's users.
    tenantless = await _status(stack, rpc.UserServiceStub, "GetUser", pb.GetUserRequest(id=org.admin.id),
                               tenant_id=NO_TENANT, roles=("service",))
    assert tenantless.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_verify_password_right_wrong_unknown_and_inactive(stack, org):
    user = await _create_user(stack, org, "Vera@Example.org")
    assert (await _verify(stack, org.tenant_id, " VERA@example.org ", PASSWORD)).id == user.id

    failures = [
        (org.tenant_id, "vera@example.org", PASSWORD + "!"),
        (org.tenant_id, "nobody@example.org", PASSWORD),
        (uuid.uuid4(), "vera@example.org", PASSWORD),  # the right user, but asked in another tenant
        (NO_TENANT, "vera@example.org", PASSWORD),
    ]
    messages = set()
    for tenant_id, email, password in failures:
        error = await _status(stack, rpc.UserServiceStub, "VerifyPassword",
                              pb.VerifyPasswordRequest(email=email, password=password), tenant_id=tenant_id,
                              roles=("service",))
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
        messages.add(error.details())
    assert len(messages) == 1

    await _call(stack, rpc.UserServiceStub, "UpdateUser", pb.UpdateUserRequest(
        id=user.id, expected_version=user.version, active=False), tenant_id=org.tenant_id, subject=org.admin.id)
    inactive = await _status(stack, rpc.UserServiceStub, "VerifyPassword",
                             pb.VerifyPasswordRequest(email="vera@example.org", password=PASSWORD),
                             tenant_id=org.tenant_id, roles=("service",))
    assert inactive.code() == grpc.StatusCode.UNAUTHENTICATED and inactive.details() in messages

    not_a_service = await _status(stack, rpc.UserServiceStub, "VerifyPassword",
                                  pb.VerifyPasswordRequest(email="vera@example.org", password=PASSWORD),
                                  tenant_id=org.tenant_id)
    assert not_a_service.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_get_user_for_the_gateway_and_not_across_tenants(stack, org):
    user = await _create_user(stack, org, "gina@example.org", time_zone="America/New_York", locale="en")
    read = await _call(stack, rpc.UserServiceStub, "GetUser", pb.GetUserRequest(id=user.id),
                       tenant_id=org.tenant_id, subject="service:gateway", roles=("service",))
    assert (read.email, read.time_zone, read.locale, read.version) == ("gina@example.org", "America/New_York", "en", 1)
    own = await _call(stack, rpc.UserServiceStub, "GetUser", pb.GetUserRequest(id=user.id),
                      tenant_id=org.tenant_id, subject=user.id, roles=("portal_client",))
    assert own.id == user.id

    other = await _create_org(stack)
    for roles in (("org_manager",), ("service",)):
        foreign = await _status(stack, rpc.UserServiceStub, "GetUser", pb.GetUserRequest(id=user.id),
                                tenant_id=other.tenant_id, subject=other.admin.id, roles=roles)
        assert foreign.code() == grpc.StatusCode.NOT_FOUND
    foreign_update = await _status(stack, rpc.UserServiceStub, "UpdateUser", pb.UpdateUserRequest(
        id=user.id, expected_version=1, display_name="Hijacked"), tenant_id=other.tenant_id, subject=other.admin.id)
    assert foreign_update.code() == grpc.StatusCode.NOT_FOUND
    listed = await _call(stack, rpc.UserServiceStub, "ListUsers", pb.ListUsersRequest(page_size=200),
                         tenant_id=other.tenant_id, subject=other.admin.id)
    assert user.id not in {u.id for u in listed.users}


async def test_duplicate_email_and_bad_input_name_the_field(stack, org):
    await _create_user(stack, org, "dora@example.org")
    duplicate = await _status(stack, rpc.UserServiceStub, "CreateUser", pb.CreateUserRequest(
        email="DORA@example.org", display_name="Dora 2", role=pb.ROLE_SALES_REP, password=PASSWORD),
        tenant_id=org.tenant_id, subject=org.admin.id)
    assert duplicate.code() == grpc.StatusCode.ALREADY_EXISTS and duplicate.details().startswith("email")

    bad = {
        "password": pb.CreateUserRequest(email="p@example.org", display_name="P", role=pb.ROLE_SALES_REP,
                                         password="short"),
        "time_zone": pb.CreateUserRequest(email="t@example.org", display_name="T", role=pb.ROLE_SALES_REP,
                                          password=PASSWORD, time_zone="Mars/Olympus"),
        "email": pb.CreateUserRequest(email="not-an-address", display_name="E", role=pb.ROLE_SALES_REP,
                                      password=PASSWORD),
        "team_ids": pb.CreateUserRequest(email="m@example.org", display_name="M", role=pb.ROLE_SALES_REP,
                                         password=PASSWORD, team_ids=[str(uuid.uuid4())]),
    }
    for field, request in bad.items():
        error = await _status(stack, rpc.UserServiceStub, "CreateUser", request, tenant_id=org.tenant_id,
                              subject=org.admin.id)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and error.details().startswith(field), field
        assert "short" not in error.details()


async def test_stale_version_conflicts_and_roles_are_for_managers(stack, org):
    user = await _create_user(stack, org, "sam@example.org")
    updated = await _call(stack, rpc.UserServiceStub, "UpdateUser", pb.UpdateUserRequest(
        id=user.id, expected_version=user.version, display_name="Sam Sales", role=pb.ROLE_SALES_MANAGER),
        tenant_id=org.tenant_id, subject=org.admin.id)
    assert (updated.version, updated.display_name, updated.role) == (2, "Sam Sales", pb.ROLE_SALES_MANAGER)
    stale = await _status(stack, rpc.UserServiceStub, "UpdateUser", pb.UpdateUserRequest(
        id=user.id, expected_version=user.version, display_name="Lost update"),
        tenant_id=org.tenant_id, subject=org.admin.id)
    assert stale.code() == grpc.StatusCode.FAILED_PRECONDITION

    # Users edit their own profile, but not their own role.
    own = await _call(stack, rpc.UserServiceStub, "UpdateUser", pb.UpdateUserRequest(
        id=user.id, expected_version=2, time_zone="Europe/Vienna", locale="en"),
        tenant_id=org.tenant_id, subject=user.id, roles=("sales_manager",))
    assert (own.time_zone, own.locale, own.version) == ("Europe/Vienna", "en", 3)
    promote = await _status(stack, rpc.UserServiceStub, "UpdateUser", pb.UpdateUserRequest(
        id=user.id, expected_version=3, role=pb.ROLE_ORG_MANAGER),
        tenant_id=org.tenant_id, subject=user.id, roles=("sales_manager",))
    assert promote.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_sales_rep_may_not_create_users_until_the_tenant_grants_it(stack, org):
    rep = await _create_user(stack, org, "rick@example.org")
    request = pb.CreateUserRequest(email="new@example.org", display_name="New", role=pb.ROLE_SALES_REP,
                                   password=PASSWORD)
    denied = await _status(stack, rpc.UserServiceStub, "CreateUser", request, tenant_id=org.tenant_id,
                           subject=rep.id, roles=("sales_rep",))
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED
    set_right = pb.SetRightRequest(right=pb.Right(role=pb.ROLE_SALES_REP, entity_type="user", create=True,
                                                  read=True))
    denied = await _status(stack, rpc.RightsServiceStub, "SetRight", set_right, tenant_id=org.tenant_id,
                           subject=rep.id, roles=("sales_rep",))
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED

    await _call(stack, rpc.RightsServiceStub, "SetRight", set_right, tenant_id=org.tenant_id, subject=org.admin.id)
    matrix = await _call(stack, rpc.RightsServiceStub, "ListRights", pb.ListRightsRequest(),
                         tenant_id=org.tenant_id, subject=org.admin.id)
    rep_users = next(r for r in matrix.rights if r.role == pb.ROLE_SALES_REP and r.entity_type == "user")
    assert (rep_users.create, rep_users.read, rep_users.update, rep_users.delete) == (True, True, False, False)
    created = await _call(stack, rpc.UserServiceStub, "CreateUser", request, tenant_id=org.tenant_id,
                          subject=rep.id, roles=("sales_rep",))
    assert created.role == pb.ROLE_SALES_REP
    # The granted right does not let a rep hand out a manager's role.
    escalate = pb.CreateUserRequest(email="boss@example.org", display_name="Boss", role=pb.ROLE_ORG_MANAGER,
                                    password=PASSWORD)
    denied = await _status(stack, rpc.UserServiceStub, "CreateUser", escalate, tenant_id=org.tenant_id,
                           subject=rep.id, roles=("sales_rep",))
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_set_password_own_needs_current_and_managers_reset(stack, org):
    user = await _create_user(stack, org, "paula@example.org")
    new = "a much longer new passphrase"
    wrong = await _status(stack, rpc.UserServiceStub, "SetPassword", pb.SetPasswordRequest(
        user_id=user.id, current_password="wrong password!", new_password=new),
        tenant_id=org.tenant_id, subject=user.id, roles=("sales_rep",))
    assert wrong.code() == grpc.StatusCode.INVALID_ARGUMENT and wrong.details().startswith("current_password")
    await _call(stack, rpc.UserServiceStub, "SetPassword", pb.SetPasswordRequest(
        user_id=user.id, current_password=PASSWORD, new_password=new),
        tenant_id=org.tenant_id, subject=user.id, roles=("sales_rep",))
    assert (await _verify(stack, org.tenant_id, "paula@example.org", new)).id == user.id

    other = await _status(stack, rpc.UserServiceStub, "SetPassword", pb.SetPasswordRequest(
        user_id=org.admin.id, new_password=new), tenant_id=org.tenant_id, subject=user.id, roles=("sales_rep",))
    assert other.code() == grpc.StatusCode.PERMISSION_DENIED
    reset = pb.SetPasswordRequest(user_id=user.id, new_password=PASSWORD)
    await _call(stack, rpc.UserServiceStub, "SetPassword", reset,
                tenant_id=org.tenant_id, subject=org.admin.id)
    assert (await _verify(stack, org.tenant_id, "paula@example.org", PASSWORD)).id == user.id


async def test_user_events_reach_nats_without_secrets(stack, org):
    user = await _create_user(stack, org, "eve@example.org")
    await _call(stack, rpc.UserServiceStub, "UpdateUser", pb.UpdateUserRequest(
        id=user.id, expected_version=1, display_name="Eve Events"), tenant_id=org.tenant_id, subject=org.admin.id)
    # Without a tenant scope row-level security hides every user, even from the service's own role.
    assert await scalar(stack.database_url("contacts"), "SELECT count(*) FROM users") == 0
    db = Database(stack.database_url("contacts"))
    try:
        async with db.unit_of_work(org.tenant_id) as session:
            stored_hash = (await session.execute(sa.text("SELECT password_hash FROM users WHERE id = :i"),
                                                 {"i": uuid.UUID(user.id)})).scalar_one()
    finally:
        await db.dispose()
    assert stored_hash.startswith("$argon2id$")

    async def events():
        messages = await read_stream(stack.topology.infra.nats_url, "KONTOR_CONTACTS",
                                     f"kontor.{org.tenant.id}.contacts.user.>")
        found = [json.loads(m.data) for m in messages]
        return found if {e["type"] for e in found if e["subject"] == user.id} >= {
            "kontor.contacts.user.created", "kontor.contacts.user.updated"} else None

    found = await apoll(events)
    ours = [e for e in found if e["subject"] == user.id]
    assert ours[-1]["data"]["changedFields"] == ["display_name"]  # the proto JSON mapping: lowerCamelCase
    assert (ours[0]["data"]["email"], ours[0]["data"]["role"]) == ("eve@example.org", "sales_rep")
    for event in found:
        text = json.dumps(event).lower()
        assert stored_hash.lower() not in text and "argon2" not in text and PASSWORD not in text


async def test_teams_and_user_pages_with_team_filter(stack, org):
    team = await _call(stack, rpc.TeamServiceStub, "CreateTeam", pb.CreateTeamRequest(name=" Vertrieb Nord "),
                       tenant_id=org.tenant_id, subject=org.admin.id)
    assert (team.name, team.version) == ("Vertrieb Nord", 1)
    same_name = await _status(stack, rpc.TeamServiceStub, "CreateTeam", pb.CreateTeamRequest(name="vertrieb nord"),
                              tenant_id=org.tenant_id, subject=org.admin.id)
    assert same_name.code() == grpc.StatusCode.ALREADY_EXISTS and same_name.details().startswith("name")
    rep_denied = await _status(stack, rpc.TeamServiceStub, "CreateTeam", pb.CreateTeamRequest(name="Mine"),
                               tenant_id=org.tenant_id, subject="rep", roles=("sales_rep",))
    assert rep_denied.code() == grpc.StatusCode.PERMISSION_DENIED

    members = [await _create_user(stack, org, f"nord{i}@example.org", team_ids=[team.id]) for i in range(3)]
    seen, token = [], ""
    while True:
        page = await _call(stack, rpc.UserServiceStub, "ListUsers", pb.ListUsersRequest(
            page_size=2, page_token=token, team_id=team.id), tenant_id=org.tenant_id, subject=org.admin.id)
        seen += [u.email for u in page.users]
        token = page.next_page_token
        if not token:
            break
    assert seen == sorted(m.email for m in members)

    moved = await _call(stack, rpc.UserServiceStub, "UpdateUser", pb.UpdateUserRequest(
        id=members[0].id, expected_version=1, replace_team_ids=True, team_ids=list(org.admin.team_ids)),
        tenant_id=org.tenant_id, subject=org.admin.id)
    assert list(moved.team_ids) == list(org.admin.team_ids) and moved.version == 2
    page = await _call(stack, rpc.UserServiceStub, "ListUsers", pb.ListUsersRequest(team_id=team.id),
                       tenant_id=org.tenant_id, subject=org.admin.id)
    assert [u.email for u in page.users] == sorted(m.email for m in members[1:])


async def test_hash_with_older_parameters_is_replaced_at_login(stack, org):
    user = await _create_user(stack, org, "olga.old@example.org")
    old_hash = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    db = Database(stack.database_url("contacts"))
    try:
        async with db.unit_of_work(org.tenant_id) as session:
            await session.execute(sa.text("UPDATE users SET password_hash = :h WHERE id = :i"),
                                  {"h": old_hash, "i": uuid.UUID(user.id)})
        assert (await _verify(stack, org.tenant_id, "olga.old@example.org", PASSWORD)).version == user.version
        async with db.unit_of_work(org.tenant_id) as session:
            new_hash = (await session.execute(sa.text("SELECT password_hash FROM users WHERE id = :i"),
                                              {"i": uuid.UUID(user.id)})).scalar_one()
    finally:
        await db.dispose()
    assert new_hash != old_hash and not argon2.PasswordHasher().check_needs_rehash(new_hash)
    assert (await _verify(stack, org.tenant_id, "olga.old@example.org", PASSWORD)).id == user.id


async def test_create_tenant_command_reads_the_password_from_the_environment(stack):
    spec = stack.topology.service("contacts")
    slug = f"cli-{uuid.uuid4().hex[:8]}"
    process = await asyncio.create_subprocess_exec(
        stack.launcher.executable(spec), "create-tenant", "--slug", slug, "--name", "CLI GmbH",
        "--admin-email", f"chef@{slug}.example", "--admin-display-name", "Chefin",
        env={**stack.launcher.env(spec), "KONTOR_ADMIN_PASSWORD": PASSWORD},
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    output = stdout.decode()
    assert PASSWORD not in output + stderr.decode()
    tenant_id = uuid.UUID(output.split()[1])
    admin_id = output.splitlines()[1].split()[2]
    assert (await _verify(stack, tenant_id, f"chef@{slug}.example", PASSWORD)).id == admin_id

    again = await asyncio.create_subprocess_exec(
        stack.launcher.executable(spec), "create-tenant", "--slug", slug, "--name", "Twice",
        "--admin-email", "x@y.example", "--admin-display-name", "X",
        env={**stack.launcher.env(spec), "KONTOR_ADMIN_PASSWORD": PASSWORD},
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, stderr = await asyncio.wait_for(again.communicate(), 60)
    assert again.returncode != 0 and "slug" in stderr.decode() and "taken" in stderr.decode()


async def test_create_tenant_if_missing_leaves_an_existing_tenant_alone(stack):
    spec = stack.topology.service("contacts")

    async def create(name: str, email: str) -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(
            stack.launcher.executable(spec), "create-tenant", "--slug", slug, "--name", name,
            "--admin-email", email, "--admin-display-name", "Chefin", "--if-missing",
            env={**stack.launcher.env(spec), "KONTOR_ADMIN_PASSWORD": PASSWORD},
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
        return process.returncode, stdout.decode(), stderr.decode()

    slug = f"cli-{uuid.uuid4().hex[:8]}"
    code, first, stderr = await create("First GmbH", f"chef@{slug}.example")
    assert code == 0, stderr
    tenant_id = uuid.UUID(first.split()[1])
    assert "admin user" in first

    code, again, stderr = await create("Second GmbH", f"other@{slug}.example")
    assert code == 0, stderr
    assert again.split()[:2] == ["tenant", str(tenant_id)] and "exists already" in again
    assert "admin user" not in again
    # Nothing changed: the first admin still logs in, the second was never created.
    assert (await _verify(stack, tenant_id, f"chef@{slug}.example", PASSWORD)).email == f"chef@{slug}.example"
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await _verify(stack, tenant_id, f"other@{slug}.example", PASSWORD)
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
