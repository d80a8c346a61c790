"""/api/v1/followups: dated reminders on companies and contact persons."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from google.protobuf.timestamp_pb2 import Timestamp

from kontor.platform.grpc_client import call
from kontor.protos.contacts.v1 import dashboard_pb2

from kontor.gateway.contacts_api.companies import PageSize, PageToken
from kontor.gateway.contacts_api.http_edge import IfMatch, expected_version, path_id, problems, set_etag
from kontor.gateway.dashboard_api.schemas import FollowUpCreate, FollowUpPage, FollowUpRead, Instant, RecordType

COLLECTION = "/api/v1/followups"
FollowUpId = Annotated[str, Path(description="UUID of the follow-up; anything else answers 422 naming follow_up_id")]


def timestamp(value: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(value.astimezone(UTC))
    return ts


def follow_up_read(f: dashboard_pb2.FollowUp) -> FollowUpRead:
    return FollowUpRead(id=f.id, record_type=f.record_type, record_id=f.record_id, assignee_id=f.assignee_id,
                        note=f.note, due_at=f.due_at.ToDatetime(UTC), time_zone=f.time_zone, done=f.done,
                        done_at=f.done_at.ToDatetime(UTC) if f.HasField("done_at") else None, done_by=f.done_by,
                        created_by=f.created_by, version=f.version, created_at=f.created_at.ToDatetime(UTC))


def _answer(follow_up: dashboard_pb2.FollowUp, response: Response) -> FollowUpRead:
    set_etag(response, follow_up.version)
    return follow_up_read(follow_up)


def router(stubs) -> APIRouter:
    api = APIRouter(prefix=COLLECTION, tags=["follow-ups"])

    @api.post("", status_code=status.HTTP_201_CREATED, response_model=FollowUpRead, responses=problems(403),
              summary="Set a follow-up on a company or contact person you may see (for you or a colleague)")
    async def create_follow_up(body: FollowUpCreate, response: Response) -> FollowUpRead:
        created = await call(stubs().followups.CreateFollowUp, dashboard_pb2.CreateFollowUpRequest(
            record_type=body.record_type, record_id=path_id(body.record_id, "record_id"),
            assignee_id=path_id(body.assignee_id, "assignee_id") if body.assignee_id else "", note=body.note,
            due_at=timestamp(body.due_at), time_zone=body.time_zone))
        response.headers["Location"] = f"{COLLECTION}/{created.id}"
        return _answer(created, response)

    @api.get("", response_model=FollowUpPage, responses=problems(403),
             summary="Follow-ups on records you may see, earliest due first (open ones unless include_done)")
    async def list_follow_ups(
        mine: Annotated[bool, Query(description="Only yours (you are the assignee)")] = False,
        assignee_id: Annotated[str, Query(description="Only this employee's (ignored with mine)")] = "",
        record_type: Annotated[RecordType | None, Query(description="With record_id: one record's")] = None,
        record_id: Annotated[str, Query(description="UUID of the company or contact person")] = "",
        due_before: Annotated[Instant | None, Query(description="Only those due before this instant")] = None,
        include_done: Annotated[bool, Query(description="Completed ones too")] = False,
        page_size: PageSize = 50, page_token: PageToken = "",
    ) -> FollowUpPage:
        request = dashboard_pb2.ListFollowUpsRequest(
            mine=mine, assignee_id=path_id(assignee_id, "assignee_id") if assignee_id else "",
            record_type=record_type or "", record_id=path_id(record_id, "record_id") if record_id else "",
            include_done=include_done, page_size=page_size, page_token=page_token)
        if due_before is not None:
            request.due_before.CopyFrom(timestamp(due_before))
        page = await call(stubs().followups.ListFollowUps, request)
        return FollowUpPage(items=[follow_up_read(f) for f in page.follow_ups], next_page_token=page.next_page_token)

    @api.get("/{follow_up_id}", response_model=FollowUpRead, responses=problems(403), summary="Read a follow-up")
    async def get_follow_up(follow_up_id: FollowUpId, response: Response) -> FollowUpRead:
        return _answer(await call(stubs().followups.GetFollowUp, dashboard_pb2.GetFollowUpRequest(
            id=path_id(follow_up_id, "follow_up_id"))), response)

    @api.post("/{follow_up_id}/complete", response_model=FollowUpRead, responses=problems(403, 412, 428),
              summary="Mark a follow-up done (its assignee, creator or a manager; If-Match required)")
    async def complete_follow_up(follow_up_id: FollowUpId, response: Response,
                                 if_match: IfMatch = None) -> FollowUpRead:
        return _answer(await call(stubs().followups.CompleteFollowUp, dashboard_pb2.CompleteFollowUpRequest(
            id=path_id(follow_up_id, "follow_up_id"), expected_version=expected_version(if_match))), response)

    @api.delete("/{follow_up_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(403, 412, 428),
                summary="Delete a follow-up (its assignee, creator or a manager; If-Match required)")
    async def delete_follow_up(follow_up_id: FollowUpId, if_match: IfMatch = None) -> Response:
        await call(stubs().followups.DeleteFollowUp, dashboard_pb2.DeleteFollowUpRequest(
            id=path_id(follow_up_id, "follow_up_id"), expected_version=expected_version(if_match)))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return api
