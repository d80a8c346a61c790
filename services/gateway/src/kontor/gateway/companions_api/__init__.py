"""REST resources of the companions of a company record: comments, traces, address pools, customer groups.

Every route needs a bearer token; edited records carry their version as ETag
and writes require If-Match (428 without it, 412 when stale).
"""

from fastapi import APIRouter, Depends

from kontor.platform.http import PROBLEM_RESPONSES, bearer_principal
from kontor.platform.runtime import Runtime

from kontor.gateway.companions_api import comments, groups, pools, traces


def routers(rt: Runtime) -> list[APIRouter]:
    def upstream(name: str):
        return lambda: getattr(rt.extras["upstreams"], name)

    api = APIRouter(dependencies=[Depends(bearer_principal(lambda: rt.verifier))], responses=PROBLEM_RESPONSES)
    for router in (*comments.routers(upstream("comments")), *traces.routers(upstream("traces")),
                   pools.router(upstream("pools")), groups.router(upstream("groups"))):
        api.include_router(router)
    return [api]
