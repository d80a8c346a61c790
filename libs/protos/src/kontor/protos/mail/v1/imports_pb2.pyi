import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ImportHealth(_message.Message):
    __slots__ = ("account_id", "state", "healthy", "reasons", "last_success_at", "last_attempt_at", "retry_at", "last_error_code", "progress_done", "progress_total", "folder_count", "imported_count", "quarantined_count", "gap", "reconciled_at")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    HEALTHY_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    LAST_SUCCESS_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_ATTEMPT_AT_FIELD_NUMBER: _ClassVar[int]
    RETRY_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_CODE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_DONE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    FOLDER_COUNT_FIELD_NUMBER: _ClassVar[int]
    IMPORTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    QUARANTINED_COUNT_FIELD_NUMBER: _ClassVar[int]
    GAP_FIELD_NUMBER: _ClassVar[int]
    RECONCILED_AT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    state: str
    healthy: bool
    reasons: _containers.RepeatedScalarFieldContainer[str]
    last_success_at: _timestamp_pb2.Timestamp
    last_attempt_at: _timestamp_pb2.Timestamp
    retry_at: _timestamp_pb2.Timestamp
    last_error_code: str
    progress_done: int
    progress_total: int
    folder_count: int
    imported_count: int
    quarantined_count: int
    gap: int
    reconciled_at: _timestamp_pb2.Timestamp
    def __init__(self, account_id: _Optional[str] = ..., state: _Optional[str] = ..., healthy: _Optional[bool] = ..., reasons: _Optional[_Iterable[str]] = ..., last_success_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_attempt_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., retry_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_error_code: _Optional[str] = ..., progress_done: _Optional[int] = ..., progress_total: _Optional[int] = ..., folder_count: _Optional[int] = ..., imported_count: _Optional[int] = ..., quarantined_count: _Optional[int] = ..., gap: _Optional[int] = ..., reconciled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ImportLogLine(_message.Message):
    __slots__ = ("at", "level", "code", "message", "counts")
    class CountsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    AT_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    level: str
    code: str
    message: str
    counts: _containers.ScalarMap[str, int]
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., level: _Optional[str] = ..., code: _Optional[str] = ..., message: _Optional[str] = ..., counts: _Optional[_Mapping[str, int]] = ...) -> None: ...

class QuarantinedMail(_message.Message):
    __slots__ = ("id", "account_id", "folder_id", "ref", "reason", "detail", "size", "raw_kept", "quarantined_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    FOLDER_ID_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    RAW_KEPT_FIELD_NUMBER: _ClassVar[int]
    QUARANTINED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    account_id: str
    folder_id: str
    ref: str
    reason: str
    detail: str
    size: int
    raw_kept: bool
    quarantined_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., account_id: _Optional[str] = ..., folder_id: _Optional[str] = ..., ref: _Optional[str] = ..., reason: _Optional[str] = ..., detail: _Optional[str] = ..., size: _Optional[int] = ..., raw_kept: _Optional[bool] = ..., quarantined_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetImportHealthRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class ListImportLogRequest(_message.Message):
    __slots__ = ("account_id", "limit")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    limit: int
    def __init__(self, account_id: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ListImportLogResponse(_message.Message):
    __slots__ = ("lines",)
    LINES_FIELD_NUMBER: _ClassVar[int]
    lines: _containers.RepeatedCompositeFieldContainer[ImportLogLine]
    def __init__(self, lines: _Optional[_Iterable[_Union[ImportLogLine, _Mapping]]] = ...) -> None: ...

class RunImportNowRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class ListQuarantineRequest(_message.Message):
    __slots__ = ("account_id", "page_size", "page_token")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    page_size: int
    page_token: str
    def __init__(self, account_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListQuarantineResponse(_message.Message):
    __slots__ = ("mails", "next_page_token")
    MAILS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    mails: _containers.RepeatedCompositeFieldContainer[QuarantinedMail]
    next_page_token: str
    def __init__(self, mails: _Optional[_Iterable[_Union[QuarantinedMail, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
