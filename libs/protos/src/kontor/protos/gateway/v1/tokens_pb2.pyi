from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class IssueDelegatedTokenRequest(_message.Message):
    __slots__ = ("tenant_id", "user_id")
    TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    tenant_id: str
    user_id: str
    def __init__(self, tenant_id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class DelegatedToken(_message.Message):
    __slots__ = ("access_token", "expires_in", "roles", "actor")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    expires_in: int
    roles: _containers.RepeatedScalarFieldContainer[str]
    actor: str
    def __init__(self, access_token: _Optional[str] = ..., expires_in: _Optional[int] = ..., roles: _Optional[_Iterable[str]] = ..., actor: _Optional[str] = ...) -> None: ...
