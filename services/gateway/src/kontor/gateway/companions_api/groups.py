"""/api/v1/groups: customer groups, static (explicit members) or dynamic (a rule evaluated when read)."""

from __future__ import annotations

from datetime import UTC

from fastapi import APIRouter, Response, status

from kontor.platform.grpc_client import call
from kontor.protos.contacts.v1 import companions_pb2

from kontor.gateway.contacts_api.companies import PageSize, PageToken
from kontor.gateway.contacts_api.http_edge import IfMatch, expected_version, path_id, problems, set_etag
from kontor.gateway.companions_api.members import ListId, member_routes
from kontor.gateway.companions_api.schemas import (
    GroupCreate, GroupPage, GroupRead, GroupRule, GroupUpdate, RuleCondition,
)

COLLECTION = "/api/v1/groups"


def _group_read(g: companions_pb2.Group) -> GroupRead:
    rule = None
    if g.kind == "dynamic":
        rule = GroupRule(conditions=[RuleCondition(field=c.field, op=c.op, value=c.value)
                                     for c in g.rule.conditions])
    return GroupRead(id=g.id, name=g.name, kind=g.kind, rule=rule, owner=g.owner, version=g.version,
                     created_at=g.created_at.ToDatetime(UTC), updated_at=g.updated_at.ToDatetime(UTC))


def _rule(rule: GroupRule) -> companions_pb2.GroupRule:
    return companions_pb2.GroupRule(conditions=[companions_pb2.RuleCondition(**c.model_dump())
                                                for c in rule.conditions])


def router(groups) -> APIRouter:
    """``groups`` returns the GroupService stub."""
    api = APIRouter(prefix=COLLECTION, tags=["groups"])

    @api.post("", status_code=status.HTTP_201_CREATED, response_model=GroupRead, responses=problems(403),
              summary="Create a customer group",
              description="A dynamic group's rule is checked strictly: 422 names the field, e.g. "
              "rule.conditions[1].field.")
    async def create_group(body: GroupCreate, response: Response) -> GroupRead:
        request = companions_pb2.CreateGroupRequest(name=body.name, kind=body.kind)
        if body.rule is not None:
            request.rule.CopyFrom(_rule(body.rule))
        group = await call(groups().CreateGroup, request)
        response.headers["Location"] = f"{COLLECTION}/{group.id}"
        set_etag(response, group.version)
        return _group_read(group)

    @api.get("", response_model=GroupPage, responses=problems(403), summary="Customer groups, by name")
    async def list_groups(page_size: PageSize = 50, page_token: PageToken = "") -> GroupPage:
        page = await call(groups().ListGroups, companions_pb2.ListGroupsRequest(page_size=page_size,
                                                                                page_token=page_token))
        return GroupPage(items=[_group_read(g) for g in page.groups], next_page_token=page.next_page_token)

    @api.get("/{id}", response_model=GroupRead, responses=problems(403), summary="Read a customer group")
    async def get_group(id: ListId, response: Response) -> GroupRead:  # noqa: A002
        group = await call(groups().GetGroup, companions_pb2.GetGroupRequest(id=path_id(id, "id")))
        set_etag(response, group.version)
        return _group_read(group)

    @api.patch("/{id}", response_model=GroupRead, responses=problems(403, 412, 428),
               summary="Rename a group or replace a dynamic group's rule (If-Match required)")
    async def update_group(id: ListId, body: GroupUpdate, response: Response,  # noqa: A002
                           if_match: IfMatch = None) -> GroupRead:
        request = companions_pb2.UpdateGroupRequest(id=path_id(id, "id"), expected_version=expected_version(if_match))
        if body.name is not None:
            request.name = body.name
        if body.rule is not None:
            request.rule.CopyFrom(_rule(body.rule))
        group = await call(groups().UpdateGroup, request)
        set_etag(response, group.version)
        return _group_read(group)

    @api.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(403, 412, 428),
                summary="Delete a customer group (the companies stay)")
    async def delete_group(id: ListId, if_match: IfMatch = None) -> Response:  # noqa: A002
        await call(groups().DeleteGroup, companions_pb2.DeleteGroupRequest(
            id=path_id(id, "id"), expected_version=expected_version(if_match)))
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    member_routes(api, what="group", stub=groups, rpc_prefix="Group", request_type=companions_pb2.GroupMemberRequest,
                  list_field="group_id")
    return api
