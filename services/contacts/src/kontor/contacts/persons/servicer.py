"""gRPC edge of contact persons: check the right, open the unit of work, translate, call the service."""

import grpc
from google.protobuf.empty_pb2 import Empty

from kontor.platform.db import Database
from kontor.platform.pagination import parse_uuid
from kontor.protos.contacts.v1 import persons_pb2, persons_pb2_grpc

from kontor.contacts.edge import authorised, reporting_existing_id, timestamp
from kontor.contacts.persons import service
from kontor.contacts.persons.models import ContactPerson
from kontor.contacts.persons.schemas import ContactPersonCreate, ContactPersonUpdate

ENTITY = "contact_person"
_TEXT_FIELDS = ("salutation", "title", "first_name", "last_name", "role", "notes")


def to_proto(person: ContactPerson) -> persons_pb2.ContactPerson:
    return persons_pb2.ContactPerson(
        id=str(person.id), company_id=str(person.company_id),
        emails=[persons_pb2.EmailAddress(**e) for e in person.emails],
        phones=[persons_pb2.PhoneNumber(**p) for p in person.phones],
        birthday=person.birthday.isoformat() if person.birthday else "", version=person.version,
        created_at=timestamp(person.created_at), updated_at=timestamp(person.updated_at),
        **{field: getattr(person, field) for field in _TEXT_FIELDS},
    )


def _emails(items) -> list[dict]:
    return [{"address": e.address, "label": e.label, "primary": e.primary} for e in items]


def _phones(items) -> list[dict]:
    return [{"number": p.number, "label": p.label} for p in items]  # e164 is ours to compute


def create_from_proto(request: persons_pb2.CreateContactPersonRequest) -> ContactPersonCreate:
    return ContactPersonCreate(
        emails=_emails(request.emails), phones=_phones(request.phones), birthday=request.birthday or None,
        confirm_duplicate=request.confirm_duplicate, **{field: getattr(request, field) for field in _TEXT_FIELDS},
    )


def update_from_proto(request: persons_pb2.UpdateContactPersonRequest) -> ContactPersonUpdate:
    fields = {field: getattr(request, field) for field in _TEXT_FIELDS if request.HasField(field)}
    if request.HasField("emails"):
        fields["emails"] = _emails(request.emails.items)
    if request.HasField("phones"):
        fields["phones"] = _phones(request.phones.items)
    if request.HasField("birthday"):
        fields["birthday"] = request.birthday or None  # "" clears it
    return ContactPersonUpdate(**fields)


class ContactPersonServicer(persons_pb2_grpc.ContactPersonServiceServicer):
    def __init__(self, db: Database):
        self._db = db

    async def CreateContactPerson(self, request, context: grpc.aio.ServicerContext):
        company_id = parse_uuid(request.company_id, "company_id")
        data = create_from_proto(request)
        async with reporting_existing_id(context), authorised(self._db, ENTITY, "create") as (session, principal):
            return to_proto(await service.create_person(session, principal=principal, company_id=company_id,
                                                        data=data))

    async def GetContactPerson(self, request, context):
        person_id = parse_uuid(request.id, "id")
        async with authorised(self._db, ENTITY, "read") as (session, principal):
            return to_proto(await service.get_person(session, principal=principal, person_id=person_id))

    async def ListContactPersons(self, request, context):
        company_id = parse_uuid(request.company_id, "company_id") if request.company_id else None
        async with authorised(self._db, ENTITY, "read") as (session, principal):
            rows, next_token = await service.list_persons(
                session, principal=principal, company_id=company_id, sort=request.sort,
                page_size=request.page_size, page_token=request.page_token,
            )
            return persons_pb2.ListContactPersonsResponse(persons=[to_proto(p) for p in rows],
                                                          next_page_token=next_token)

    async def UpdateContactPerson(self, request, context):
        person_id = parse_uuid(request.id, "id")
        data = update_from_proto(request)
        async with authorised(self._db, ENTITY, "update") as (session, principal):
            return to_proto(await service.update_person(
                session, principal=principal, person_id=person_id, expected_version=request.expected_version,
                data=data,
            ))

    async def DeleteContactPerson(self, request, context):
        person_id = parse_uuid(request.id, "id")
        async with authorised(self._db, ENTITY, "delete") as (session, principal):
            await service.delete_person(session, principal=principal, person_id=person_id,
                                        expected_version=request.expected_version)
            return Empty()


def register(server: grpc.aio.Server, db: Database) -> list[str]:
    persons_pb2_grpc.add_ContactPersonServiceServicer_to_server(ContactPersonServicer(db), server)
    return [persons_pb2.DESCRIPTOR.services_by_name["ContactPersonService"].full_name]
