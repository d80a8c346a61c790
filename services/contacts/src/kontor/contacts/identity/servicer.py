"""gRPC edge of identity: who may call, which scope the unit of work runs in, proto <-> schemas.

Scopes: calls about one tenant run in the caller's tenant. Calls that come
before any tenant is known (ResolveTenant, with a service token for the nil
tenant) and CreateTenant run in the system scope, where row-level security
shows no tenant's rows; only the global ``tenants`` table is readable there.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import grpc
from sqlalchemy.ext.asyncio import AsyncSession

from kontor.platform.auth import Principal, current_principal
from kontor.platform.db import Database
from kontor.platform.errors import InvalidArgument, PermissionDenied
from kontor.platform.pagination import parse_uuid
from kontor.protos.contacts.v1 import identity_pb2, identity_pb2_grpc

from kontor.contacts.access.guard import SERVICE_ROLE, require_right, require_service
from kontor.contacts.edge import timestamp
from kontor.contacts.identity import rights, service
from kontor.contacts.identity.models import Team, Tenant, User
from kontor.contacts.identity.schemas import (
    DEFAULT_LOCALE, DEFAULT_TIME_ZONE, AdminCreate, PasswordChange, RightSet, TeamCreate, TenantCreate, UserCreate,
    UserUpdate,
)

# Tokens for calls made before a tenant is known name this tenant (the gateway's ResolveTenant token).
NO_TENANT = uuid.UUID(int=0)
_UPDATABLE = ("display_name", "role", "active", "time_zone", "locale")


def role_name(role: int) -> str:
    """``ROLE_SALES_REP`` -> ``sales_rep``; unknown numbers give a name the schemas reject."""
    try:
        return identity_pb2.Role.Name(role).removeprefix("ROLE_").lower()
    except ValueError:
        return f"unknown role {role}"


def role_value(name: str) -> int:
    return identity_pb2.Role.Value(f"ROLE_{name.upper()}")


def tenant_to_proto(tenant: Tenant) -> identity_pb2.Tenant:
    return identity_pb2.Tenant(id=str(tenant.id), slug=tenant.slug, name=tenant.name,
                               created_at=timestamp(tenant.created_at))


def team_to_proto(team: Team) -> identity_pb2.Team:
    return identity_pb2.Team(id=str(team.id), name=team.name, version=team.version)


def user_to_proto(user: User) -> identity_pb2.User:
    """Everything about a user except the password hash, which never leaves the service."""
    return identity_pb2.User(
        id=str(user.id), email=user.email, display_name=user.display_name, role=role_value(user.role),
        team_ids=[str(team_id) for team_id in user.team_ids], active=user.active, time_zone=user.time_zone,
        locale=user.locale, version=user.version, created_at=timestamp(user.created_at),
        updated_at=timestamp(user.updated_at),
        contact_person_id=str(user.contact_person_id) if user.contact_person_id else "",
    )


def right_to_proto(role: str, entity_type: str, actions: frozenset[str]) -> identity_pb2.Right:
    return identity_pb2.Right(role=role_value(role), entity_type=entity_type, create="create" in actions,
                              read="read" in actions, update="update" in actions, delete="delete" in actions)


def user_create_from_proto(request: identity_pb2.CreateUserRequest) -> UserCreate:
    return UserCreate(
        email=request.email, display_name=request.display_name, role=role_name(request.role),
        team_ids=list(request.team_ids), password=request.password,
        time_zone=request.time_zone or DEFAULT_TIME_ZONE, locale=request.locale or DEFAULT_LOCALE,
        contact_person_id=request.contact_person_id or None,
    )


def user_update_from_proto(request: identity_pb2.UpdateUserRequest) -> UserUpdate:
    fields = {field: getattr(request, field) for field in _UPDATABLE if request.HasField(field)}
    if "role" in fields:
        fields["role"] = role_name(fields["role"])
    if request.replace_team_ids:
        fields["team_ids"] = list(request.team_ids)
    elif request.team_ids:
        # Without the flag an empty list would be ambiguous (unchanged or "no teams"); demand it explicitly.
        raise InvalidArgument("replace_team_ids", "set it to true to replace the user's teams with team_ids")
    return UserUpdate(**fields)


def scope_of(principal: Principal) -> uuid.UUID | None:
    """The tenant a unit of work runs in; None is the system scope, where no tenant's rows are visible."""
    return None if principal.tenant_id == NO_TENANT else principal.tenant_id


def _principal_in_tenant() -> Principal:
    principal = current_principal()
    if principal.tenant_id == NO_TENANT:
        raise PermissionDenied("this call works inside one tenant; use a token issued for that tenant")
    return principal


@asynccontextmanager
async def _in_tenant(db: Database) -> AsyncIterator[tuple[AsyncSession, Principal]]:
    principal = _principal_in_tenant()
    async with db.unit_of_work(principal.tenant_id) as session:
        yield session, principal


