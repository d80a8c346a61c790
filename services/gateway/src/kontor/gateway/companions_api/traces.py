"""/api/v1/companies/{id}/traces, /api/v1/users/{id}/traces and /api/v1/trace-settings."""

from __future__ import annotations

import json
from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, Path, Response

from kontor.platform.grpc_client import call
from kontor.protos.contacts.v1 import companions_pb2

from kontor.gateway.contacts_api.companies import CompanyId, PageSize, PageToken
from kontor.gateway.contacts_api.http_edge import IfMatch, expected_version, path_id, problems, set_etag
from kontor.gateway.companions_api.schemas import TracePage, TraceRead, TraceSettingsRead, TraceSettingsWrite

UserId = Annotated[str, Path(max_length=200, description="Id of the employee (user)")]


def _trace_read(t: companions_pb2.Trace) -> TraceRead:
    return TraceRead(id=t.id, company_id=t.company_id, event_type=t.event_type, record_type=t.record_type,
                     record_id=t.record_id, actor=t.actor, details=json.loads(t.details_json or "{}"),
                     occurred_at=t.occurred_at.ToDatetime(UTC))


def _page(page: companions_pb2.ListTracesResponse) -> TracePage:
    return TracePage(items=[_trace_read(t) for t in page.traces], next_page_token=page.next_page_token)


def _settings(settings: companions_pb2.TraceSettings, response: Response) -> TraceSettingsRead:
    set_etag(response, settings.version)
    return TraceSettingsRead(enabled_event_types=list(settings.enabled_event_types),
                             available_event_types=list(settings.available_event_types), version=settings.version)


def routers(traces) -> list[APIRouter]:
    """``traces`` returns the TraceService stub."""
    api = APIRouter(prefix="/api/v1", tags=["traces"])

    @api.get("/companies/{company_id}/traces", response_model=TracePage, responses=problems(403),
             summary="The traced events of a company, newest first")
    async def company_traces(company_id: CompanyId, page_size: PageSize = 50, page_token: PageToken = "") -> TracePage:
        return _page(await call(traces().ListCompanyTraces, companions_pb2.ListCompanyTracesRequest(
            company_id=path_id(company_id, "company_id"), page_size=page_size, page_token=page_token)))

    @api.get("/users/{user_id}/traces", response_model=TracePage, responses=problems(403),
             summary="The traced events an employee caused, newest first")
    async def user_traces(user_id: UserId, page_size: PageSize = 50, page_token: PageToken = "") -> TracePage:
        return _page(await call(traces().ListUserTraces, companions_pb2.ListUserTracesRequest(
            user_id=user_id, page_size=page_size, page_token=page_token)))

    @api.get("/trace-settings", response_model=TraceSettingsRead, responses=problems(403),
             summary="Which event types your tenant traces")
    async def get_settings(response: Response) -> TraceSettingsRead:
        return _settings(await call(traces().GetTraceSettings, companions_pb2.GetTraceSettingsRequest()), response)

    # The defaults have version 0 ("0" is their ETag); every other value follows the usual If-Match rules.
    @api.put("/trace-settings", response_model=TraceSettingsRead, responses=problems(403, 412, 428),
             summary="Choose the traced event types (If-Match required; \"0\" while on the defaults)")
    async def put_settings(body: TraceSettingsWrite, response: Response,
                           if_match: IfMatch = None) -> TraceSettingsRead:
        request = companions_pb2.UpdateTraceSettingsRequest(
            enabled_event_types=body.enabled_event_types, expected_version=expected_version(if_match, lowest=0))
        return _settings(await call(traces().UpdateTraceSettings, request), response)

    return [api]
