from kontor.protos.events.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class GroupwareServerRegistered(_message.Message):
    __slots__ = ("server_id", "provider", "name", "branch", "credential_kind", "registered_by")
    SERVER_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_KIND_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_BY_FIELD_NUMBER: _ClassVar[int]
    server_id: str
    provider: str
    name: str
    branch: str
    credential_kind: str
    registered_by: str
    def __init__(self, server_id: _Optional[str] = ..., provider: _Optional[str] = ..., name: _Optional[str] = ..., branch: _Optional[str] = ..., credential_kind: _Optional[str] = ..., registered_by: _Optional[str] = ...) -> None: ...

class GroupwareServerCredentialsRotated(_message.Message):
    __slots__ = ("server_id", "credential_kind", "version")
    SERVER_ID_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_KIND_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    server_id: str
    credential_kind: str
    version: int
    def __init__(self, server_id: _Optional[str] = ..., credential_kind: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class GroupwareServerRemoved(_message.Message):
    __slots__ = ("server_id", "version")
    SERVER_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    server_id: str
    version: int
    def __init__(self, server_id: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class MailboxNeedsReauthorisation(_message.Message):
    __slots__ = ("connector_id", "server_id", "user_id", "reason", "notify_user_ids")
    CONNECTOR_ID_FIELD_NUMBER: _ClassVar[int]
    SERVER_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NOTIFY_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    connector_id: str
    server_id: str
    user_id: str
    reason: str
    notify_user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, connector_id: _Optional[str] = ..., server_id: _Optional[str] = ..., user_id: _Optional[str] = ..., reason: _Optional[str] = ..., notify_user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GroupwareResourcesRefreshed(_message.Message):
    __slots__ = ("server_id", "created", "updated", "deactivated")
    SERVER_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    DEACTIVATED_FIELD_NUMBER: _ClassVar[int]
    server_id: str
    created: int
    updated: int
    deactivated: int
    def __init__(self, server_id: _Optional[str] = ..., created: _Optional[int] = ..., updated: _Optional[int] = ..., deactivated: _Optional[int] = ...) -> None: ...
