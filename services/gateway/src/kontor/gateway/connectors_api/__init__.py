"""REST resources of calendar-sync's connector configuration: branch groupware servers
(/api/v1/groupware-servers) and connector settings (/api/v1/me/connectors, /api/v1/users/{id}/connectors,
/api/v1/connectors/{id}).

calendar-sync decides (rights, validation); these routes only translate. Credentials are write-only:
no response carries them. Servers and connectors carry their version as ETag; changes require If-Match.
"""

from fastapi import APIRouter, Depends

from kontor.platform.http import PROBLEM_RESPONSES, bearer_principal
from kontor.platform.runtime import Runtime

from kontor.gateway.connectors_api import connectors, servers


def routers(rt: Runtime) -> list[APIRouter]:
    api = APIRouter(dependencies=[Depends(bearer_principal(lambda: rt.verifier))], responses=PROBLEM_RESPONSES)
    stubs = lambda: rt.extras["upstreams"]  # noqa: E731 - resolved per request: upstreams connect at start-up
    api.include_router(servers.router(stubs))
    api.include_router(connectors.router(stubs))
    return [api]
