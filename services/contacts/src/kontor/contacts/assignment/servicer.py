"""gRPC edge of assignments and assignment rules."""

import uuid

import grpc
from google.protobuf.empty_pb2 import Empty

from kontor.platform.db import Database
from kontor.platform.pagination import parse_uuid
from kontor.protos.contacts.v1 import access_pb2, access_pb2_grpc

from kontor.contacts.assignment import rules, service
from kontor.contacts.assignment.models import Assignment, AssignmentRule
from kontor.contacts.assignment.schemas import AssignmentInput, RuleInput
from kontor.contacts.edge import authorised, timestamp


def to_proto(assignment: Assignment) -> access_pb2.Assignment:
    return access_pb2.Assignment(
        id=str(assignment.id), record=access_pb2.RecordRef(type=assignment.record_type, id=str(assignment.record_id)),
        user_id=str(assignment.user_id), role=assignment.role, rule_id=str(assignment.rule_id or ""),
        created_at=timestamp(assignment.created_at),
    )


def rule_to_proto(rule: AssignmentRule) -> access_pb2.AssignmentRule:
    return access_pb2.AssignmentRule(
        id=str(rule.id), name=rule.name, priority=rule.priority, kind=rule.kind, role=rule.role,
        postal_code_from=rule.postal_code_from, postal_code_to=rule.postal_code_to, values=rule.values,
        user_id=str(rule.user_id or ""), team_id=str(rule.team_id or ""), version=rule.version,
    )


def _optional_uuid(value: str, field: str) -> uuid.UUID | None:
    return parse_uuid(value, field) if value else None


def rule_from_proto(request: access_pb2.AssignmentRule) -> RuleInput:
    return RuleInput(
        name=request.name, priority=request.priority, kind=request.kind, role=request.role or "account_manager",
        postal_code_from=request.postal_code_from, postal_code_to=request.postal_code_to,
        values=list(request.values), user_id=_optional_uuid(request.user_id, "user_id"),
        team_id=_optional_uuid(request.team_id, "team_id"),
    )


def assignment_from_proto(request) -> AssignmentInput:
    return AssignmentInput(record_type=request.record.type, record_id=parse_uuid(request.record.id, "record.id"),
                           user_id=parse_uuid(request.user_id, "user_id"), role=request.role)


class AssignmentServicer(access_pb2_grpc.AssignmentServiceServicer):
    def __init__(self, db: Database):
        self._db = db

    async def Assign(self, request, context: grpc.aio.ServicerContext):
        data = assignment_from_proto(request)
        async with authorised(self._db, "assignment", "create") as (session, principal):
            return to_proto(await service.assign(session, principal=principal, data=data))

    async def Unassign(self, request, context):
        data = assignment_from_proto(request)
        async with authorised(self._db, "assignment", "delete") as (session, principal):
            await service.unassign(session, principal=principal, data=data)
        return Empty()

    async def ListAssignments(self, request, context):
        record_id = parse_uuid(request.record.id, "record.id")
        async with authorised(self._db, "assignment", "read") as (session, principal):
            found = await service.list_assignments(session, principal=principal, record_type=request.record.type,
                                                   record_id=record_id)
        return access_pb2.ListAssignmentsResponse(assignments=[to_proto(a) for a in found])


class AssignmentRuleServicer(access_pb2_grpc.AssignmentRuleServiceServicer):
    def __init__(self, db: Database):
        self._db = db

    async def CreateRule(self, request, context):
        data = rule_from_proto(request)
        async with authorised(self._db, "assignment_rule", "create") as (session, _):
            return rule_to_proto(await rules.create_rule(session, data=data))

    async def ListRules(self, request, context):
        async with authorised(self._db, "assignment_rule", "read") as (session, _):
            return access_pb2.ListRulesResponse(rules=[rule_to_proto(rule) for rule in await rules.list_rules(session)])

    async def UpdateRule(self, request, context):
        rule_id, data = parse_uuid(request.id, "id"), rule_from_proto(request)
        async with authorised(self._db, "assignment_rule", "update") as (session, _):
            return rule_to_proto(await rules.update_rule(session, rule_id=rule_id, expected_version=request.version,
                                                           data=data))

    async def DeleteRule(self, request, context):
        rule_id = parse_uuid(request.id, "id")
        async with authorised(self._db, "assignment_rule", "delete") as (session, _):
            await rules.delete_rule(session, rule_id=rule_id, expected_version=request.expected_version)
        return Empty()


def register(server: grpc.aio.Server, db: Database) -> list[str]:
    access_pb2_grpc.add_AssignmentServiceServicer_to_server(AssignmentServicer(db), server)
    access_pb2_grpc.add_AssignmentRuleServiceServicer_to_server(AssignmentRuleServicer(db), server)
    services = access_pb2.DESCRIPTOR.services_by_name
    return [services["AssignmentService"].full_name, services["AssignmentRuleService"].full_name]
