"""Connector settings: /api/v1/me/connectors (yours), /api/v1/users/{user_id}/connectors (managers, or yourself),
/api/v1/connectors/{connector_id} (yours, or anyone's for managers)."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from kontor.platform.grpc_client import call
from kontor.protos.calendar.v1 import connectors_pb2 as pb

from kontor.gateway.connectors_api.schemas import (
    CategoryMapping, ConnectorCreate, ConnectorList, ConnectorRead, ConnectorUpdate, WorkingHours,
)
from kontor.gateway.contacts_api.http_edge import IfMatch, expected_version, path_id, problems, set_etag

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ITEM = "/api/v1/connectors"
ConnectorId = Annotated[str, Path(description="UUID of the connector; anything else answers 422 naming connector_id")]
UserId = Annotated[str, Path(description="UUID of the user; anything else answers 422 naming user_id")]
_SCALARS = ("enabled", "mailbox", "display_name", "direction", "window_past_days", "window_future_days",
            "conflict_policy", "deletion_policy", "delete_private_after_days")


def working_hours_pb(value: WorkingHours) -> pb.WorkingHours:
    return pb.WorkingHours(time_zone=value.time_zone, days={
        day: pb.DayIntervals(intervals=[pb.TimeInterval(start=i.start, end=i.end) for i in getattr(value, day)])
        for day in WEEKDAYS if getattr(value, day)})


def fields_pb(body: ConnectorCreate | ConnectorUpdate, sent: set[str]) -> pb.ConnectorFields:
    """The fields the client sent (a create sends its defaults too)."""
    fields = pb.ConnectorFields(**{name: getattr(body, name) for name in _SCALARS
                                   if name in sent and getattr(body, name) is not None})
    if "working_hours" in sent:
        if body.working_hours is None:
            fields.clear_working_hours = True
        else:
            fields.working_hours.CopyFrom(working_hours_pb(body.working_hours))
    if "skip_statuses" in sent and body.skip_statuses is not None:
        fields.skip_statuses.items.extend(body.skip_statuses)
        fields.skip_statuses.SetInParent()
    if "category_mappings" in sent and body.category_mappings is not None:
        fields.category_mappings.SetInParent()
        fields.category_mappings.items.extend(pb.CategoryMapping(crm_category=m.crm_category,
                                                                 groupware_category=m.groupware_category)
                                              for m in body.category_mappings)
    return fields


def connector_read(c: pb.Connector) -> ConnectorRead:
    hours = None
    if c.HasField("working_hours"):
        hours = WorkingHours(time_zone=c.working_hours.time_zone, **{
            day: [{"start": i.start, "end": i.end} for i in c.working_hours.days[day].intervals]
            for day in c.working_hours.days})
    return ConnectorRead(
        id=c.id, user_id=c.user_id, server_id=c.server_id, kind=c.kind, mailbox=c.mailbox,
        display_name=c.display_name, enabled=c.enabled, direction=c.direction, window_past_days=c.window_past_days,
        window_future_days=c.window_future_days, working_hours=hours, skip_statuses=list(c.skip_statuses),
        category_mappings=[CategoryMapping(crm_category=m.crm_category, groupware_category=m.groupware_category)
                           for m in c.category_mappings],
        conflict_policy=c.conflict_policy, deletion_policy=c.deletion_policy,
        delete_private_after_days=c.delete_private_after_days, needs_reauthorisation=c.needs_reauthorisation, version=c.version, created_by=c.created_by,
        created_at=c.created_at.ToDatetime(UTC), updated_at=c.updated_at.ToDatetime(UTC),
    )


def _answer(connector: pb.Connector, response: Response) -> ConnectorRead:
    set_etag(response, connector.version)
    return connector_read(connector)


def router(stubs) -> APIRouter:
    api = APIRouter(tags=["connectors"])

    async def create(user_id: str, body: ConnectorCreate, response: Response) -> ConnectorRead:
        sent = set(ConnectorCreate.model_fields) - {"server_id", "kind"}  # a create sets every field
        created = await call(stubs().connectors.CreateConnector, pb.CreateConnectorRequest(
            user_id=user_id, server_id=path_id(body.server_id, "server_id"), kind=body.kind,
            fields=fields_pb(body, sent)))
        response.headers["Location"] = f"{ITEM}/{created.id}"
        return _answer(created, response)

    async def listing(user_id: str) -> ConnectorList:
        answer = await call(stubs().connectors.ListConnectors, pb.ListConnectorsRequest(user_id=user_id))
        return ConnectorList(items=[connector_read(c) for c in answer.connectors])

    @api.get("/api/v1/me/connectors", response_model=ConnectorList, responses=problems(403),
             summary="Your connectors: your own mailbox per server, and other calendars you registered")
    async def my_connectors() -> ConnectorList:
        return await listing("")

    @api.post("/api/v1/me/connectors", status_code=status.HTTP_201_CREATED, response_model=ConnectorRead,
              responses=problems(403, 409), summary="Connect your mailbox on a server (other calendars: managers)")
    async def create_my_connector(body: ConnectorCreate, response: Response) -> ConnectorRead:
        return await create("", body, response)

    @api.get("/api/v1/users/{user_id}/connectors", response_model=ConnectorList, responses=problems(403),
             summary="A user's connectors (managers, or the user)")
    async def user_connectors(user_id: UserId) -> ConnectorList:
        return await listing(path_id(user_id, "user_id"))

    @api.post("/api/v1/users/{user_id}/connectors", status_code=status.HTTP_201_CREATED,
              response_model=ConnectorRead, responses=problems(403, 409),
              summary="Connect a user's mailbox (managers, or the user)")
    async def create_user_connector(user_id: UserId, body: ConnectorCreate, response: Response) -> ConnectorRead:
        return await create(path_id(user_id, "user_id"), body, response)

    @api.get(ITEM + "/{connector_id}", response_model=ConnectorRead, responses=problems(403),
             summary="Read a connector (yours; managers: anyone's)")
    async def get_connector(connector_id: ConnectorId, response: Response) -> ConnectorRead:
        return _answer(await call(stubs().connectors.GetConnector, pb.GetConnectorRequest(
            id=path_id(connector_id, "connector_id"))), response)

    @api.patch(ITEM + "/{connector_id}", response_model=ConnectorRead, responses=problems(403, 409, 412, 428),
               summary="Change a connector's settings (only the fields sent; If-Match required)")
    async def update_connector(connector_id: ConnectorId, body: ConnectorUpdate, response: Response,
                               if_match: IfMatch = None) -> ConnectorRead:
        return _answer(await call(stubs().connectors.UpdateConnector, pb.UpdateConnectorRequest(
            id=path_id(connector_id, "connector_id"), expected_version=expected_version(if_match),
            fields=fields_pb(body, body.model_fields_set))), response)

    @api.delete(ITEM + "/{connector_id}", status_code=status.HTTP_204_NO_CONTENT,
                responses=problems(403, 412, 428), summary="Disconnect a mailbox (If-Match required)")
    async def delete_connector(connector_id: ConnectorId, if_match: IfMatch = None) -> Response:
        await call(stubs().connectors.DeleteConnector, pb.DeleteConnectorRequest(
            id=path_id(connector_id, "connector_id"), expected_version=expected_version(if_match)))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return api