class TenantServicer(identity_pb2_grpc.TenantServiceServicer):
    def __init__(self, db: Database):
        self._db = db

    async def CreateTenant(self, request, context):
        if "superadmin" not in current_principal().roles:
            raise PermissionDenied("only platform superadmins may create tenants")
        data = TenantCreate(slug=request.slug, name=request.name, admin=AdminCreate(
            email=request.admin_email, display_name=request.admin_display_name, password=request.admin_password))
        async with self._db.unit_of_work(None) as session:  # system scope; the service enters the new tenant
            tenant, admin = await service.create_tenant(session, data=data)
            return identity_pb2.CreateTenantResponse(tenant=tenant_to_proto(tenant), admin=user_to_proto(admin))

    async def ResolveTenant(self, request, context):
        require_service(current_principal())
        async with self._db.unit_of_work(None) as session:  # the tenants registry needs no tenant scope
            return tenant_to_proto(await service.resolve_tenant(session, slug=request.slug))


class TeamServicer(identity_pb2_grpc.TeamServiceServicer):
    def __init__(self, db: Database):
        self._db = db

    async def CreateTeam(self, request, context):
        data = TeamCreate(name=request.name)
        async with _in_tenant(self._db) as (session, principal):
            await require_right(session, principal, "team", "create")
            return team_to_proto(await service.create_team(session, data=data))

    async def ListTeams(self, request, context):
        async with _in_tenant(self._db) as (session, principal):
            await require_right(session, principal, "team", "read")
            teams, next_token = await service.list_teams(session, page_size=request.page_size,
                                                         page_token=request.page_token)
            return identity_pb2.ListTeamsResponse(teams=[team_to_proto(t) for t in teams], next_page_token=next_token)


class UserServicer(identity_pb2_grpc.UserServiceServicer):
    def __init__(self, db: Database):
        self._db = db

    async def CreateUser(self, request, context):
        data = user_create_from_proto(request)
        async with _in_tenant(self._db) as (session, principal):
            await require_right(session, principal, "user", "create")
            return user_to_proto(await service.create_user(session, principal=principal, data=data))

    async def GetUser(self, request, context):
        user_id = parse_uuid(request.id, "id")
        async with _in_tenant(self._db) as (session, principal):
            # The gateway (service token) re-reads users at refresh; everybody may read their own account.
            if SERVICE_ROLE not in principal.roles and principal.subject != str(user_id):
                await require_right(session, principal, "user", "read")
            return user_to_proto(await service.get_user(session, user_id=user_id))

    async def ListUsers(self, request, context):
        team_id = parse_uuid(request.team_id, "team_id") if request.team_id else None
        async with _in_tenant(self._db) as (session, principal):
            await require_right(session, principal, "user", "read")
            users, next_token = await service.list_users(session, team_id=team_id, page_size=request.page_size,
                                                         page_token=request.page_token)
            return identity_pb2.ListUsersResponse(users=[user_to_proto(u) for u in users],
                                                  next_page_token=next_token)

    async def UpdateUser(self, request, context):
        user_id = parse_uuid(request.id, "id")
        data = user_update_from_proto(request)
        async with _in_tenant(self._db) as (session, principal):
            return user_to_proto(await service.update_user(
                session, principal=principal, user_id=user_id, expected_version=request.expected_version, data=data,
            ))

    async def VerifyPassword(self, request, context):
        principal = current_principal()
        require_service(principal)
        # The service token names the tenant the login is for. A tenant-less token runs in the system
        # scope, which finds nobody and so gives the same answer as a wrong password.
        async with self._db.unit_of_work(scope_of(principal)) as session:
            return user_to_proto(await service.verify_password(session, email=request.email,
                                                               password=request.password))

    async def SetPassword(self, request, context):
        user_id = parse_uuid(request.user_id, "user_id")
        data = PasswordChange(current_password=request.current_password, new_password=request.new_password)
        async with _in_tenant(self._db) as (session, principal):
            await service.set_password(session, principal=principal, user_id=user_id, data=data)
            return identity_pb2.SetPasswordResponse()


class RightsServicer(identity_pb2_grpc.RightsServiceServicer):
    def __init__(self, db: Database):
        self._db = db

    async def ListRights(self, request, context):
        async with _in_tenant(self._db) as (session, principal):
            await require_right(session, principal, "rights", "read")
            matrix = await rights.rights_matrix(session)
            return identity_pb2.ListRightsResponse(
                rights=[right_to_proto(role, entity, actions) for (role, entity), actions in matrix.items()])

    async def SetRight(self, request, context):
        right = request.right
        data = RightSet(role=role_name(right.role), entity_type=right.entity_type, create=right.create,
                        read=right.read, update=right.update, delete=right.delete)
        async with _in_tenant(self._db) as (session, principal):
            await require_right(session, principal, "rights", "update")
            await rights.set_override(session, role=data.role, entity_type=data.entity_type, actions=data.actions())
            return right_to_proto(data.role, data.entity_type, data.actions())


def register(server: grpc.aio.Server, db: Database) -> list[str]:
    identity_pb2_grpc.add_TenantServiceServicer_to_server(TenantServicer(db), server)
    identity_pb2_grpc.add_TeamServiceServicer_to_server(TeamServicer(db), server)
    identity_pb2_grpc.add_UserServiceServicer_to_server(UserServicer(db), server)
    identity_pb2_grpc.add_RightsServiceServicer_to_server(RightsServicer(db), server)
    return [identity_pb2.DESCRIPTOR.services_by_name[name].full_name
            for name in ("TenantService", "TeamService", "UserService", "RightsService")]
