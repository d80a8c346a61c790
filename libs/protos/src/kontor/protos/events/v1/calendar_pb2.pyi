from kontor.protos.events.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class AppointmentCreated(_message.Message):
    __slots__ = ("appointment_id", "owner_id", "start", "end", "time_zone", "all_day", "recurring", "private", "status", "version")
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    ALL_DAY_FIELD_NUMBER: _ClassVar[int]
    RECURRING_FIELD_NUMBER: _ClassVar[int]
    PRIVATE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    owner_id: str
    start: str
    end: str
    time_zone: str
    all_day: bool
    recurring: bool
    private: bool
    status: str
    version: int
    def __init__(self, appointment_id: _Optional[str] = ..., owner_id: _Optional[str] = ..., start: _Optional[str] = ..., end: _Optional[str] = ..., time_zone: _Optional[str] = ..., all_day: _Optional[bool] = ..., recurring: _Optional[bool] = ..., private: _Optional[bool] = ..., status: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class AppointmentUpdated(_message.Message):
    __slots__ = ("appointment_id", "owner_id", "start", "end", "time_zone", "all_day", "recurring", "private", "status", "version", "changed_fields")
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    ALL_DAY_FIELD_NUMBER: _ClassVar[int]
    RECURRING_FIELD_NUMBER: _ClassVar[int]
    PRIVATE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    owner_id: str
    start: str
    end: str
    time_zone: str
    all_day: bool
    recurring: bool
    private: bool
    status: str
    version: int
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, appointment_id: _Optional[str] = ..., owner_id: _Optional[str] = ..., start: _Optional[str] = ..., end: _Optional[str] = ..., time_zone: _Optional[str] = ..., all_day: _Optional[bool] = ..., recurring: _Optional[bool] = ..., private: _Optional[bool] = ..., status: _Optional[str] = ..., version: _Optional[int] = ..., changed_fields: _Optional[_Iterable[str]] = ...) -> None: ...

class AppointmentDeleted(_message.Message):
    __slots__ = ("appointment_id", "owner_id", "version")
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    owner_id: str
    version: int
    def __init__(self, appointment_id: _Optional[str] = ..., owner_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...
