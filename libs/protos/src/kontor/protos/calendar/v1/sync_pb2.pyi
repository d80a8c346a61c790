import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SyncHealth(_message.Message):
    __slots__ = ("connector_id", "state", "healthy", "reasons", "last_success_at", "last_attempt_at", "retry_after", "pause_reason", "last_error", "crm_count", "remote_count", "reconciled", "reconciled_at", "missing_in_crm", "missing_remote", "pending_pushes", "conflicts", "last_counts")
    class LastCountsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    HEALTHY_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    LAST_SUCCESS_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_ATTEMPT_AT_FIELD_NUMBER: _ClassVar[int]
    RETRY_AFTER_FIELD_NUMBER: _ClassVar[int]
    PAUSE_REASON_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    CRM_COUNT_FIELD_NUMBER: _ClassVar[int]
    REMOTE_COUNT_FIELD_NUMBER: _ClassVar[int]
    RECONCILED_FIELD_NUMBER: _ClassVar[int]
    RECONCILED_AT_FIELD_NUMBER: _ClassVar[int]
    MISSING_IN_CRM_FIELD_NUMBER: _ClassVar[int]
    MISSING_REMOTE_FIELD_NUMBER: _ClassVar[int]
    PENDING_PUSHES_FIELD_NUMBER: _ClassVar[int]
    CONFLICTS_FIELD_NUMBER: _ClassVar[int]
    LAST_COUNTS_FIELD_NUMBER: _ClassVar[int]
    connector_id: str
    state: str
    healthy: bool
    reasons: _containers.RepeatedScalarFieldContainer[str]
    last_success_at: _timestamp_pb2.Timestamp
    last_attempt_at: _timestamp_pb2.Timestamp
    retry_after: _timestamp_pb2.Timestamp
    pause_reason: str
    last_error: str
    crm_count: int
    remote_count: int
    reconciled: bool
    reconciled_at: _timestamp_pb2.Timestamp
    missing_in_crm: int
    missing_remote: int
    pending_pushes: int
    conflicts: int
    last_counts: _containers.ScalarMap[str, int]
    def __init__(self, connector_id: _Optional[str] = ..., state: _Optional[str] = ..., healthy: _Optional[bool] = ..., reasons: _Optional[_Iterable[str]] = ..., last_success_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_attempt_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., retry_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., pause_reason: _Optional[str] = ..., last_error: _Optional[str] = ..., crm_count: _Optional[int] = ..., remote_count: _Optional[int] = ..., reconciled: _Optional[bool] = ..., reconciled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., missing_in_crm: _Optional[int] = ..., missing_remote: _Optional[int] = ..., pending_pushes: _Optional[int] = ..., conflicts: _Optional[int] = ..., last_counts: _Optional[_Mapping[str, int]] = ...) -> None: ...

class SyncLogLine(_message.Message):
    __slots__ = ("at", "level", "code", "message", "appointment_id")
    AT_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    level: str
    code: str
    message: str
    appointment_id: str
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., level: _Optional[str] = ..., code: _Optional[str] = ..., message: _Optional[str] = ..., appointment_id: _Optional[str] = ...) -> None: ...

class SyncConflict(_message.Message):
    __slots__ = ("appointment_id", "fields", "policy", "winner", "detected_at")
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    WINNER_FIELD_NUMBER: _ClassVar[int]
    DETECTED_AT_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    fields: _containers.RepeatedScalarFieldContainer[str]
    policy: str
    winner: str
    detected_at: _timestamp_pb2.Timestamp
    def __init__(self, appointment_id: _Optional[str] = ..., fields: _Optional[_Iterable[str]] = ..., policy: _Optional[str] = ..., winner: _Optional[str] = ..., detected_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetSyncHealthRequest(_message.Message):
    __slots__ = ("connector_id",)
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    connector_id: str
    def __init__(self, connector_id: _Optional[str] = ...) -> None: ...

class ListSyncLogRequest(_message.Message):
    __slots__ = ("connector_id", "limit")
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    connector_id: str
    limit: int
    def __init__(self, connector_id: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListSyncLogResponse(_message.Message):
    __slots__ = ("lines",)
    LINES_FIELD_NUMBER: _ClassVar[int]
    lines: _containers.RepeatedCompositeFieldContainer[SyncLogLine]
    def __init__(self, lines: _Optional[_Iterable[_Union[SyncLogLine, _Mapping]]] = ...) -> None: ...

class ListSyncConflictsRequest(_message.Message):
    __slots__ = ("connector_id", "limit")
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    connector_id: str
    limit: int
    def __init__(self, connector_id: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListSyncConflictsResponse(_message.Message):
    __slots__ = ("conflicts",)
    CONFLICTS_FIELD_NUMBER: _ClassVar[int]
    conflicts: _containers.RepeatedCompositeFieldContainer[SyncConflict]
    def __init__(self, conflicts: _Optional[_Iterable[_Union[SyncConflict, _Mapping]]] = ...) -> None: ...

class RequestResyncRequest(_message.Message):
    __slots__ = ("connector_id",)
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    connector_id: str
    def __init__(self, connector_id: _Optional[str] = ...) -> None: ...

class RunSyncNowRequest(_message.Message):
    __slots__ = ("connector_id",)
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    connector_id: str
    def __init__(self, connector_id: _Optional[str] = ...) -> None: ...

class PushAppointmentRequest(_message.Message):
    __slots__ = ("appointment_id", "connector_id")
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    connector_id: str
    def __init__(self, appointment_id: _Optional[str] = ..., connector_id: _Optional[str] = ...) -> None: ...

class PushAppointmentResponse(_message.Message):
    __slots__ = ("appointment_id", "connector_ids")
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_IDS_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    connector_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, appointment_id: _Optional[str] = ..., connector_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ResumeSyncRequest(_message.Message):
    __slots__ = ("connector_id", "accept_deletions")
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_DELETIONS_FIELD_NUMBER: _ClassVar[int]
    connector_id: str
    accept_deletions: bool
    def __init__(self, connector_id: _Optional[str] = ..., accept_deletions: _Optional[bool] = ...) -> None: ...
