"""REST edge: /api/v1 over the services' gRPC APIs. Thin: authenticate, translate, forward.

Companies and contact persons live in contacts_api/; this module keeps the JWKS and billing routes.
"""

from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from kontor.platform.auth import Principal
from kontor.platform.grpc_client import call
from kontor.platform.http import PROBLEM_RESPONSES, bearer_principal
from kontor.platform.runtime import Runtime
from kontor.protos.billing.v1 import billing_pb2

from kontor.gateway.schemas import ClientPage, ClientRead, Jwks
from kontor.gateway.upstreams import Upstreams

PageSize = Annotated[int, Query(ge=1, le=200, description="Items per page")]
PageToken = Annotated[str, Query(max_length=512, description="next_page_token of the previous page")]


def _client(c: billing_pb2.Client) -> ClientRead:
    return ClientRead(company_id=c.company_id, name=c.name,
                      recorded_at=c.recorded_at.ToDatetime(UTC))


def routers(rt: Runtime) -> list[APIRouter]:
    authenticated = Depends(bearer_principal(lambda: rt.verifier))
    Caller = Annotated[Principal, authenticated]

    def upstreams() -> Upstreams:
        return rt.extras["upstreams"]

    wellknown = APIRouter(tags=["identity"])

    @wellknown.get("/.well-known/jwks.json", response_model=Jwks, summary="Public keys that sign access tokens")
    async def jwks() -> dict:
        return rt.extras["issuer"].jwks()

    api = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)

    @api.get("/billing/clients", response_model=ClientPage, tags=["billing"],
             summary="List the companies billing knows as clients",
             description="Only clients whose company the caller may read (contacts' visibility rules and role "
                         "rights); 503 while contacts cannot say which those are.")
    async def list_clients(_: Caller, page_size: PageSize = 50, page_token: PageToken = "") -> ClientPage:
        page = await call(upstreams().clients.ListClients,
                          billing_pb2.ListClientsRequest(page_size=page_size, page_token=page_token))
        return ClientPage(items=[_client(c) for c in page.clients], next_page_token=page.next_page_token)

    @api.get("/billing/clients/{company_id}", response_model=ClientRead, tags=["billing"],
             summary="Read one client by its company id",
             description="404 when the caller may not see the company, 403 when their role may not read "
                         "companies; 503 while contacts cannot say.")
    async def get_client(company_id: str, _: Caller) -> ClientRead:
        return _client(await call(upstreams().clients.GetClient, billing_pb2.GetClientRequest(company_id=company_id)))

    return [wellknown, api]
