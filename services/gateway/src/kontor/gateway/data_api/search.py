"""GET /api/v1/search: typo-tolerant search over the companies and contact persons the caller may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from kontor.platform.grpc_client import call
from kontor.protos.contacts.v1 import data_pb2

from kontor.gateway.contacts_api.companies import PageToken
from kontor.gateway.contacts_api.http_edge import problems


class SearchHit(BaseModel):
    type: str
    id: str
    title: str
    subtitle: str
    score: float
    company_id: str


class SearchPage(BaseModel):
    items: list[SearchHit]
    next_page_token: str


def router(search) -> APIRouter:
    api = APIRouter(prefix="/api/v1/search", tags=["search"])

    @api.get("", response_model=SearchPage, responses=problems(403), summary="Search companies and persons",
             description="Google-like: every word must be found (typos allowed), best matches first. "
             "`types` limits the search to `company` and/or `person` (comma-separated).")
    async def search_records(
        q: Annotated[str, Query(max_length=200, description="e.g. 'mustr gmbh berlin'")],
        types: Annotated[str, Query(max_length=40, description="company,person (default: both)")] = "",
        page_size: Annotated[int, Query(ge=1, le=200)] = 20, page_token: PageToken = "",
    ) -> SearchPage:
        answer = await call(search().Search, data_pb2.SearchRequest(
            query=q, types=[t for t in types.split(",") if t.strip()], page_size=page_size, page_token=page_token))
        return SearchPage(items=[SearchHit(type=h.type, id=h.id, title=h.title, subtitle=h.subtitle, score=h.score,
                                           company_id=h.company_id) for h in answer.hits],
                          next_page_token=answer.next_page_token)

    return api
