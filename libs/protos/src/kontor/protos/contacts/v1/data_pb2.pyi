import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SearchRequest(_message.Message):
    __slots__ = ("query", "types", "page_size", "page_token")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    query: str
    types: _containers.RepeatedScalarFieldContainer[str]
    page_size: int
    page_token: str
    def __init__(self, query: _Optional[str] = ..., types: _Optional[_Iterable[str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class SearchHit(_message.Message):
    __slots__ = ("type", "id", "title", "subtitle", "score", "company_id")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SUBTITLE_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    type: str
    id: str
    title: str
    subtitle: str
    score: float
    company_id: str
    def __init__(self, type: _Optional[str] = ..., id: _Optional[str] = ..., title: _Optional[str] = ..., subtitle: _Optional[str] = ..., score: _Optional[float] = ..., company_id: _Optional[str] = ...) -> None: ...

class SearchResponse(_message.Message):
    __slots__ = ("hits", "next_page_token")
    HITS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[SearchHit]
    next_page_token: str
    def __init__(self, hits: _Optional[_Iterable[_Union[SearchHit, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class StartImportRequest(_message.Message):
    __slots__ = ("content", "filename", "confirm_duplicates")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    CONFIRM_DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    content: bytes
    filename: str
    confirm_duplicates: bool
    def __init__(self, content: _Optional[bytes] = ..., filename: _Optional[str] = ..., confirm_duplicates: _Optional[bool] = ...) -> None: ...

class GetImportRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ImportRowReport(_message.Message):
    __slots__ = ("row", "status", "field", "reason", "company_id", "person_id")
    ROW_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    row: int
    status: str
    field: str
    reason: str
    company_id: str
    person_id: str
    def __init__(self, row: _Optional[int] = ..., status: _Optional[str] = ..., field: _Optional[str] = ..., reason: _Optional[str] = ..., company_id: _Optional[str] = ..., person_id: _Optional[str] = ...) -> None: ...

class ImportJob(_message.Message):
    __slots__ = ("id", "filename", "format", "sha256", "status", "total_rows", "processed_rows", "imported", "skipped", "errors", "error", "rows", "ignored_columns", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ROWS_FIELD_NUMBER: _ClassVar[int]
    PROCESSED_ROWS_FIELD_NUMBER: _ClassVar[int]
    IMPORTED_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    IGNORED_COLUMNS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    filename: str
    format: str
    sha256: str
    status: str
    total_rows: int
    processed_rows: int
    imported: int
    skipped: int
    errors: int
    error: str
    rows: _containers.RepeatedCompositeFieldContainer[ImportRowReport]
    ignored_columns: _containers.RepeatedScalarFieldContainer[str]
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., filename: _Optional[str] = ..., format: _Optional[str] = ..., sha256: _Optional[str] = ..., status: _Optional[str] = ..., total_rows: _Optional[int] = ..., processed_rows: _Optional[int] = ..., imported: _Optional[int] = ..., skipped: _Optional[int] = ..., errors: _Optional[int] = ..., error: _Optional[str] = ..., rows: _Optional[_Iterable[_Union[ImportRowReport, _Mapping]]] = ..., ignored_columns: _Optional[_Iterable[str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ExportPersonRequest(_message.Message):
    __slots__ = ("person_id",)
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    def __init__(self, person_id: _Optional[str] = ...) -> None: ...

class PersonExport(_message.Message):
    __slots__ = ("person_id", "json")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    JSON_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    json: str
    def __init__(self, person_id: _Optional[str] = ..., json: _Optional[str] = ...) -> None: ...

class ErasePersonRequest(_message.Message):
    __slots__ = ("person_id", "expected_version")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    expected_version: int
    def __init__(self, person_id: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class ErasePersonResponse(_message.Message):
    __slots__ = ("person_id", "version", "erased_fields", "scrubbed_comments", "scrubbed_audit_entries")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ERASED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    SCRUBBED_COMMENTS_FIELD_NUMBER: _ClassVar[int]
    SCRUBBED_AUDIT_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    version: int
    erased_fields: _containers.RepeatedScalarFieldContainer[str]
    scrubbed_comments: int
    scrubbed_audit_entries: int
    def __init__(self, person_id: _Optional[str] = ..., version: _Optional[int] = ..., erased_fields: _Optional[_Iterable[str]] = ..., scrubbed_comments: _Optional[int] = ..., scrubbed_audit_entries: _Optional[int] = ...) -> None: ...

class ListGdprAuditRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class GdprAuditEntry(_message.Message):
    __slots__ = ("id", "action", "person_id", "actor", "created_at", "details_json")
    ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DETAILS_JSON_FIELD_NUMBER: _ClassVar[int]
    id: str
    action: str
    person_id: str
    actor: str
    created_at: _timestamp_pb2.Timestamp
    details_json: str
    def __init__(self, id: _Optional[str] = ..., action: _Optional[str] = ..., person_id: _Optional[str] = ..., actor: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., details_json: _Optional[str] = ...) -> None: ...

class ListGdprAuditResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[GdprAuditEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[GdprAuditEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
