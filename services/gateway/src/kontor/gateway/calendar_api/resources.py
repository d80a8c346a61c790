"""/api/v1/resources: rooms and equipment that appointments book."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from kontor.platform.grpc_client import call
from kontor.protos.calendar.v1 import calendar_pb2

from kontor.gateway.calendar_api.convert import resource_read
from kontor.gateway.calendar_api.schemas import ResourceCreate, ResourcePage, ResourceRead, ResourceUpdate
from kontor.gateway.contacts_api.companies import PageSize, PageToken
from kontor.gateway.contacts_api.http_edge import IfMatch, expected_version, path_id, problems, set_etag

COLLECTION = "/api/v1/resources"
ResourceId = Annotated[str, Path(description="UUID of the resource; anything else answers 422 naming resource_id")]


def _answer(resource: calendar_pb2.Resource, response: Response) -> ResourceRead:
    set_etag(response, resource.version)
    return resource_read(resource)


def _fields(body: ResourceCreate | ResourceUpdate) -> calendar_pb2.ResourceFields:
    return calendar_pb2.ResourceFields(**{name: getattr(body, name) for name in body.model_fields_set
                                          if getattr(body, name) is not None})


def router(stubs) -> APIRouter:
    api = APIRouter(prefix=COLLECTION, tags=["resources"])

    @api.post("", status_code=status.HTTP_201_CREATED, response_model=ResourceRead, responses=problems(403),
              summary="Add a room or piece of equipment by hand")
    async def create_resource(body: ResourceCreate, response: Response) -> ResourceRead:
        created = await call(stubs().resources.CreateResource, calendar_pb2.CreateResourceRequest(
            fields=calendar_pb2.ResourceFields(**body.model_dump())))
        response.headers["Location"] = f"{COLLECTION}/{created.id}"
        return _answer(created, response)

    @api.get("", response_model=ResourcePage, responses=problems(403), summary="Rooms and equipment, newest first")
    async def list_resources(
        kind: Annotated[str, Query(pattern="^(|room|equipment)$", description="room or equipment; empty: both")] = "",
        page_size: PageSize = 50, page_token: PageToken = "",
    ) -> ResourcePage:
        page = await call(stubs().resources.ListResources, calendar_pb2.ListResourcesRequest(
            kind=kind, page_size=page_size, page_token=page_token))
        return ResourcePage(items=[resource_read(r) for r in page.resources], next_page_token=page.next_page_token)

    @api.get("/{resource_id}", response_model=ResourceRead, responses=problems(403), summary="Read a resource")
    async def get_resource(resource_id: ResourceId, response: Response) -> ResourceRead:
        return _answer(await call(stubs().resources.GetResource, calendar_pb2.GetResourceRequest(
            id=path_id(resource_id, "resource_id"))), response)

    @api.patch("/{resource_id}", response_model=ResourceRead, responses=problems(403, 409, 412, 428),
               summary="Change a resource (imported ones: only allow_double_booking; If-Match)")
    async def update_resource(resource_id: ResourceId, body: ResourceUpdate, response: Response,
                              if_match: IfMatch = None) -> ResourceRead:
        return _answer(await call(stubs().resources.UpdateResource, calendar_pb2.UpdateResourceRequest(
            id=path_id(resource_id, "resource_id"), expected_version=expected_version(if_match),
            fields=_fields(body))), response)

    @api.delete("/{resource_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(403, 409, 412, 428),
                summary="Delete a resource (409 while coming appointments book it; If-Match)")
    async def delete_resource(resource_id: ResourceId, if_match: IfMatch = None) -> Response:
        await call(stubs().resources.DeleteResource, calendar_pb2.DeleteResourceRequest(
            id=path_id(resource_id, "resource_id"), expected_version=expected_version(if_match)))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return api
