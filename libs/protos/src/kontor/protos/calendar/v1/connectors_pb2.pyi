import datetime

from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Credentials(_message.Message):
    __slots__ = ("client_secret", "certificate_pem")
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_PEM_FIELD_NUMBER: _ClassVar[int]
    client_secret: str
    certificate_pem: str
    def __init__(self, client_secret: _Optional[str] = ..., certificate_pem: _Optional[str] = ...) -> None: ...

class GroupwareServer(_message.Message):
    __slots__ = ("id", "provider", "name", "branch", "azure_tenant_id", "client_id", "authority_url", "base_url", "ca_bundle_path", "active", "has_credentials", "credential_kind", "certificate_thumbprint", "credentials_set_at", "credentials_rotated_at", "resources_refreshed_at", "version", "created_by", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    AZURE_TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHORITY_URL_FIELD_NUMBER: _ClassVar[int]
    BASE_URL_FIELD_NUMBER: _ClassVar[int]
    CA_BUNDLE_PATH_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    HAS_CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_KIND_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_THUMBPRINT_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_SET_AT_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_ROTATED_AT_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_REFRESHED_AT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    provider: str
    name: str
    branch: str
    azure_tenant_id: str
    client_id: str
    authority_url: str
    base_url: str
    ca_bundle_path: str
    active: bool
    has_credentials: bool
    credential_kind: str
    certificate_thumbprint: str
    credentials_set_at: _timestamp_pb2.Timestamp
    credentials_rotated_at: _timestamp_pb2.Timestamp
    resources_refreshed_at: _timestamp_pb2.Timestamp
    version: int
    created_by: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., provider: _Optional[str] = ..., name: _Optional[str] = ..., branch: _Optional[str] = ..., azure_tenant_id: _Optional[str] = ..., client_id: _Optional[str] = ..., authority_url: _Optional[str] = ..., base_url: _Optional[str] = ..., ca_bundle_path: _Optional[str] = ..., active: _Optional[bool] = ..., has_credentials: _Optional[bool] = ..., credential_kind: _Optional[str] = ..., certificate_thumbprint: _Optional[str] = ..., credentials_set_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., credentials_rotated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resources_refreshed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ..., created_by: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RegisterServerRequest(_message.Message):
    __slots__ = ("provider", "name", "branch", "azure_tenant_id", "client_id", "authority_url", "base_url", "ca_bundle_path", "credentials")
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    AZURE_TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHORITY_URL_FIELD_NUMBER: _ClassVar[int]
    BASE_URL_FIELD_NUMBER: _ClassVar[int]
    CA_BUNDLE_PATH_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    provider: str
    name: str
    branch: str
    azure_tenant_id: str
    client_id: str
    authority_url: str
    base_url: str
    ca_bundle_path: str
    credentials: Credentials
    def __init__(self, provider: _Optional[str] = ..., name: _Optional[str] = ..., branch: _Optional[str] = ..., azure_tenant_id: _Optional[str] = ..., client_id: _Optional[str] = ..., authority_url: _Optional[str] = ..., base_url: _Optional[str] = ..., ca_bundle_path: _Optional[str] = ..., credentials: _Optional[_Union[Credentials, _Mapping]] = ...) -> None: ...

class GetServerRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListServersRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListServersResponse(_message.Message):
    __slots__ = ("servers",)
    SERVERS_FIELD_NUMBER: _ClassVar[int]
    servers: _containers.RepeatedCompositeFieldContainer[GroupwareServer]
    def __init__(self, servers: _Optional[_Iterable[_Union[GroupwareServer, _Mapping]]] = ...) -> None: ...

class UpdateServerRequest(_message.Message):
    __slots__ = ("id", "expected_version", "name", "branch", "azure_tenant_id", "client_id", "authority_url", "base_url", "ca_bundle_path", "active")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    AZURE_TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHORITY_URL_FIELD_NUMBER: _ClassVar[int]
    BASE_URL_FIELD_NUMBER: _ClassVar[int]
    CA_BUNDLE_PATH_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    name: str
    branch: str
    azure_tenant_id: str
    client_id: str
    authority_url: str
    base_url: str
    ca_bundle_path: str
    active: bool
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ..., name: _Optional[str] = ..., branch: _Optional[str] = ..., azure_tenant_id: _Optional[str] = ..., client_id: _Optional[str] = ..., authority_url: _Optional[str] = ..., base_url: _Optional[str] = ..., ca_bundle_path: _Optional[str] = ..., active: _Optional[bool] = ...) -> None: ...

