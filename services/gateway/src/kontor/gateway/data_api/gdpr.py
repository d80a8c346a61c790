"""GDPR requests: /api/v1/persons/{id}/export, /api/v1/persons/{id}/erase and the GDPR audit."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel

from kontor.platform.grpc_client import call
from kontor.protos.contacts.v1 import data_pb2

from kontor.gateway.contacts_api.companies import PageSize, PageToken
from kontor.gateway.contacts_api.http_edge import path_id, problems

PersonId = Annotated[str, Path(description="UUID of the contact person")]


class ErasureResult(BaseModel):
    person_id: str
    version: int
    erased_fields: list[str]
    scrubbed_comments: int
    scrubbed_audit_entries: int


class GdprAuditEntry(BaseModel):
    id: str
    action: str
    person_id: str
    actor: str
    created_at: datetime
    details: dict[str, Any]


class GdprAuditPage(BaseModel):
    items: list[GdprAuditEntry]
    next_page_token: str


def router(gdpr) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["gdpr"])

    @api.get("/persons/{person_id}/export", responses=problems(403),
             summary="Everything held about a contact person (GDPR art. 15), as JSON",
             description="Needs the `read` right on `gdpr`. The export is recorded in the GDPR audit.")
    async def export_person(person_id: PersonId) -> dict[str, Any]:
        answer = await call(gdpr().ExportPerson,
                            data_pb2.ExportPersonRequest(person_id=path_id(person_id, "person_id")))
        return json.loads(answer.json)

    @api.post("/persons/{person_id}/erase", response_model=ErasureResult, responses=problems(403, 412),
              summary="Erase (anonymise) a contact person (GDPR art. 17)",
              description="Needs the `delete` right on `gdpr`. Names become 'Erased'; addresses, numbers, "
              "birthday and notes are removed; comments and audit notes about the person are scrubbed. The record "
              "stays (links keep working) with a new version. Recorded in the GDPR audit.")
    async def erase_person(person_id: PersonId) -> ErasureResult:
        answer = await call(gdpr().ErasePerson, data_pb2.ErasePersonRequest(person_id=path_id(person_id,
                                                                                              "person_id")))
        return ErasureResult(person_id=answer.person_id, version=answer.version,
                             erased_fields=list(answer.erased_fields), scrubbed_comments=answer.scrubbed_comments,
                             scrubbed_audit_entries=answer.scrubbed_audit_entries)

    @api.get("/gdpr/audit", response_model=GdprAuditPage, responses=problems(403),
             summary="The GDPR audit: who exported or erased which person, when (org managers)")
    async def list_audit(page_size: PageSize = 50, page_token: PageToken = "") -> GdprAuditPage:
        answer = await call(gdpr().ListGdprAudit, data_pb2.ListGdprAuditRequest(page_size=page_size,
                                                                                page_token=page_token))
        return GdprAuditPage(next_page_token=answer.next_page_token, items=[
            GdprAuditEntry(id=e.id, action=e.action, person_id=e.person_id, actor=e.actor,
                           created_at=e.created_at.ToDatetime(UTC), details=json.loads(e.details_json or "{}"))
            for e in answer.entries])

    return api
