"""gRPC edge of companies: check the right, open the unit of work, translate, call the service."""

import grpc
from google.protobuf.empty_pb2 import Empty

from kontor.platform.db import Database
from kontor.platform.pagination import parse_uuid
from kontor.protos.contacts.v1 import contacts_pb2, contacts_pb2_grpc

from kontor.contacts.companies import service
from kontor.contacts.companies.models import Company, CompanyHistory
from kontor.contacts.companies.schemas import CompanyCreate, CompanyFilter, CompanyUpdate
from kontor.contacts.edge import authorised, reporting_existing_id, timestamp

ENTITY = "company"
_KIND_TO_PROTO = {"lead": contacts_pb2.COMPANY_KIND_LEAD, "customer": contacts_pb2.COMPANY_KIND_CUSTOMER}
_KIND_FROM_PROTO = {v: k for k, v in _KIND_TO_PROTO.items()} | {contacts_pb2.COMPANY_KIND_UNSPECIFIED: "lead"}
# Plain text fields that travel unchanged between the proto messages and the schemas.
_TEXT_FIELDS = ("name", "street", "postal_code", "city", "region", "country", "industry", "revenue_tier",
                "website", "email", "notes", "access_level")


def to_proto(company: Company) -> contacts_pb2.Company:
    return contacts_pb2.Company(
        id=str(company.id), kind=_KIND_TO_PROTO[company.kind], version=company.version,
        created_at=timestamp(company.created_at), updated_at=timestamp(company.updated_at),
        **{field: getattr(company, field) for field in _TEXT_FIELDS},
    )


def _history_to_proto(entry: CompanyHistory) -> contacts_pb2.CompanyHistoryEntry:
    return contacts_pb2.CompanyHistoryEntry(
        field=entry.field, old_value=entry.old_value, new_value=entry.new_value, changed_by=entry.changed_by,
        changed_at=timestamp(entry.changed_at), version=entry.version,
    )


def create_from_proto(request: contacts_pb2.CreateCompanyRequest) -> CompanyCreate:
    fields = {field: getattr(request, field) for field in _TEXT_FIELDS}
    if not fields["access_level"]:
        del fields["access_level"]  # unset: the schema's default
    return CompanyCreate(kind=_KIND_FROM_PROTO.get(request.kind, "?"), confirm_duplicate=request.confirm_duplicate,
                         **fields)


def update_from_proto(request: contacts_pb2.UpdateCompanyRequest) -> CompanyUpdate:
    return CompanyUpdate(**{field: getattr(request, field) for field in _TEXT_FIELDS if request.HasField(field)})


class CompanyServicer(contacts_pb2_grpc.CompanyServiceServicer):
    def __init__(self, db: Database):
        self._db = db

    async def CreateCompany(self, request, context: grpc.aio.ServicerContext):
        data = create_from_proto(request)
        async with reporting_existing_id(context), authorised(self._db, ENTITY, "create") as (session, principal):
            return to_proto(await service.create_company(session, principal=principal, data=data))

    async def GetCompany(self, request, context):
        company_id = parse_uuid(request.id, "id")
        async with authorised(self._db, ENTITY, "read") as (session, principal):
            return to_proto(await service.get_company(session, principal=principal, company_id=company_id))

    async def ListCompanies(self, request, context):
        filters = CompanyFilter(
            kind=_KIND_FROM_PROTO.get(request.kind, "?") if request.kind else None, industry=request.industry,
            city=request.city, postal_code_prefix=request.postal_code_prefix,
        )
        async with authorised(self._db, ENTITY, "read") as (session, principal):
            rows, next_token = await service.list_companies(
                session, principal=principal, filters=filters, sort=request.sort, page_size=request.page_size,
                page_token=request.page_token,
            )
            return contacts_pb2.ListCompaniesResponse(companies=[to_proto(c) for c in rows],
                                                      next_page_token=next_token)

    async def UpdateCompany(self, request, context):
        company_id = parse_uuid(request.id, "id")
        data = update_from_proto(request)
        async with authorised(self._db, ENTITY, "update") as (session, principal):
            return to_proto(await service.update_company(
                session, principal=principal, company_id=company_id, expected_version=request.expected_version,
                data=data,
            ))

    async def DeleteCompany(self, request, context):
        company_id = parse_uuid(request.id, "id")
        async with authorised(self._db, ENTITY, "delete") as (session, principal):
            await service.delete_company(session, principal=principal, company_id=company_id,
                                         expected_version=request.expected_version)
            return Empty()

    async def ConvertToCustomer(self, request, context):
        company_id = parse_uuid(request.id, "id")
        async with authorised(self._db, ENTITY, "update") as (session, principal):
            return to_proto(await service.convert_to_customer(
                session, principal=principal, company_id=company_id, expected_version=request.expected_version,
            ))

    async def ListCompanyHistory(self, request, context):
        company_id = parse_uuid(request.id, "id")
        async with authorised(self._db, ENTITY, "read") as (session, principal):
            rows, next_token = await service.list_history(
                session, principal=principal, company_id=company_id, page_size=request.page_size,
                page_token=request.page_token,
            )
            return contacts_pb2.ListCompanyHistoryResponse(entries=[_history_to_proto(e) for e in rows],
                                                           next_page_token=next_token)


def register(server: grpc.aio.Server, db: Database) -> list[str]:
    contacts_pb2_grpc.add_CompanyServiceServicer_to_server(CompanyServicer(db), server)
    return [contacts_pb2.DESCRIPTOR.services_by_name["CompanyService"].full_name]
