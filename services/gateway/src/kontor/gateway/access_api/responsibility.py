"""/api/v1/substitutions, /api/v1/handovers and /api/v1/audit-log."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, Query, status
from google.protobuf.empty_pb2 import Empty
from google.protobuf.timestamp_pb2 import Timestamp

from kontor.platform.grpc_client import call
from kontor.protos.contacts.v1 import access_pb2

from kontor.gateway.access_api.schemas import (
    AuditEntryRead, AuditPage, HandoverCreate, HandoverRead, RecordRef, SubstitutionCreate, SubstitutionList,
    SubstitutionRead,
)
from kontor.gateway.contacts_api.http_edge import path_id, problems

PageSize = Annotated[int, Query(ge=1, le=200, description="Items per page")]
PageToken = Annotated[str, Query(max_length=512, description="next_page_token of the previous page")]


def substitution_read(s: access_pb2.Substitution) -> SubstitutionRead:
    return SubstitutionRead(id=s.id, absent_user_id=s.absent_user_id, substitute_user_id=s.substitute_user_id,
                            starts_at=s.starts_at.ToDatetime(UTC), ends_at=s.ends_at.ToDatetime(UTC), note=s.note,
                            cancelled=s.cancelled)


def audit_read(e: access_pb2.AuditEntry) -> AuditEntryRead:
    return AuditEntryRead(id=e.id, actor=e.actor, action=e.action, from_user_id=e.from_user_id,
                          to_user_id=e.to_user_id, records=[RecordRef(type=r.type, id=r.id) for r in e.records],
                          note=e.note, created_at=e.created_at.ToDatetime(UTC))


def _timestamp(value) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(value.astimezone(UTC))
    return ts


def router(stubs) -> APIRouter:
    api = APIRouter(prefix="/api/v1")

    @api.get("/substitutions", response_model=SubstitutionList, tags=["substitutions"], responses=problems(403),
             summary="Substitutions where I am absent or the substitute")
    async def my_substitutions() -> SubstitutionList:
        found = await call(stubs().substitutions.ListMySubstitutions, Empty())
        return SubstitutionList(items=[substitution_read(s) for s in found.substitutions])

    @api.post("/substitutions", status_code=status.HTTP_201_CREATED, response_model=SubstitutionRead,
              tags=["substitutions"], responses=problems(403),
              summary="Name a substitute for [starts_at, ends_at): they see what you see and get your notifications")
    async def create_substitution(body: SubstitutionCreate) -> SubstitutionRead:
        request = access_pb2.Substitution(
            absent_user_id=path_id(body.absent_user_id, "absent_user_id") if body.absent_user_id else "",
            substitute_user_id=path_id(body.substitute_user_id, "substitute_user_id"),
            starts_at=_timestamp(body.starts_at), ends_at=_timestamp(body.ends_at), note=body.note)
        return substitution_read(await call(stubs().substitutions.CreateSubstitution, request))

    @api.post("/substitutions/{substitution_id}/cancel", response_model=SubstitutionRead, tags=["substitutions"],
              responses=problems(403), summary="End a substitution now")
    async def cancel_substitution(substitution_id: str) -> SubstitutionRead:
        request = access_pb2.CancelSubstitutionRequest(id=path_id(substitution_id, "substitution_id"))
        return substitution_read(await call(stubs().substitutions.CancelSubstitution, request))

    @api.post("/handovers", status_code=status.HTTP_201_CREATED, response_model=HandoverRead, tags=["handovers"],
              responses=problems(403), summary="Hand records over from one employee to another, with a note")
    async def hand_over(body: HandoverCreate) -> HandoverRead:
        request = access_pb2.HandOverRequest(
            from_user_id=path_id(body.from_user_id, "from_user_id"), to_user_id=path_id(body.to_user_id, "to_user_id"),
            records=[access_pb2.RecordRef(type=r.type, id=path_id(r.id, f"records.{i}.id"))
                     for i, r in enumerate(body.records)], note=body.note)
        done = await call(stubs().handovers.HandOver, request)
        return HandoverRead(handover_id=done.handover_id, moved=done.moved)

    @api.get("/audit-log", response_model=AuditPage, tags=["handovers"], responses=problems(403),
             summary="Hand-overs and other access changes, newest first")
    async def audit_log(page_size: PageSize = 50, page_token: PageToken = "") -> AuditPage:
        page = await call(stubs().handovers.ListAuditLog,
                          access_pb2.ListAuditLogRequest(page_size=page_size, page_token=page_token))
        return AuditPage(items=[audit_read(e) for e in page.entries], next_page_token=page.next_page_token)

    return api
