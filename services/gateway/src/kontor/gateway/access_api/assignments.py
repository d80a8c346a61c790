"""/api/v1/companies/{id}/assignments, /api/v1/persons/{id}/assignments, /api/v1/assignment-rules and
/api/v1/access/check."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from google.protobuf.empty_pb2 import Empty

from kontor.platform.grpc_client import call
from kontor.protos.contacts.v1 import access_pb2

from kontor.gateway.access_api.schemas import (
    Action, AssignmentCreate, AssignmentList, AssignmentRead, AssignmentRole, CheckAccessRead, RecordRef, RecordType,
    RuleList, RuleRead, RuleWrite,
)
from kontor.gateway.contacts_api.http_edge import IfMatch, expected_version, path_id, problems, set_etag

RecordId = Annotated[str, Path(description="UUID of the record; anything else answers 422 naming record_id")]
# REST collection -> the record type the access API speaks of.
COLLECTIONS = {"companies": "company", "persons": "contact_person"}


def assignment_read(a: access_pb2.Assignment) -> AssignmentRead:
    return AssignmentRead(id=a.id, record=RecordRef(type=a.record.type, id=a.record.id), user_id=a.user_id,
                          role=a.role, rule_id=a.rule_id, created_at=a.created_at.ToDatetime(UTC))


def rule_read(r: access_pb2.AssignmentRule) -> RuleRead:
    return RuleRead(id=r.id, name=r.name, priority=r.priority, kind=r.kind, role=r.role,
                    postal_code_from=r.postal_code_from, postal_code_to=r.postal_code_to, values=list(r.values),
                    user_id=r.user_id, team_id=r.team_id, version=r.version)


def _record(record_type: str, record_id: str) -> access_pb2.RecordRef:
    return access_pb2.RecordRef(type=record_type, id=path_id(record_id, "record_id"))


def _assignment_routes(api: APIRouter, collection: str, record_type: str, stubs) -> None:
    base = f"/{collection}/{{record_id}}/assignments"
    tag = [collection]

    @api.get(base, response_model=AssignmentList, tags=tag, responses=problems(403),
             summary=f"Employees assigned to one of the {collection}", name=f"list_{record_type}_assignments")
    async def list_assignments(record_id: RecordId) -> AssignmentList:
        found = await call(stubs().assignments.ListAssignments,
                           access_pb2.ListAssignmentsRequest(record=_record(record_type, record_id)))
        return AssignmentList(items=[assignment_read(a) for a in found.assignments])

    @api.post(base, status_code=status.HTTP_201_CREATED, response_model=AssignmentRead, tags=tag,
              responses=problems(403, 409), summary="Assign an employee in a role (the assignee is notified)",
              name=f"assign_{record_type}")
    async def assign(record_id: RecordId, body: AssignmentCreate) -> AssignmentRead:
        request = access_pb2.AssignRequest(record=_record(record_type, record_id),
                                           user_id=path_id(body.user_id, "user_id"), role=body.role)
        return assignment_read(await call(stubs().assignments.Assign, request))

    @api.delete(f"{base}/{{user_id}}/{{role}}", status_code=status.HTTP_204_NO_CONTENT, tags=tag,
                responses=problems(403), summary="Remove an employee's assignment in a role",
                name=f"unassign_{record_type}")
    async def unassign(record_id: RecordId, user_id: str, role: AssignmentRole) -> Response:
        request = access_pb2.UnassignRequest(record=_record(record_type, record_id),
                                             user_id=path_id(user_id, "user_id"), role=role)
        await call(stubs().assignments.Unassign, request)
        return Response(status_code=status.HTTP_204_NO_CONTENT)


def _rule_proto(body: RuleWrite, **extra) -> access_pb2.AssignmentRule:
    return access_pb2.AssignmentRule(**body.model_dump(), **extra)


def router(stubs) -> APIRouter:
    """``stubs`` returns the Upstreams (resolved per request: upstreams connect at start-up)."""
    api = APIRouter(prefix="/api/v1")
    for collection, record_type in COLLECTIONS.items():
        _assignment_routes(api, collection, record_type, stubs)

    rules = APIRouter(prefix="/assignment-rules", tags=["assignment rules"])

    @rules.get("", response_model=RuleList, responses=problems(403), summary="The tenant's rules by priority")
    async def list_rules() -> RuleList:
        found = await call(stubs().rules.ListRules, Empty())
        return RuleList(items=[rule_read(r) for r in found.rules])

    @rules.post("", status_code=status.HTTP_201_CREATED, response_model=RuleRead, responses=problems(403, 409),
                summary="Add an automatic assignment rule")
    async def create_rule(body: RuleWrite, response: Response) -> RuleRead:
        created = await call(stubs().rules.CreateRule, _rule_proto(body))
        set_etag(response, created.version)
        return rule_read(created)

    @rules.put("/{rule_id}", response_model=RuleRead, responses=problems(403, 409, 412, 428),
               summary="Replace a rule (If-Match: its version)")
    async def update_rule(rule_id: str, body: RuleWrite, response: Response, if_match: IfMatch = None) -> RuleRead:
        request = _rule_proto(body, id=path_id(rule_id, "rule_id"), version=expected_version(if_match))
        updated = await call(stubs().rules.UpdateRule, request)
        set_etag(response, updated.version)
        return rule_read(updated)

    @rules.delete("/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(403, 412, 428),
                  summary="Delete a rule (If-Match: its version)")
    async def delete_rule(rule_id: str, if_match: IfMatch = None) -> Response:
        request = access_pb2.DeleteRuleRequest(id=path_id(rule_id, "rule_id"),
                                               expected_version=expected_version(if_match))
        await call(stubs().rules.DeleteRule, request)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    api.include_router(rules)

    @api.get("/access/check", response_model=CheckAccessRead, tags=["access"],
             summary="May I do this to that record? (for UIs; invisible records answer reason not_found)")
    async def check_access(action: Annotated[Action, Query()], type: Annotated[RecordType, Query()],
                           id: Annotated[str, Query(max_length=36)]) -> CheckAccessRead:
        request = access_pb2.CheckAccessRequest(action=action, resource=access_pb2.RecordRef(
            type=type, id=path_id(id, "id")))
        answer = await call(stubs().access.CheckAccess, request)
        return CheckAccessRead(allowed=answer.allowed, reason=answer.reason)

    return api
