"""gRPC edge shared by every list of companies (address pools, customer groups): its member RPCs."""

from __future__ import annotations

from types import ModuleType

from google.protobuf.empty_pb2 import Empty

from kontor.platform.db import Database
from kontor.platform.pagination import parse_uuid
from kontor.protos.contacts.v1 import companions_pb2

from kontor.contacts.companies.models import Company
from kontor.contacts.edge import authorised


def members_response(rows: list[Company], next_token: str) -> companions_pb2.ListMembersResponse:
    return companions_pb2.ListMembersResponse(
        members=[companions_pb2.MemberCompany(company_id=str(c.id), name=c.name, kind=c.kind, city=c.city)
                 for c in rows],
        next_page_token=next_token,
    )


class MemberRpcs:
    """Add, remove and list members; ``list_service`` has add_member / remove_member / list_members(list_id=...)."""

    _db: Database
    entity: str
    list_service: ModuleType
    list_field: str  # the member request's field naming the list, e.g. "pool_id"

    async def _change(self, request, verb: str) -> Empty:
        list_id = parse_uuid(getattr(request, self.list_field), self.list_field)
        company_id = parse_uuid(request.company_id, "company_id")
        async with authorised(self._db, self.entity, "update") as (session, principal):
            await getattr(self.list_service, f"{verb}_member")(session, principal=principal, list_id=list_id,
                                                          company_id=company_id)
            return Empty()

    async def _members(self, request: companions_pb2.ListMembersRequest) -> companions_pb2.ListMembersResponse:
        list_id = parse_uuid(request.id, "id")
        async with authorised(self._db, self.entity, "read") as (session, principal):
            return members_response(*await self.list_service.list_members(
                session, principal=principal, list_id=list_id, page_size=request.page_size,
                page_token=request.page_token,
            ))
