from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GraphNotification(_message.Message):
    __slots__ = ("subscription_id", "client_state", "change_type", "lifecycle_event", "azure_tenant_id")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_STATE_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TYPE_FIELD_NUMBER: _ClassVar[int]
    LIFECYCLE_EVENT_FIELD_NUMBER: _ClassVar[int]
    AZURE_TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    client_state: str
    change_type: str
    lifecycle_event: str
    azure_tenant_id: str
    def __init__(self, subscription_id: _Optional[str] = ..., client_state: _Optional[str] = ..., change_type: _Optional[str] = ..., lifecycle_event: _Optional[str] = ..., azure_tenant_id: _Optional[str] = ...) -> None: ...

class DeliverGraphNotificationsRequest(_message.Message):
    __slots__ = ("notifications",)
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    notifications: _containers.RepeatedCompositeFieldContainer[GraphNotification]
    def __init__(self, notifications: _Optional[_Iterable[_Union[GraphNotification, _Mapping]]] = ...) -> None: ...

class DeliverGraphNotificationsResponse(_message.Message):
    __slots__ = ("accepted", "ignored", "runs_requested")
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    IGNORED_FIELD_NUMBER: _ClassVar[int]
    RUNS_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    accepted: int
    ignored: int
    runs_requested: int
    def __init__(self, accepted: _Optional[int] = ..., ignored: _Optional[int] = ..., runs_requested: _Optional[int] = ...) -> None: ...
