from kontor.protos.events.v1 import options_pb2 as _options_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
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
