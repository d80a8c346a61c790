"""REST resources of contacts' access domain: assignments, rules, substitutions, hand-overs, audit, check-access.

Every route needs a bearer token; contacts decides (rights, visibility); these routes only translate.
"""

from fastapi import APIRouter, Depends

from kontor.platform.http import PROBLEM_RESPONSES, bearer_principal
from kontor.platform.runtime import Runtime

from kontor.gateway.access_api import assignments, responsibility


def routers(rt: Runtime) -> list[APIRouter]:
    api = APIRouter(dependencies=[Depends(bearer_principal(lambda: rt.verifier))], responses=PROBLEM_RESPONSES)
    stubs = lambda: rt.extras["upstreams"]  # noqa: E731 - resolved per request: upstreams connect at start-up
    api.include_router(assignments.router(stubs))
    api.include_router(responsibility.router(stubs))
    return [api]
