"""Routes every company list (address pools, static customer groups) shares: its members."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from kontor.platform.errors import Conflict
from kontor.platform.grpc_client import call
from kontor.platform.http import problem
from kontor.protos.contacts.v1 import companions_pb2

from kontor.gateway.contacts_api.companies import CompanyId, PageSize, PageToken
from kontor.gateway.contacts_api.http_edge import path_id, problems
from kontor.gateway.companions_api.schemas import MemberPage, MemberRead

ListId = Annotated[str, Path(description="UUID of the list; anything else answers 422 naming id")]


def member_routes(api: APIRouter, *, what: str, stub: Callable, rpc_prefix: str, request_type,
                  list_field: str) -> None:
    """GET /{id}/members, PUT and DELETE /{id}/members/{company_id} on ``api``."""

    @api.get("/{id}/members", response_model=MemberPage, responses=problems(403),
             summary=f"Companies in the {what} that you may see, by name", operation_id=f"list_{what}_members")
    async def list_members(id: ListId, page_size: PageSize = 50,  # noqa: A002
                           page_token: PageToken = "") -> MemberPage:
        page = await call(getattr(stub(), f"List{rpc_prefix}Members"), companions_pb2.ListMembersRequest(
            id=path_id(id, "id"), page_size=page_size, page_token=page_token))
        return MemberPage(items=[MemberRead(company_id=m.company_id, name=m.name, kind=m.kind, city=m.city)
                                 for m in page.members], next_page_token=page.next_page_token)

    async def change(verb: str, id: str, company_id: str) -> Response:  # noqa: A002
        request = request_type(**{list_field: path_id(id, "id"), "company_id": path_id(company_id, "company_id")})
        try:
            await call(getattr(stub(), f"{verb}{rpc_prefix}Member"), request)
        except Conflict as exc:
            # Member changes carry no version, so a conflict is the list's state: a dynamic group's rule decides.
            return problem(409, exc.message, code="rule_decides_members")
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @api.put("/{id}/members/{company_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(403, 409),
             summary=f"Add a company to the {what} (idempotent)", operation_id=f"add_{what}_member")
    async def add_member(id: ListId, company_id: CompanyId) -> Response:  # noqa: A002
        return await change("Add", id, company_id)

    @api.delete("/{id}/members/{company_id}", status_code=status.HTTP_204_NO_CONTENT,
                responses=problems(403, 409), summary=f"Remove a company from the {what}",
                operation_id=f"remove_{what}_member")
    async def remove_member(id: ListId, company_id: CompanyId) -> Response:  # noqa: A002
        return await change("Remove", id, company_id)
