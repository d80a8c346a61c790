"""gRPC edge of GDPR requests: "gdpr" read to export, delete to erase and to read the GDPR audit."""

import json

import grpc

from kontor.platform.db import Database
from kontor.platform.pagination import parse_uuid
from kontor.protos.contacts.v1 import data_pb2, data_pb2_grpc

from kontor.contacts.edge import authorised, timestamp
from kontor.contacts.gdpr import service

ENTITY = "gdpr"


class GdprServicer(data_pb2_grpc.GdprServiceServicer):
    def __init__(self, db: Database):
        self._db = db

    async def ExportPerson(self, request, context: grpc.aio.ServicerContext):
        person_id = parse_uuid(request.person_id, "person_id")
        async with authorised(self._db, ENTITY, "read") as (session, principal):
            document = await service.export_person(session, principal=principal, person_id=person_id)
        return data_pb2.PersonExport(person_id=str(person_id), json=json.dumps(document, ensure_ascii=False))

    async def ErasePerson(self, request, context):
        person_id = parse_uuid(request.person_id, "person_id")
        async with authorised(self._db, ENTITY, "delete") as (session, principal):
            person, details = await service.erase_person(session, principal=principal, person_id=person_id,
                                                         expected_version=request.expected_version)
            return data_pb2.ErasePersonResponse(
                person_id=str(person.id), version=person.version, erased_fields=details["erased_fields"],
                scrubbed_comments=details["comments"], scrubbed_audit_entries=details["access_audit"],
            )

    async def ListGdprAudit(self, request, context):
        async with authorised(self._db, ENTITY, "delete") as (session, principal):
            entries, next_token = await service.list_audit(session, page_size=request.page_size,
                                                           page_token=request.page_token)
            return data_pb2.ListGdprAuditResponse(next_page_token=next_token, entries=[
                data_pb2.GdprAuditEntry(id=str(e.id), action=e.action, person_id=str(e.person_id), actor=e.actor,
                                        created_at=timestamp(e.created_at), details_json=json.dumps(e.details))
                for e in entries])


def register(server: grpc.aio.Server, db: Database) -> list[str]:
    data_pb2_grpc.add_GdprServiceServicer_to_server(GdprServicer(db), server)
    return [data_pb2.DESCRIPTOR.services_by_name["GdprService"].full_name]