class SetCredentialsRequest(_message.Message):
    __slots__ = ("id", "expected_version", "credentials")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    credentials: Credentials
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ..., credentials: _Optional[_Union[Credentials, _Mapping]] = ...) -> None: ...

class TestConnectionRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class TestConnectionResponse(_message.Message):
    __slots__ = ("ok", "code", "message", "resources")
    OK_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    code: str
    message: str
    resources: int
    def __init__(self, ok: _Optional[bool] = ..., code: _Optional[str] = ..., message: _Optional[str] = ..., resources: _Optional[int] = ...) -> None: ...

class DeleteServerRequest(_message.Message):
    __slots__ = ("id", "expected_version")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class RefreshResourcesRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class RefreshResourcesResponse(_message.Message):
    __slots__ = ("created", "updated", "deactivated", "unchanged")
    CREATED_FIELD_NUMBER: _ClassVar[int]
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    DEACTIVATED_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    created: int
    updated: int
    deactivated: int
    unchanged: int
    def __init__(self, created: _Optional[int] = ..., updated: _Optional[int] = ..., deactivated: _Optional[int] = ..., unchanged: _Optional[int] = ...) -> None: ...

class TimeInterval(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: str
    end: str
    def __init__(self, start: _Optional[str] = ..., end: _Optional[str] = ...) -> None: ...

class DayIntervals(_message.Message):
    __slots__ = ("intervals",)
    INTERVALS_FIELD_NUMBER: _ClassVar[int]
    intervals: _containers.RepeatedCompositeFieldContainer[TimeInterval]
    def __init__(self, intervals: _Optional[_Iterable[_Union[TimeInterval, _Mapping]]] = ...) -> None: ...

class WorkingHours(_message.Message):
    __slots__ = ("time_zone", "days")
    class DaysEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: DayIntervals
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[DayIntervals, _Mapping]] = ...) -> None: ...
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    time_zone: str
    days: _containers.MessageMap[str, DayIntervals]
    def __init__(self, time_zone: _Optional[str] = ..., days: _Optional[_Mapping[str, DayIntervals]] = ...) -> None: ...

class CategoryMapping(_message.Message):
    __slots__ = ("crm_category", "groupware_category")
    CRM_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    GROUPWARE_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    crm_category: str
    groupware_category: str
    def __init__(self, crm_category: _Optional[str] = ..., groupware_category: _Optional[str] = ...) -> None: ...

