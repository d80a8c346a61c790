"""contacts as the gateway's user directory, asked with the gateway's own service token.

Login and refresh have no caller token to forward, so the gateway mints a
short-lived token for itself (subject ``service:gateway``, role ``service``)
that contacts accepts for its service-only RPCs.
"""

from __future__ import annotations

import uuid

from kontor.platform import errors
from kontor.platform.grpc_client import call
from kontor.protos.contacts.v1 import identity_pb2

from kontor.gateway.identity.keys.ring import KeyRing
from kontor.gateway.service_token import NO_TENANT, service_metadata
from kontor.gateway.upstreams import Upstreams



def role_name(role: int) -> str:
    """``ROLE_SALES_REP`` -> ``sales_rep``: the role names tokens carry."""
    return identity_pb2.Role.Name(role).removeprefix("ROLE_").lower()


class Directory:
    def __init__(self, upstreams: Upstreams, keys: KeyRing):
        self._upstreams = upstreams
        self._keys = keys

    def _as_gateway(self, tenant_id: uuid.UUID) -> dict:
        return {"metadata": service_metadata(self._keys, tenant_id)}

    async def resolve_tenant(self, slug: str) -> identity_pb2.Tenant | None:
        try:
            return await call(self._upstreams.tenants.ResolveTenant, identity_pb2.ResolveTenantRequest(slug=slug),
                              **self._as_gateway(NO_TENANT))
        except (errors.NotFound, errors.InvalidArgument):
            return None

    async def verify_password(self, tenant_id: uuid.UUID, email: str, password: str) -> identity_pb2.User | None:
        try:
            return await call(self._upstreams.users.VerifyPassword,
                              identity_pb2.VerifyPasswordRequest(email=email, password=password),
                              **self._as_gateway(tenant_id))
        except (errors.Unauthenticated, errors.NotFound, errors.InvalidArgument):
            return None

    async def get_user(self, tenant_id: uuid.UUID, user_id: str) -> identity_pb2.User | None:
        try:
            return await call(self._upstreams.users.GetUser, identity_pb2.GetUserRequest(id=user_id),
                              **self._as_gateway(tenant_id))
        except (errors.NotFound, errors.InvalidArgument):
            return None
