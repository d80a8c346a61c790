import datetime

from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RecordRef(_message.Message):
    __slots__ = ("type", "id")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    type: str
    id: str
    def __init__(self, type: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class CheckRightRequest(_message.Message):
    __slots__ = ("entity_type", "action")
    ENTITY_TYPE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    entity_type: str
    action: str
    def __init__(self, entity_type: _Optional[str] = ..., action: _Optional[str] = ...) -> None: ...

class CheckRightResponse(_message.Message):
    __slots__ = ("allowed",)
    ALLOWED_FIELD_NUMBER: _ClassVar[int]
    allowed: bool
    def __init__(self, allowed: _Optional[bool] = ...) -> None: ...

class CheckAccessRequest(_message.Message):
    __slots__ = ("action", "resource", "include_deleted")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DELETED_FIELD_NUMBER: _ClassVar[int]
    action: str
    resource: RecordRef
    include_deleted: bool
    def __init__(self, action: _Optional[str] = ..., resource: _Optional[_Union[RecordRef, _Mapping]] = ..., include_deleted: _Optional[bool] = ...) -> None: ...

class CheckAccessResponse(_message.Message):
    __slots__ = ("allowed", "reason")
    ALLOWED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    allowed: bool
    reason: str
    def __init__(self, allowed: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class VisibleRecordsRequest(_message.Message):
    __slots__ = ("record_type", "page_size", "page_token")
    RECORD_TYPE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    record_type: str
    page_size: int
    page_token: str
    def __init__(self, record_type: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class VisibleRecordsResponse(_message.Message):
    __slots__ = ("all_visible", "record_ids", "next_page_token")
    ALL_VISIBLE_FIELD_NUMBER: _ClassVar[int]
    RECORD_IDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    all_visible: bool
    record_ids: _containers.RepeatedScalarFieldContainer[str]
    next_page_token: str
    def __init__(self, all_visible: _Optional[bool] = ..., record_ids: _Optional[_Iterable[str]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class Assignment(_message.Message):
    __slots__ = ("id", "record", "user_id", "role", "rule_id", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    record: RecordRef
    user_id: str
    role: str
    rule_id: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., record: _Optional[_Union[RecordRef, _Mapping]] = ..., user_id: _Optional[str] = ..., role: _Optional[str] = ..., rule_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AssignRequest(_message.Message):
    __slots__ = ("record", "user_id", "role")
    RECORD_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    record: RecordRef
    user_id: str
    role: str
    def __init__(self, record: _Optional[_Union[RecordRef, _Mapping]] = ..., user_id: _Optional[str] = ..., role: _Optional[str] = ...) -> None: ...

class UnassignRequest(_message.Message):
    __slots__ = ("record", "user_id", "role")
    RECORD_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    record: RecordRef
    user_id: str
    role: str
    def __init__(self, record: _Optional[_Union[RecordRef, _Mapping]] = ..., user_id: _Optional[str] = ..., role: _Optional[str] = ...) -> None: ...

class ListAssignmentsRequest(_message.Message):
    __slots__ = ("record",)
    RECORD_FIELD_NUMBER: _ClassVar[int]
    record: RecordRef
    def __init__(self, record: _Optional[_Union[RecordRef, _Mapping]] = ...) -> None: ...

class ListAssignmentsResponse(_message.Message):
    __slots__ = ("assignments",)
    ASSIGNMENTS_FIELD_NUMBER: _ClassVar[int]
    assignments: _containers.RepeatedCompositeFieldContainer[Assignment]
    def __init__(self, assignments: _Optional[_Iterable[_Union[Assignment, _Mapping]]] = ...) -> None: ...

class AssignmentRule(_message.Message):
    __slots__ = ("id", "name", "priority", "kind", "role", "postal_code_from", "postal_code_to", "values", "user_id", "team_id", "version")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FROM_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_TO_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    priority: int
    kind: str
    role: str
    postal_code_from: str
    postal_code_to: str
    values: _containers.RepeatedScalarFieldContainer[str]
    user_id: str
    team_id: str
    version: int
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., priority: _Optional[int] = ..., kind: _Optional[str] = ..., role: _Optional[str] = ..., postal_code_from: _Optional[str] = ..., postal_code_to: _Optional[str] = ..., values: _Optional[_Iterable[str]] = ..., user_id: _Optional[str] = ..., team_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class ListRulesResponse(_message.Message):
    __slots__ = ("rules",)
    RULES_FIELD_NUMBER: _ClassVar[int]
    rules: _containers.RepeatedCompositeFieldContainer[AssignmentRule]
    def __init__(self, rules: _Optional[_Iterable[_Union[AssignmentRule, _Mapping]]] = ...) -> None: ...

class DeleteRuleRequest(_message.Message):
    __slots__ = ("id", "expected_version")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class Substitution(_message.Message):
    __slots__ = ("id", "absent_user_id", "substitute_user_id", "starts_at", "ends_at", "note", "cancelled")
    ID_FIELD_NUMBER: _ClassVar[int]
    ABSENT_USER_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSTITUTE_USER_ID_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    id: str
    absent_user_id: str
    substitute_user_id: str
    starts_at: _timestamp_pb2.Timestamp
    ends_at: _timestamp_pb2.Timestamp
    note: str
    cancelled: bool
    def __init__(self, id: _Optional[str] = ..., absent_user_id: _Optional[str] = ..., substitute_user_id: _Optional[str] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., note: _Optional[str] = ..., cancelled: _Optional[bool] = ...) -> None: ...

class ListSubstitutionsResponse(_message.Message):
    __slots__ = ("substitutions",)
    SUBSTITUTIONS_FIELD_NUMBER: _ClassVar[int]
    substitutions: _containers.RepeatedCompositeFieldContainer[Substitution]
    def __init__(self, substitutions: _Optional[_Iterable[_Union[Substitution, _Mapping]]] = ...) -> None: ...

class CancelSubstitutionRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class HandOverRequest(_message.Message):
    __slots__ = ("from_user_id", "to_user_id", "records", "note")
    FROM_USER_ID_FIELD_NUMBER: _ClassVar[int]
    TO_USER_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    from_user_id: str
    to_user_id: str
    records: _containers.RepeatedCompositeFieldContainer[RecordRef]
    note: str
    def __init__(self, from_user_id: _Optional[str] = ..., to_user_id: _Optional[str] = ..., records: _Optional[_Iterable[_Union[RecordRef, _Mapping]]] = ..., note: _Optional[str] = ...) -> None: ...

class HandOverResponse(_message.Message):
    __slots__ = ("handover_id", "moved")
    HANDOVER_ID_FIELD_NUMBER: _ClassVar[int]
    MOVED_FIELD_NUMBER: _ClassVar[int]
    handover_id: str
    moved: int
    def __init__(self, handover_id: _Optional[str] = ..., moved: _Optional[int] = ...) -> None: ...

class AuditEntry(_message.Message):
    __slots__ = ("id", "actor", "action", "from_user_id", "to_user_id", "records", "note", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    FROM_USER_ID_FIELD_NUMBER: _ClassVar[int]
    TO_USER_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    actor: str
    action: str
    from_user_id: str
    to_user_id: str
    records: _containers.RepeatedCompositeFieldContainer[RecordRef]
    note: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., actor: _Optional[str] = ..., action: _Optional[str] = ..., from_user_id: _Optional[str] = ..., to_user_id: _Optional[str] = ..., records: _Optional[_Iterable[_Union[RecordRef, _Mapping]]] = ..., note: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListAuditLogRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAuditLogResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[AuditEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[AuditEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