class CategoryMappingList(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[CategoryMapping]
    def __init__(self, items: _Optional[_Iterable[_Union[CategoryMapping, _Mapping]]] = ...) -> None: ...

class StatusList(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, items: _Optional[_Iterable[str]] = ...) -> None: ...

class Connector(_message.Message):
    __slots__ = ("id", "user_id", "server_id", "kind", "mailbox", "display_name", "enabled", "direction", "window_past_days", "window_future_days", "working_hours", "skip_statuses", "category_mappings", "conflict_policy", "deletion_policy", "needs_reauthorisation", "version", "created_by", "created_at", "updated_at", "delete_private_after_days")
    ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    SERVER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MAILBOX_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    WINDOW_PAST_DAYS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FUTURE_DAYS_FIELD_NUMBER: _ClassVar[int]
    WORKING_HOURS_FIELD_NUMBER: _ClassVar[int]
    SKIP_STATUSES_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_MAPPINGS_FIELD_NUMBER: _ClassVar[int]
    CONFLICT_POLICY_FIELD_NUMBER: _ClassVar[int]
    DELETION_POLICY_FIELD_NUMBER: _ClassVar[int]
    NEEDS_REAUTHORISATION_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    DELETE_PRIVATE_AFTER_DAYS_FIELD_NUMBER: _ClassVar[int]
    id: str
    user_id: str
    server_id: str
    kind: str
    mailbox: str
    display_name: str
    enabled: bool
    direction: str
    window_past_days: int
    window_future_days: int
    working_hours: WorkingHours
    skip_statuses: _containers.RepeatedScalarFieldContainer[str]
    category_mappings: _containers.RepeatedCompositeFieldContainer[CategoryMapping]
    conflict_policy: str
    deletion_policy: str
    needs_reauthorisation: bool
    version: int
    created_by: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    delete_private_after_days: int
    def __init__(self, id: _Optional[str] = ..., user_id: _Optional[str] = ..., server_id: _Optional[str] = ..., kind: _Optional[str] = ..., mailbox: _Optional[str] = ..., display_name: _Optional[str] = ..., enabled: _Optional[bool] = ..., direction: _Optional[str] = ..., window_past_days: _Optional[int] = ..., window_future_days: _Optional[int] = ..., working_hours: _Optional[_Union[WorkingHours, _Mapping]] = ..., skip_statuses: _Optional[_Iterable[str]] = ..., category_mappings: _Optional[_Iterable[_Union[CategoryMapping, _Mapping]]] = ..., conflict_policy: _Optional[str] = ..., deletion_policy: _Optional[str] = ..., needs_reauthorisation: _Optional[bool] = ..., version: _Optional[int] = ..., created_by: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delete_private_after_days: _Optional[int] = ...) -> None: ...

class ConnectorFields(_message.Message):
    __slots__ = ("enabled", "mailbox", "display_name", "direction", "window_past_days", "window_future_days", "working_hours", "clear_working_hours", "skip_statuses", "category_mappings", "conflict_policy", "deletion_policy", "delete_private_after_days")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    MAILBOX_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    WINDOW_PAST_DAYS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FUTURE_DAYS_FIELD_NUMBER: _ClassVar[int]
    WORKING_HOURS_FIELD_NUMBER: _ClassVar[int]
    CLEAR_WORKING_HOURS_FIELD_NUMBER: _ClassVar[int]
    SKIP_STATUSES_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_MAPPINGS_FIELD_NUMBER: _ClassVar[int]
    CONFLICT_POLICY_FIELD_NUMBER: _ClassVar[int]
    DELETION_POLICY_FIELD_NUMBER: _ClassVar[int]
    DELETE_PRIVATE_AFTER_DAYS_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    mailbox: str
    display_name: str
    direction: str
    window_past_days: int
    window_future_days: int
    working_hours: WorkingHours
    clear_working_hours: bool
    skip_statuses: StatusList
    category_mappings: CategoryMappingList
    conflict_policy: str
    deletion_policy: str
    delete_private_after_days: int
    def __init__(self, enabled: _Optional[bool] = ..., mailbox: _Optional[str] = ..., display_name: _Optional[str] = ..., direction: _Optional[str] = ..., window_past_days: _Optional[int] = ..., window_future_days: _Optional[int] = ..., working_hours: _Optional[_Union[WorkingHours, _Mapping]] = ..., clear_working_hours: _Optional[bool] = ..., skip_statuses: _Optional[_Union[StatusList, _Mapping]] = ..., category_mappings: _Optional[_Union[CategoryMappingList, _Mapping]] = ..., conflict_policy: _Optional[str] = ..., deletion_policy: _Optional[str] = ..., delete_private_after_days: _Optional[int] = ...) -> None: ...

class CreateConnectorRequest(_message.Message):
    __slots__ = ("user_id", "server_id", "kind", "fields")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    SERVER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    server_id: str
    kind: str
    fields: ConnectorFields
    def __init__(self, user_id: _Optional[str] = ..., server_id: _Optional[str] = ..., kind: _Optional[str] = ..., fields: _Optional[_Union[ConnectorFields, _Mapping]] = ...) -> None: ...

class GetConnectorRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListConnectorsRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class ListConnectorsResponse(_message.Message):
    __slots__ = ("connectors",)
    CONNECTORS_FIELD_NUMBER: _ClassVar[int]
    connectors: _containers.RepeatedCompositeFieldContainer[Connector]
    def __init__(self, connectors: _Optional[_Iterable[_Union[Connector, _Mapping]]] = ...) -> None: ...

class UpdateConnectorRequest(_message.Message):
    __slots__ = ("id", "expected_version", "fields")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    fields: ConnectorFields
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ..., fields: _Optional[_Union[ConnectorFields, _Mapping]] = ...) -> None: ...

class DeleteConnectorRequest(_message.Message):
    __slots__ = ("id", "expected_version")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...
