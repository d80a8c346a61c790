"""The gateway's own short-lived token, for calls that have no user behind them.

Login and refresh (no caller yet) and Graph's webhook (Graph is no Kontor user) still have to call services
whose edges take only bearer tokens. The gateway signs a token for itself: subject ``service:gateway``, role
``service``, which the services accept for their service-only RPCs and nothing else.
"""

from __future__ import annotations

import uuid
from typing import Protocol

SERVICE_SUBJECT = "service:gateway"
SERVICE_ROLE = "service"
SERVICE_TOKEN_TTL_S = 60
# Calls made before a tenant is known (ResolveTenant, a webhook) name the nil tenant.
NO_TENANT = uuid.UUID(int=0)


class Issuer(Protocol):
    def issue(self, *, subject: str, tenant_id: uuid.UUID, roles: list[str], ttl_s: int) -> str: ...


def service_metadata(issuer: Issuer, tenant_id: uuid.UUID = NO_TENANT) -> tuple[tuple[str, str], ...]:
    """gRPC metadata that authenticates a call as the gateway itself."""
    token = issuer.issue(subject=SERVICE_SUBJECT, tenant_id=tenant_id, roles=[SERVICE_ROLE],
                         ttl_s=SERVICE_TOKEN_TTL_S)
    return (("authorization", f"Bearer {token}"),)
