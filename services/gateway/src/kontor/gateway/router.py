"""REST edge: /api/v1 over the services' gRPC APIs. Thin: authenticate, translate, forward."""

from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from kontor.platform.auth import Principal
from kontor.platform.grpc_client import call
from kontor.platform.http import PROBLEM_RESPONSES, bearer_principal
from kontor.platform.runtime import Runtime
from kontor.protos.billing.v1 import billing_pb2
from kontor.protos.contacts.v1 import contacts_pb2

from kontor.gateway.schemas import ClientPage, ClientRead, CompanyCreate, CompanyPage, CompanyRead, Jwks
from kontor.gateway.upstreams import Upstreams

_KIND_TO_PROTO = {"lead": contacts_pb2.COMPANY_KIND_LEAD, "customer": contacts_pb2.COMPANY_KIND_CUSTOMER}
_KIND_FROM_PROTO = {v: k for k, v in _KIND_TO_PROTO.items()}

PageSize = Annotated[int, Query(ge=1, le=200, description="Items per page")]
PageToken = Annotated[str, Query(max_length=512, description="next_page_token of the previous page")]


def _company(c: contacts_pb2.Company) -> CompanyRead:
    return CompanyRead(id=c.id, name=c.name, kind=_KIND_FROM_PROTO[c.kind], city=c.city, version=c.version,
                       created_at=c.created_at.ToDatetime(UTC),
                       updated_at=c.updated_at.ToDatetime(UTC))


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

    @api.post("/companies", status_code=status.HTTP_201_CREATED, response_model=CompanyRead, tags=["companies"],
              summary="Create a company (lead or customer)")
    async def create_company(body: CompanyCreate, response: Response, _: Caller) -> CompanyRead:
        created = await call(upstreams().companies.CreateCompany, contacts_pb2.CreateCompanyRequest(
            name=body.name, kind=_KIND_TO_PROTO[body.kind], city=body.city))
        response.headers["Location"] = f"/api/v1/companies/{created.id}"
        response.headers["ETag"] = f'"{created.version}"'
        return _company(created)

    @api.get("/companies", response_model=CompanyPage, tags=["companies"], summary="List companies, newest first")
    async def list_companies(_: Caller, page_size: PageSize = 50, page_token: PageToken = "") -> CompanyPage:
        page = await call(upstreams().companies.ListCompanies,
                          contacts_pb2.ListCompaniesRequest(page_size=page_size, page_token=page_token))
        return CompanyPage(items=[_company(c) for c in page.companies], next_page_token=page.next_page_token)

    @api.get("/companies/{company_id}", response_model=CompanyRead, tags=["companies"], summary="Read a company")
    async def get_company(company_id: str, response: Response, _: Caller) -> CompanyRead:
        company = await call(upstreams().companies.GetCompany, contacts_pb2.GetCompanyRequest(id=company_id))
        response.headers["ETag"] = f'"{company.version}"'
        return _company(company)

    @api.get("/billing/clients", response_model=ClientPage, tags=["billing"],
             summary="List the companies billing knows as clients")
    async def list_clients(_: Caller, page_size: PageSize = 50, page_token: PageToken = "") -> ClientPage:
        page = await call(upstreams().clients.ListClients,
                          billing_pb2.ListClientsRequest(page_size=page_size, page_token=page_token))
        return ClientPage(items=[_client(c) for c in page.clients], next_page_token=page.next_page_token)

    @api.get("/billing/clients/{company_id}", response_model=ClientRead, tags=["billing"],
             summary="Read one client by its company id")
    async def get_client(company_id: str, _: Caller) -> ClientRead:
        return _client(await call(upstreams().clients.GetClient, billing_pb2.GetClientRequest(company_id=company_id)))

    return [wellknown, api]
