"""REST resources of a connector's sync: health, log, conflicts, resync, resume and "sync now"
(/api/v1/connectors/{id}/sync...). calendar-sync decides (rights, state); these routes only translate."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from kontor.platform.grpc_client import call
from kontor.platform.http import PROBLEM_RESPONSES, bearer_principal
from kontor.platform.runtime import Runtime
from kontor.protos.calendar.v1 import sync_pb2 as pb

from kontor.gateway.contacts_api.http_edge import path_id, problems
from kontor.gateway.sync_api import push

ITEM = "/api/v1/connectors/{connector_id}/sync"
ConnectorId = Annotated[str, Path(description="UUID of the connector; anything else answers 422 naming connector_id")]
Limit = Annotated[int, Query(ge=1, le=500, description="At most this many, newest first")]


class SyncHealthRead(BaseModel):
    connector_id: str
    state: str = Field(description="idle, syncing, throttled, failed, needs_auth or paused")
    healthy: bool = Field(description="Only when the last run succeeded, the last reconciliation matched and no "
                                      "push is overdue; never on a mismatch")
    reasons: list[str]
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    retry_after: datetime | None
    pause_reason: str
    last_error: str
    crm_count: int
    remote_count: int
    reconciled: bool
    reconciled_at: datetime | None
    missing_in_crm: int
    missing_remote: int
    pending_pushes: int
    conflicts: int
    last_counts: dict[str, int]


class SyncLogLineRead(BaseModel):
    at: datetime
    level: str
    code: str
    message: str
    appointment_id: str | None


class SyncLogRead(BaseModel):
    items: list[SyncLogLineRead]


class SyncConflictRead(BaseModel):
    appointment_id: str | None
    fields: list[str]
    policy: str
    winner: str
    detected_at: datetime


class SyncConflictList(BaseModel):
    items: list[SyncConflictRead]


class ResumeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accept_deletions: bool = Field(default=False, description="Apply the deletions held back when the window "
                                                              "came back suddenly empty")


def _when(message, name: str) -> datetime | None:
    return getattr(message, name).ToDatetime(UTC) if message.HasField(name) else None


def health_read(h: pb.SyncHealth) -> SyncHealthRead:
    return SyncHealthRead(
        connector_id=h.connector_id, state=h.state, healthy=h.healthy, reasons=list(h.reasons),
        last_success_at=_when(h, "last_success_at"), last_attempt_at=_when(h, "last_attempt_at"),
        retry_after=_when(h, "retry_after"), pause_reason=h.pause_reason, last_error=h.last_error,
        crm_count=h.crm_count, remote_count=h.remote_count, reconciled=h.reconciled,
        reconciled_at=_when(h, "reconciled_at"), missing_in_crm=h.missing_in_crm, missing_remote=h.missing_remote,
        pending_pushes=h.pending_pushes, conflicts=h.conflicts, last_counts=dict(h.last_counts))


def router(stubs) -> APIRouter:
    api = APIRouter(tags=["connectors"])

    @api.get(ITEM, response_model=SyncHealthRead, responses=problems(403),
             summary="Sync health of a connector: state, counts, reconciliation")
    async def get_health(connector_id: ConnectorId) -> SyncHealthRead:
        return health_read(await call(stubs().sync.GetSyncHealth, pb.GetSyncHealthRequest(
            connector_id=path_id(connector_id, "connector_id"))))

    @api.get(ITEM + "/log", response_model=SyncLogRead, responses=problems(403),
             summary="The sync log a user can read (codes and counts, never appointment content)")
    async def get_log(connector_id: ConnectorId, limit: Limit = 100) -> SyncLogRead:
        answer = await call(stubs().sync.ListSyncLog, pb.ListSyncLogRequest(
            connector_id=path_id(connector_id, "connector_id"), limit=limit))
        return SyncLogRead(items=[SyncLogLineRead(at=line.at.ToDatetime(UTC), level=line.level, code=line.code,
                                                  message=line.message, appointment_id=line.appointment_id or None)
                                  for line in answer.lines])

    @api.get(ITEM + "/conflicts", response_model=SyncConflictList, responses=problems(403),
             summary="Conflicts the policy decided (fields, policy, winner)")
    async def get_conflicts(connector_id: ConnectorId, limit: Limit = 100) -> SyncConflictList:
        answer = await call(stubs().sync.ListSyncConflicts, pb.ListSyncConflictsRequest(
            connector_id=path_id(connector_id, "connector_id"), limit=limit))
        return SyncConflictList(items=[SyncConflictRead(
            appointment_id=c.appointment_id or None, fields=list(c.fields), policy=c.policy, winner=c.winner,
            detected_at=c.detected_at.ToDatetime(UTC)) for c in answer.conflicts])

    @api.post(ITEM + "/resync", status_code=status.HTTP_202_ACCEPTED, response_model=SyncHealthRead,
              responses=problems(403), summary="Resync: the next run reconciles the whole window (no duplicates)")
    async def resync(connector_id: ConnectorId) -> SyncHealthRead:
        return health_read(await call(stubs().sync.RequestResync, pb.RequestResyncRequest(
            connector_id=path_id(connector_id, "connector_id"))))

    @api.post(ITEM + "/resume", status_code=status.HTTP_202_ACCEPTED, response_model=SyncHealthRead,
              responses=problems(403), summary="Resume a paused mailbox (optionally accepting held deletions)")
    async def resume(connector_id: ConnectorId, body: ResumeBody) -> SyncHealthRead:
        return health_read(await call(stubs().sync.ResumeSync, pb.ResumeSyncRequest(
            connector_id=path_id(connector_id, "connector_id"), accept_deletions=body.accept_deletions)))

    @api.post(ITEM + "/run", status_code=status.HTTP_202_ACCEPTED, response_model=SyncHealthRead,
              responses=problems(403), summary="Sync now: run this mailbox's sync promptly",
              description="Queues a run of this connector's sync instead of waiting for its next poll and "
                          "answers the health as it is now; read GET .../sync for the outcome (last_attempt_at, "
                          "state). A run already in progress is not an error: the queued run follows it. A "
                          "throttled mailbox runs once the groupware's Retry-After (retry_after) has passed. "
                          "Needs the update right on the connector, like resync.")
    async def run_now(connector_id: ConnectorId) -> SyncHealthRead:
        return health_read(await call(stubs().sync.RunSyncNow, pb.RunSyncNowRequest(
            connector_id=path_id(connector_id, "connector_id"))))

    return api


def routers(rt: Runtime) -> list[APIRouter]:
    api = APIRouter(dependencies=[Depends(bearer_principal(lambda: rt.verifier))], responses=PROBLEM_RESPONSES)
    api.include_router(router(lambda: rt.extras["upstreams"]))
    api.include_router(push.router(lambda: rt.extras["upstreams"]))  # /appointments/{id}/sync-push
    return [api]
