"""GET /api/v1/changes: a server-sent-events stream of changes to the records the caller may see.

contacts' CloudEvents (NATS JetStream) are read per connection, filtered by contacts' Permission API
with the caller's own token, and framed as SSE. See docs/changes.md.
"""

from fastapi import APIRouter, Depends

from kontor.platform.http import PROBLEM_RESPONSES, bearer_principal
from kontor.platform.runtime import Runtime

from kontor.gateway.changes import router


def routers(rt: Runtime) -> list[APIRouter]:
    api = APIRouter(dependencies=[Depends(bearer_principal(lambda: rt.verifier))], responses=PROBLEM_RESPONSES)
    api.include_router(router.router(rt))
    return [api]
