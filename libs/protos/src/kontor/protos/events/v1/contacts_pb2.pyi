from kontor.protos.events.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class CompanyCreated(_message.Message):
    __slots__ = ("company_id", "name", "kind", "city", "version")
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    company_id: str
    name: str
    kind: str
    city: str
    version: int
    def __init__(self, company_id: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[str] = ..., city: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class CompanyUpdated(_message.Message):
    __slots__ = ("company_id", "name", "kind", "city", "version", "changed_fields", "access_level")
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    ACCESS_LEVEL_FIELD_NUMBER: _ClassVar[int]
    company_id: str
    name: str
    kind: str
    city: str
    version: int
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    access_level: str
    def __init__(self, company_id: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[str] = ..., city: _Optional[str] = ..., version: _Optional[int] = ..., changed_fields: _Optional[_Iterable[str]] = ..., access_level: _Optional[str] = ...) -> None: ...

class CompanyConverted(_message.Message):
    __slots__ = ("company_id", "name", "from_kind", "to_kind", "version")
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    FROM_KIND_FIELD_NUMBER: _ClassVar[int]
    TO_KIND_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    company_id: str
    name: str
    from_kind: str
    to_kind: str
    version: int
    def __init__(self, company_id: _Optional[str] = ..., name: _Optional[str] = ..., from_kind: _Optional[str] = ..., to_kind: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class CompanyDeleted(_message.Message):
    __slots__ = ("company_id", "version")
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    company_id: str
    version: int
    def __init__(self, company_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class ContactPersonCreated(_message.Message):
    __slots__ = ("person_id", "company_id", "first_name", "last_name", "role", "version")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    company_id: str
    first_name: str
    last_name: str
    role: str
    version: int
    def __init__(self, person_id: _Optional[str] = ..., company_id: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., role: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class ContactPersonUpdated(_message.Message):
    __slots__ = ("person_id", "company_id", "first_name", "last_name", "role", "version", "changed_fields")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    company_id: str
    first_name: str
    last_name: str
    role: str
    version: int
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, person_id: _Optional[str] = ..., company_id: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., role: _Optional[str] = ..., version: _Optional[int] = ..., changed_fields: _Optional[_Iterable[str]] = ...) -> None: ...

class ContactPersonDeleted(_message.Message):
    __slots__ = ("person_id", "company_id", "version")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    company_id: str
    version: int
    def __init__(self, person_id: _Optional[str] = ..., company_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class FollowUpCreated(_message.Message):
    __slots__ = ("follow_up_id", "record_type", "record_id", "assignee_id", "due_at", "created_by")
    FOLLOW_UP_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_TYPE_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_ID_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    follow_up_id: str
    record_type: str
    record_id: str
    assignee_id: str
    due_at: str
    created_by: str
    def __init__(self, follow_up_id: _Optional[str] = ..., record_type: _Optional[str] = ..., record_id: _Optional[str] = ..., assignee_id: _Optional[str] = ..., due_at: _Optional[str] = ..., created_by: _Optional[str] = ...) -> None: ...
