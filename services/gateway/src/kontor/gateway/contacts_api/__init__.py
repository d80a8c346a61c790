"""REST resources of the contacts service: /api/v1/companies and /api/v1/persons.

Every route needs a bearer token; records carry their version as ETag and
writes require If-Match (428 without it, 412 when stale).
"""

from fastapi import APIRouter, Depends

from kontor.platform.http import PROBLEM_RESPONSES, bearer_principal
from kontor.platform.runtime import Runtime

from kontor.gateway.contacts_api import companies, persons


def routers(rt: Runtime) -> list[APIRouter]:
    api = APIRouter(dependencies=[Depends(bearer_principal(lambda: rt.verifier))], responses=PROBLEM_RESPONSES)
    api.include_router(companies.router(lambda: rt.extras["upstreams"].companies))
    for router in persons.router(lambda: rt.extras["upstreams"].persons):
        api.include_router(router)
    return [api]
