"""REST resources of follow-ups (/api/v1/followups) and the team dashboard (/api/v1/dashboard/team).

Every route needs a bearer token; contacts decides (rights, visibility); these routes only translate.
Follow-ups carry their version as ETag; completing and deleting require If-Match (428 without, 412 stale).
"""

from fastapi import APIRouter, Depends

from kontor.platform.http import PROBLEM_RESPONSES, bearer_principal
from kontor.platform.runtime import Runtime

from kontor.gateway.dashboard_api import followups, team


def routers(rt: Runtime) -> list[APIRouter]:
    api = APIRouter(dependencies=[Depends(bearer_principal(lambda: rt.verifier))], responses=PROBLEM_RESPONSES)
    stubs = lambda: rt.extras["upstreams"]  # noqa: E731 - resolved per request: upstreams connect at start-up
    api.include_router(followups.router(stubs))
    api.include_router(team.router(stubs))
    return [api]
