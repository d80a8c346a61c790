"""gRPC edge of companies: translate, open the unit of work, call the service."""

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from kontor.platform.auth import current_principal
from kontor.platform.db import Database
from kontor.platform.pagination import parse_uuid
from kontor.protos.contacts.v1 import contacts_pb2, contacts_pb2_grpc

from kontor.contacts.companies import service
from kontor.contacts.companies.models import Company
from kontor.contacts.companies.schemas import CompanyCreate

_KIND_TO_PROTO = {"lead": contacts_pb2.COMPANY_KIND_LEAD, "customer": contacts_pb2.COMPANY_KIND_CUSTOMER}
_KIND_FROM_PROTO = {v: k for k, v in _KIND_TO_PROTO.items()} | {contacts_pb2.COMPANY_KIND_UNSPECIFIED: "lead"}


def _timestamp(value) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(value)
    return ts


def to_proto(company: Company) -> contacts_pb2.Company:
    return contacts_pb2.Company(
        id=str(company.id), name=company.name, kind=_KIND_TO_PROTO[company.kind], city=company.city,
        version=company.version, created_at=_timestamp(company.created_at),
        updated_at=_timestamp(company.updated_at),
    )


class CompanyServicer(contacts_pb2_grpc.CompanyServiceServicer):
    def __init__(self, db: Database):
        self._db = db

    async def CreateCompany(self, request, context: grpc.aio.ServicerContext):
        data = CompanyCreate(name=request.name, kind=_KIND_FROM_PROTO.get(request.kind, "?"), city=request.city)
        principal = current_principal()
        async with self._db.unit_of_work(principal.tenant_id) as session:
            company = await service.create_company(session, principal=principal, data=data)
            return to_proto(company)

    async def GetCompany(self, request, context):
        company_id = parse_uuid(request.id, "id")
        async with self._db.unit_of_work(current_principal().tenant_id) as session:
            return to_proto(await service.get_company(session, company_id=company_id))

    async def ListCompanies(self, request, context):
        async with self._db.unit_of_work(current_principal().tenant_id) as session:
            rows, next_token = await service.list_companies(
                session, page_size=request.page_size, page_token=request.page_token
            )
            return contacts_pb2.ListCompaniesResponse(companies=[to_proto(c) for c in rows],
                                                      next_page_token=next_token)


def register(server: grpc.aio.Server, db: Database) -> list[str]:
    contacts_pb2_grpc.add_CompanyServiceServicer_to_server(CompanyServicer(db), server)
    return [contacts_pb2.DESCRIPTOR.services_by_name["CompanyService"].full_name]
