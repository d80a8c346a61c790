"""REST resources over the contacts data as a whole: /api/v1/search, /api/v1/imports, GDPR requests."""

from fastapi import APIRouter, Depends

from kontor.platform.http import PROBLEM_RESPONSES, bearer_principal
from kontor.platform.runtime import Runtime

from kontor.gateway.data_api import gdpr, imports, search


def routers(rt: Runtime) -> list[APIRouter]:
    api = APIRouter(dependencies=[Depends(bearer_principal(lambda: rt.verifier))], responses=PROBLEM_RESPONSES)
    upstreams = lambda: rt.extras["upstreams"]  # noqa: E731 - resolved per request: set on start-up
    api.include_router(search.router(lambda: upstreams().search))
    api.include_router(imports.router(lambda: upstreams().imports))
    api.include_router(gdpr.router(lambda: upstreams().gdpr))
    return [api]
