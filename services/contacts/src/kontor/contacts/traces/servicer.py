"""gRPC edge of traces and the tenant's trace settings."""

import json

import grpc

from kontor.platform.db import Database
from kontor.platform.errors import InvalidArgument
from kontor.platform.pagination import parse_uuid
from kontor.protos.contacts.v1 import companions_pb2, companions_pb2_grpc

from kontor.contacts.edge import authorised, timestamp
from kontor.contacts.traces import service
from kontor.contacts.traces.models import Trace

ENTITY = "trace"


def to_proto(trace: Trace) -> companions_pb2.Trace:
    return companions_pb2.Trace(
        id=str(trace.id), company_id=str(trace.company_id), event_type=trace.event_type,
        record_type=trace.record_type, record_id=trace.record_id, actor=trace.actor,
        details_json=json.dumps(trace.details, sort_keys=True), occurred_at=timestamp(trace.occurred_at),
    )


def _settings(enabled: tuple[str, ...], version: int) -> companions_pb2.TraceSettings:
    return companions_pb2.TraceSettings(enabled_event_types=enabled, version=version,
                                        available_event_types=service.AVAILABLE_EVENT_TYPES)


def _page(rows: list[Trace], next_token: str) -> companions_pb2.ListTracesResponse:
    return companions_pb2.ListTracesResponse(traces=[to_proto(t) for t in rows], next_page_token=next_token)


def _user_id(value: str) -> str:
    # A token subject: a user's id, but not necessarily a UUID (service principals, imported users).
    if not value.strip() or len(value) > 200:
        raise InvalidArgument("user_id", "must be the id of an employee (1 to 200 characters)")
    return value.strip()


class TraceServicer(companions_pb2_grpc.TraceServiceServicer):
    def __init__(self, db: Database):
        self._db = db

    async def ListCompanyTraces(self, request, context: grpc.aio.ServicerContext):
        company_id = parse_uuid(request.company_id, "company_id")
        async with authorised(self._db, ENTITY, "read") as (session, principal):
            return _page(*await service.list_company_traces(
                session, principal=principal, company_id=company_id, page_size=request.page_size,
                page_token=request.page_token,
            ))

    async def ListUserTraces(self, request, context):
        user_id = _user_id(request.user_id)
        async with authorised(self._db, ENTITY, "read") as (session, principal):
            return _page(*await service.list_user_traces(
                session, principal=principal, user_id=user_id, page_size=request.page_size,
                page_token=request.page_token,
            ))

    async def GetTraceSettings(self, request, context):
        async with authorised(self._db, ENTITY, "read") as (session, _):
            return _settings(*await service.enabled_event_types(session))

    async def UpdateTraceSettings(self, request, context):
        async with authorised(self._db, ENTITY, "update") as (session, principal):
            return _settings(*await service.update_settings(
                session, principal=principal, event_types=list(request.enabled_event_types),
                expected_version=request.expected_version,
            ))


def register(server: grpc.aio.Server, db: Database) -> list[str]:
    companions_pb2_grpc.add_TraceServiceServicer_to_server(TraceServicer(db), server)
    return [companions_pb2.DESCRIPTOR.services_by_name["TraceService"].full_name]
