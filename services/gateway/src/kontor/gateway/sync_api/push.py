"""POST /api/v1/appointments/{id}/sync-push: push one appointment to the groupware by hand.

An action on the appointment (the user looks at an appointment the sync left out, e.g. outside working
hours, and sends it to Outlook), so it sits under the appointment; calendar-sync's SyncService decides.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, ConfigDict, Field

from kontor.platform.grpc_client import call
from kontor.protos.calendar.v1 import sync_pb2 as pb

from kontor.gateway.contacts_api.http_edge import path_id, problems

ITEM = "/api/v1/appointments/{appointment_id}/sync-push"
AppointmentId = Annotated[str, Path(description="UUID of the appointment; anything else answers 422 naming "
                                                "appointment_id")]


class SyncPushBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connector_id: str | None = Field(default=None, description="Only this connector of the appointment's owner "
                                     "(UUID); left out: every enabled connector of the owner that writes to the "
                                     "groupware")


class SyncPushRead(BaseModel):
    appointment_id: str
    connector_ids: list[str] = Field(description="The connectors (mailboxes) whose next run, queued now, creates "
                                                 "or updates the event")


def router(stubs) -> APIRouter:
    api = APIRouter(tags=["calendar"])

    @api.post(ITEM, status_code=status.HTTP_202_ACCEPTED, response_model=SyncPushRead, responses=problems(403),
              summary="Push one appointment to the groupware by hand (also outside working hours)",
              description="Sync leaves out appointments outside the connector's working hours and time window; "
                          "this sends one of them anyway, into the owner's mailbox(es). Only the appointment's "
                          "owner or an org manager may (and the role needs the update right on connectors); "
                          "another tenant's appointment answers 404. Refused with 422 naming the field: an "
                          "appointment marked \"don't sync\" or in a status the connector skips (appointment_id), "
                          "or no enabled connector of the owner that writes to the groupware (connector_id). "
                          "The runs are queued at once; GET /connectors/{id}/sync/log shows the result.")
    async def sync_push(appointment_id: AppointmentId, body: SyncPushBody | None = None) -> SyncPushRead:
        connector_id = body.connector_id if body is not None else None
        answer = await call(stubs().sync.PushAppointment, pb.PushAppointmentRequest(
            appointment_id=path_id(appointment_id, "appointment_id"),
            connector_id=path_id(connector_id, "connector_id") if connector_id else ""))
        return SyncPushRead(appointment_id=answer.appointment_id, connector_ids=list(answer.connector_ids))

    return api
