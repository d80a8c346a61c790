from kontor.protos.events.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AssignmentChanged(_message.Message):
    __slots__ = ("record_type", "record_id", "user_id", "role", "action", "rule_id", "notify_user_ids")
    RECORD_TYPE_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    NOTIFY_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    record_type: str
    record_id: str
    user_id: str
    role: str
    action: str
    rule_id: str
    notify_user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, record_type: _Optional[str] = ..., record_id: _Optional[str] = ..., user_id: _Optional[str] = ..., role: _Optional[str] = ..., action: _Optional[str] = ..., rule_id: _Optional[str] = ..., notify_user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class HandoverDone(_message.Message):
    __slots__ = ("handover_id", "from_user_id", "to_user_id", "records", "note", "actor", "notify_user_ids")
    HANDOVER_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_USER_ID_FIELD_NUMBER: _ClassVar[int]
    TO_USER_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    NOTIFY_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    handover_id: str
    from_user_id: str
    to_user_id: str
    records: _containers.RepeatedCompositeFieldContainer[RecordRef]
    note: str
    actor: str
    notify_user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, handover_id: _Optional[str] = ..., from_user_id: _Optional[str] = ..., to_user_id: _Optional[str] = ..., records: _Optional[_Iterable[_Union[RecordRef, _Mapping]]] = ..., note: _Optional[str] = ..., actor: _Optional[str] = ..., notify_user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class RecordRef(_message.Message):
    __slots__ = ("type", "id")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    type: str
    id: str
    def __init__(self, type: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class SubstitutionStarted(_message.Message):
    __slots__ = ("substitution_id", "absent_user_id", "substitute_user_id", "starts_at", "ends_at")
    SUBSTITUTION_ID_FIELD_NUMBER: _ClassVar[int]
    ABSENT_USER_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSTITUTE_USER_ID_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    substitution_id: str
    absent_user_id: str
    substitute_user_id: str
    starts_at: str
    ends_at: str
    def __init__(self, substitution_id: _Optional[str] = ..., absent_user_id: _Optional[str] = ..., substitute_user_id: _Optional[str] = ..., starts_at: _Optional[str] = ..., ends_at: _Optional[str] = ...) -> None: ...

class SubstitutionEnded(_message.Message):
    __slots__ = ("substitution_id", "absent_user_id", "substitute_user_id", "starts_at", "ends_at", "cancelled")
    SUBSTITUTION_ID_FIELD_NUMBER: _ClassVar[int]
    ABSENT_USER_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSTITUTE_USER_ID_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    substitution_id: str
    absent_user_id: str
    substitute_user_id: str
    starts_at: str
    ends_at: str
    cancelled: bool
    def __init__(self, substitution_id: _Optional[str] = ..., absent_user_id: _Optional[str] = ..., substitute_user_id: _Optional[str] = ..., starts_at: _Optional[str] = ..., ends_at: _Optional[str] = ..., cancelled: _Optional[bool] = ...) -> None: ...
