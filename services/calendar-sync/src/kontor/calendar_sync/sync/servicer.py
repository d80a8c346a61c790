"""gRPC edge of sync health and actions: the connector's owner (or a manager) reads and acts."""

from __future__ import annotations

import uuid

import grpc

from kontor.platform.contacts_access import Contacts
from kontor.platform.db import Database
from kontor.platform.pagination import parse_uuid
from kontor.protos.calendar.v1 import sync_pb2 as pb
from kontor.protos.calendar.v1 import sync_pb2_grpc as pb_grpc

from kontor.calendar_sync.connectors import service as connectors
from kontor.calendar_sync.edge import authorised, timestamp
from kontor.calendar_sync.sync import hand_push, health, now

CONNECTOR = "connector"
MAX_LINES = 500


def health_to_proto(h: health.Health) -> pb.SyncHealth:
    message = pb.SyncHealth(
        connector_id=str(h.connector_id), state=h.state, healthy=h.healthy, reasons=h.reasons,
        pause_reason=h.pause_reason, last_error=h.last_error, crm_count=h.crm_count,
        remote_count=h.remote_count or 0, reconciled=h.mismatch is not None,
        missing_in_crm=(h.mismatch or {}).get("missing_in_crm", 0),
        missing_remote=(h.mismatch or {}).get("missing_remote", 0), pending_pushes=h.pending_pushes,
        conflicts=h.conflicts, last_counts={k: int(v) for k, v in h.last_counts.items()})
    for name in ("last_success_at", "last_attempt_at", "retry_after", "reconciled_at"):
        value = getattr(h, name)
        if value is not None:
            getattr(message, name).CopyFrom(timestamp(value))
    return message


def _limit(value: int) -> int:
    return min(value, MAX_LINES) if value > 0 else 100


class SyncServicer(pb_grpc.SyncServiceServicer):
    def __init__(self, db: Database, contacts: Contacts, trigger: now.SyncTrigger | None = None):
        self._db, self._contacts, self._trigger = db, contacts, trigger

    async def _connector(self, session, principal, raw: str) -> uuid.UUID:
        connector_id = parse_uuid(raw, "connector_id")
        await connectors.get_connector(session, principal=principal, connector_id=connector_id)  # 404 if not theirs
        return connector_id

    async def GetSyncHealth(self, request, context: grpc.aio.ServicerContext):
        async with authorised(self._db, self._contacts, CONNECTOR, "read") as (session, principal, _):
            cid = await self._connector(session, principal, request.connector_id)
            return health_to_proto(await health.mailbox_health(session, cid))

    async def ListSyncLog(self, request, context):
        async with authorised(self._db, self._contacts, CONNECTOR, "read") as (session, principal, _):
            cid = await self._connector(session, principal, request.connector_id)
            rows = await health.sync_log(session, cid, limit=_limit(request.limit))
            return pb.ListSyncLogResponse(lines=[pb.SyncLogLine(
                at=timestamp(r.at), level=r.level, code=r.code, message=r.message,
                appointment_id=str(r.appointment_id) if r.appointment_id else "") for r in rows])

    async def ListSyncConflicts(self, request, context):
        async with authorised(self._db, self._contacts, CONNECTOR, "read") as (session, principal, _):
            cid = await self._connector(session, principal, request.connector_id)
            rows = await health.recent_conflicts(session, cid, limit=_limit(request.limit))
            return pb.ListSyncConflictsResponse(conflicts=[pb.SyncConflict(
                appointment_id=str(r.appointment_id) if r.appointment_id else "", fields=list(r.fields),
                policy=r.policy, winner=r.winner, detected_at=timestamp(r.detected_at)) for r in rows])

    async def RequestResync(self, request, context):
        async with authorised(self._db, self._contacts, CONNECTOR, "update") as (session, principal, _):
            cid = await self._connector(session, principal, request.connector_id)
            await health.request_resync(session, cid)
            return health_to_proto(await health.mailbox_health(session, cid))

    async def ResumeSync(self, request, context):
        async with authorised(self._db, self._contacts, CONNECTOR, "update") as (session, principal, _):
            cid = await self._connector(session, principal, request.connector_id)
            await health.resume(session, cid, accept_deletions=request.accept_deletions)
            return health_to_proto(await health.mailbox_health(session, cid))

    async def RunSyncNow(self, request, context):
        async with authorised(self._db, self._contacts, CONNECTOR, "update") as (session, principal, _):
            cid = await self._connector(session, principal, request.connector_id)
            wait = await now.request_run(session, cid)  # due for beat too: a lost task delays, never drops
            answer = health_to_proto(await health.mailbox_health(session, cid))
            tenant_id = principal.tenant_id
        # Queued after the commit, so the task sees the due mark; a run in progress is no error (it retries).
        if self._trigger is not None:
            await self._trigger.request(tenant_id, cid, countdown=wait)
        return answer

    async def PushAppointment(self, request, context):
        appointment_id = parse_uuid(request.appointment_id, "appointment_id")
        wanted = parse_uuid(request.connector_id, "connector_id") if request.connector_id else None
        async with authorised(self._db, self._contacts, CONNECTOR, "update") as (session, principal, _):
            queued = await hand_push.push_by_hand(session, principal=principal, appointment_id=appointment_id,
                                                  connector_id=wanted)
            waits = {cid: await now.request_run(session, cid) for cid in queued}
            tenant_id = principal.tenant_id
        if self._trigger is not None:  # after the commit: the run finds the queued push
            for cid, wait in waits.items():
                await self._trigger.request(tenant_id, cid, countdown=wait)
        return pb.PushAppointmentResponse(appointment_id=str(appointment_id),
                                          connector_ids=[str(cid) for cid in queued])


def register(server: grpc.aio.Server, db: Database, contacts: Contacts,
             trigger: now.SyncTrigger | None = None) -> list[str]:
    pb_grpc.add_SyncServiceServicer_to_server(SyncServicer(db, contacts, trigger), server)
    return [pb.DESCRIPTOR.services_by_name["SyncService"].full_name]
