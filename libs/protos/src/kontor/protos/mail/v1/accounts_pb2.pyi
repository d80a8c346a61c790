import datetime

from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GraphSettings(_message.Message):
    __slots__ = ("azure_tenant_id", "client_id", "authority_url", "base_url", "ca_bundle_path")
    AZURE_TENANT_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ID_FIELD_NUMBER: _ClassVar[int]
    AUTHORITY_URL_FIELD_NUMBER: _ClassVar[int]
    BASE_URL_FIELD_NUMBER: _ClassVar[int]
    CA_BUNDLE_PATH_FIELD_NUMBER: _ClassVar[int]
    azure_tenant_id: str
    client_id: str
    authority_url: str
    base_url: str
    ca_bundle_path: str
    def __init__(self, azure_tenant_id: _Optional[str] = ..., client_id: _Optional[str] = ..., authority_url: _Optional[str] = ..., base_url: _Optional[str] = ..., ca_bundle_path: _Optional[str] = ...) -> None: ...

class ImapSettings(_message.Message):
    __slots__ = ("host", "port", "security", "username", "smtp_host", "smtp_port", "smtp_security", "sent_folder")
    HOST_FIELD_NUMBER: _ClassVar[int]
    PORT_FIELD_NUMBER: _ClassVar[int]
    SECURITY_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    SMTP_HOST_FIELD_NUMBER: _ClassVar[int]
    SMTP_PORT_FIELD_NUMBER: _ClassVar[int]
    SMTP_SECURITY_FIELD_NUMBER: _ClassVar[int]
    SENT_FOLDER_FIELD_NUMBER: _ClassVar[int]
    host: str
    port: int
    security: str
    username: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    sent_folder: str
    def __init__(self, host: _Optional[str] = ..., port: _Optional[int] = ..., security: _Optional[str] = ..., username: _Optional[str] = ..., smtp_host: _Optional[str] = ..., smtp_port: _Optional[int] = ..., smtp_security: _Optional[str] = ..., sent_folder: _Optional[str] = ...) -> None: ...

class MailAccount(_message.Message):
    __slots__ = ("id", "kind", "owner_user_id", "team_id", "provider", "address", "display_name", "graph", "imap", "import_folder", "enabled", "has_credentials", "version", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    OWNER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    GRAPH_FIELD_NUMBER: _ClassVar[int]
    IMAP_FIELD_NUMBER: _ClassVar[int]
    IMPORT_FOLDER_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    HAS_CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: str
    owner_user_id: str
    team_id: str
    provider: str
    address: str
    display_name: str
    graph: GraphSettings
    imap: ImapSettings
    import_folder: str
    enabled: bool
    has_credentials: bool
    version: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[str] = ..., owner_user_id: _Optional[str] = ..., team_id: _Optional[str] = ..., provider: _Optional[str] = ..., address: _Optional[str] = ..., display_name: _Optional[str] = ..., graph: _Optional[_Union[GraphSettings, _Mapping]] = ..., imap: _Optional[_Union[ImapSettings, _Mapping]] = ..., import_folder: _Optional[str] = ..., enabled: _Optional[bool] = ..., has_credentials: _Optional[bool] = ..., version: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Credentials(_message.Message):
    __slots__ = ("password", "client_secret", "certificate")
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    password: str
    client_secret: str
    certificate: CertificateCredential
    def __init__(self, password: _Optional[str] = ..., client_secret: _Optional[str] = ..., certificate: _Optional[_Union[CertificateCredential, _Mapping]] = ...) -> None: ...

class CertificateCredential(_message.Message):
    __slots__ = ("certificate_pem", "private_key_pem")
    CERTIFICATE_PEM_FIELD_NUMBER: _ClassVar[int]
    PRIVATE_KEY_PEM_FIELD_NUMBER: _ClassVar[int]
    certificate_pem: str
    private_key_pem: str
    def __init__(self, certificate_pem: _Optional[str] = ..., private_key_pem: _Optional[str] = ...) -> None: ...

class CreateAccountRequest(_message.Message):
    __slots__ = ("kind", "owner_user_id", "team_id", "address", "display_name", "graph", "imap", "import_folder", "credentials", "enabled")
    KIND_FIELD_NUMBER: _ClassVar[int]
    OWNER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    GRAPH_FIELD_NUMBER: _ClassVar[int]
    IMAP_FIELD_NUMBER: _ClassVar[int]
    IMPORT_FOLDER_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    kind: str
    owner_user_id: str
    team_id: str
    address: str
    display_name: str
    graph: GraphSettings
    imap: ImapSettings
    import_folder: str
    credentials: Credentials
    enabled: bool
    def __init__(self, kind: _Optional[str] = ..., owner_user_id: _Optional[str] = ..., team_id: _Optional[str] = ..., address: _Optional[str] = ..., display_name: _Optional[str] = ..., graph: _Optional[_Union[GraphSettings, _Mapping]] = ..., imap: _Optional[_Union[ImapSettings, _Mapping]] = ..., import_folder: _Optional[str] = ..., credentials: _Optional[_Union[Credentials, _Mapping]] = ..., enabled: _Optional[bool] = ...) -> None: ...

class GetAccountRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListAccountsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAccountsResponse(_message.Message):
    __slots__ = ("accounts", "next_page_token")
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedCompositeFieldContainer[MailAccount]
    next_page_token: str
    def __init__(self, accounts: _Optional[_Iterable[_Union[MailAccount, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateAccountRequest(_message.Message):
    __slots__ = ("id", "expected_version", "display_name", "import_folder", "enabled", "graph", "imap")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    IMPORT_FOLDER_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    GRAPH_FIELD_NUMBER: _ClassVar[int]
    IMAP_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    display_name: str
    import_folder: str
    enabled: bool
    graph: GraphSettings
    imap: ImapSettings
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ..., display_name: _Optional[str] = ..., import_folder: _Optional[str] = ..., enabled: _Optional[bool] = ..., graph: _Optional[_Union[GraphSettings, _Mapping]] = ..., imap: _Optional[_Union[ImapSettings, _Mapping]] = ...) -> None: ...

class SetCredentialsRequest(_message.Message):
    __slots__ = ("id", "credentials")
    ID_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    id: str
    credentials: Credentials
    def __init__(self, id: _Optional[str] = ..., credentials: _Optional[_Union[Credentials, _Mapping]] = ...) -> None: ...

class TestConnectionRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class TestConnectionResponse(_message.Message):
    __slots__ = ("ok", "code", "message", "import_folder_id", "import_folder_total")
    OK_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    IMPORT_FOLDER_ID_FIELD_NUMBER: _ClassVar[int]
    IMPORT_FOLDER_TOTAL_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    code: str
    message: str
    import_folder_id: str
    import_folder_total: int
    def __init__(self, ok: _Optional[bool] = ..., code: _Optional[str] = ..., message: _Optional[str] = ..., import_folder_id: _Optional[str] = ..., import_folder_total: _Optional[int] = ...) -> None: ...

class DeleteAccountRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...
