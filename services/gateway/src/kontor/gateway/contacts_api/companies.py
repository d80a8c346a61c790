"""/api/v1/companies: leads and customers, their conversion and history."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from kontor.platform.errors import Conflict
from kontor.platform.grpc_client import call
from kontor.platform.http import problem
from kontor.protos.contacts.v1 import contacts_pb2

from kontor.gateway.contacts_api.http_edge import (
    IfMatch, create_or_duplicate, expected_version, is_problem, path_id, problems, set_etag,
)
from kontor.gateway.contacts_api.schemas import (
    CompanyCreate, CompanyKind, CompanyPage, CompanyRead, CompanyUpdate, HistoryEntryRead, HistoryPage,
)

COLLECTION = "/api/v1/companies"
KIND_TO_PROTO = {"lead": contacts_pb2.COMPANY_KIND_LEAD, "customer": contacts_pb2.COMPANY_KIND_CUSTOMER}
_KIND_FROM_PROTO = {v: k for k, v in KIND_TO_PROTO.items()}
_TEXT_FIELDS = ("name", "street", "postal_code", "city", "region", "country", "industry", "revenue_tier",
                "website", "email", "notes", "access_level")

CompanyId = Annotated[str, Path(description="UUID of the company; anything else answers 422 naming company_id")]
PageSize = Annotated[int, Query(ge=1, le=200, description="Items per page")]
PageToken = Annotated[str, Query(max_length=1024, description="next_page_token of the previous page")]
Sort = Annotated[str, Query(max_length=20, description="name, created_at or updated_at; prefix '-' for descending")]


def company_read(c: contacts_pb2.Company) -> CompanyRead:
    return CompanyRead(id=c.id, kind=_KIND_FROM_PROTO[c.kind], version=c.version,
                       created_at=c.created_at.ToDatetime(UTC), updated_at=c.updated_at.ToDatetime(UTC),
                       **{field: getattr(c, field) for field in _TEXT_FIELDS})


def _history_read(e: contacts_pb2.CompanyHistoryEntry) -> HistoryEntryRead:
    return HistoryEntryRead(field=e.field, old_value=e.old_value, new_value=e.new_value, changed_by=e.changed_by,
                            changed_at=e.changed_at.ToDatetime(UTC), version=e.version)


def router(companies) -> APIRouter:
    """``companies`` returns the CompanyService stub (resolved per request: upstreams connect at start-up)."""
    api = APIRouter(prefix=COLLECTION, tags=["companies"])

    @api.post("", status_code=status.HTTP_201_CREATED, response_model=CompanyRead,
              responses=problems(403, 409), summary="Create a company (lead or customer)",
              description="409 when a company with the same website/email domain, or the same name in the same "
              "city, exists: the problem's `existing` links it. Send `confirm_duplicate: true` to create anyway.")
    async def create_company(body: CompanyCreate, response: Response):
        request = contacts_pb2.CreateCompanyRequest(kind=KIND_TO_PROTO[body.kind],
                                                    confirm_duplicate=body.confirm_duplicate,
                                                    **body.model_dump(include=set(_TEXT_FIELDS)))
        created = await create_or_duplicate(companies().CreateCompany, request, collection=COLLECTION)
        if is_problem(created):
            return created
        response.headers["Location"] = f"{COLLECTION}/{created.id}"
        set_etag(response, created.version)
        return company_read(created)

    @api.get("", response_model=CompanyPage, responses=problems(403), summary="List companies")
    async def list_companies(
        page_size: PageSize = 50, page_token: PageToken = "", sort: Sort = "-created_at",
        kind: CompanyKind | None = None,
        industry: Annotated[str, Query(max_length=100, description="Exact, case-insensitive")] = "",
        city: Annotated[str, Query(max_length=100, description="Exact, case-insensitive")] = "",
        postal_code_prefix: Annotated[str, Query(max_length=20, description="e.g. 10 for 10115")] = "",
    ) -> CompanyPage:
        page = await call(companies().ListCompanies, contacts_pb2.ListCompaniesRequest(
            page_size=page_size, page_token=page_token, sort=sort, industry=industry, city=city,
            postal_code_prefix=postal_code_prefix, kind=KIND_TO_PROTO[kind] if kind else 0,
        ))
        return CompanyPage(items=[company_read(c) for c in page.companies], next_page_token=page.next_page_token)

    @api.get("/{company_id}", response_model=CompanyRead, responses=problems(403), summary="Read a company",
             description="The ETag header carries the version; send it back as If-Match to change the company.")
    async def get_company(company_id: CompanyId, response: Response) -> CompanyRead:
        company = await call(companies().GetCompany,
                             contacts_pb2.GetCompanyRequest(id=path_id(company_id, "company_id")))
        set_etag(response, company.version)
        return company_read(company)

    @api.patch("/{company_id}", response_model=CompanyRead, responses=problems(403, 412, 428),
               summary="Change some fields of a company (If-Match required)")
    async def update_company(company_id: CompanyId, body: CompanyUpdate, response: Response,
                             if_match: IfMatch = None) -> CompanyRead:
        request = contacts_pb2.UpdateCompanyRequest(
            id=path_id(company_id, "company_id"), expected_version=expected_version(if_match),
            **{field: value for field, value in body.model_dump(exclude_unset=True).items() if value is not None},
        )
        company = await call(companies().UpdateCompany, request)
        set_etag(response, company.version)
        return company_read(company)

    @api.delete("/{company_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(403, 412, 428),
                summary="Delete a company (If-Match required; its history stays)")
    async def delete_company(company_id: CompanyId, if_match: IfMatch = None) -> Response:
        await call(companies().DeleteCompany, contacts_pb2.DeleteCompanyRequest(
            id=path_id(company_id, "company_id"), expected_version=expected_version(if_match)))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @api.post("/{company_id}/convert", response_model=CompanyRead, responses=problems(403, 409, 412),
              summary="Convert a lead into a customer",
              description="409 when the company is a customer already. If-Match is optional here: a lead can "
              "become a customer only once, so a stale view cannot undo anything.")
    async def convert_company(company_id: CompanyId, response: Response, if_match: IfMatch = None):
        request = contacts_pb2.ConvertToCustomerRequest(
            id=path_id(company_id, "company_id"), expected_version=expected_version(if_match) if if_match else 0)
        try:
            company = await call(companies().ConvertToCustomer, request)
        except Conflict as exc:
            # Both a stale If-Match and "a customer already" arrive as a conflict; the version tells which.
            current = await call(companies().GetCompany, contacts_pb2.GetCompanyRequest(id=request.id))
            if request.expected_version and current.version != request.expected_version:
                raise
            return problem(409, exc.message, code="already_customer")
        set_etag(response, company.version)
        return company_read(company)

    @api.get("/{company_id}/history", response_model=HistoryPage, responses=problems(403),
             summary="Every change of a company, oldest first")
    async def company_history(company_id: CompanyId, page_size: PageSize = 50,
                              page_token: PageToken = "") -> HistoryPage:
        page = await call(companies().ListCompanyHistory, contacts_pb2.ListCompanyHistoryRequest(
            id=path_id(company_id, "company_id"), page_size=page_size, page_token=page_token))
        return HistoryPage(items=[_history_read(e) for e in page.entries], next_page_token=page.next_page_token)

    return api

