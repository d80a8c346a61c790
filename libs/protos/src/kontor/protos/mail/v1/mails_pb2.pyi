import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Address(_message.Message):
    __slots__ = ("email", "name")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    email: str
    name: str
    def __init__(self, email: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class RecordRef(_message.Message):
    __slots__ = ("type", "id")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    type: str
    id: str
    def __init__(self, type: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class MailLink(_message.Message):
    __slots__ = ("record", "origin", "created_by", "created_at")
    RECORD_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    record: RecordRef
    origin: str
    created_by: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, record: _Optional[_Union[RecordRef, _Mapping]] = ..., origin: _Optional[str] = ..., created_by: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MailAttachment(_message.Message):
    __slots__ = ("path", "filename", "content_type", "size", "content_ref", "content_id", "disposition")
    PATH_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_REF_FIELD_NUMBER: _ClassVar[int]
    CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    DISPOSITION_FIELD_NUMBER: _ClassVar[int]
    path: str
    filename: str
    content_type: str
    size: int
    content_ref: str
    content_id: str
    disposition: str
    def __init__(self, path: _Optional[str] = ..., filename: _Optional[str] = ..., content_type: _Optional[str] = ..., size: _Optional[int] = ..., content_ref: _Optional[str] = ..., content_id: _Optional[str] = ..., disposition: _Optional[str] = ...) -> None: ...

class CrmMail(_message.Message):
    __slots__ = ("id", "message_id", "direction", "subject", "to", "cc", "sent_at", "text", "attachments", "links", "account_ids", "size", "imported_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    CC_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    LINKS_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_IDS_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    IMPORTED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    message_id: str
    direction: str
    subject: str
    to: _containers.RepeatedCompositeFieldContainer[Address]
    cc: _containers.RepeatedCompositeFieldContainer[Address]
    sent_at: _timestamp_pb2.Timestamp
    text: str
    attachments: _containers.RepeatedCompositeFieldContainer[MailAttachment]
    links: _containers.RepeatedCompositeFieldContainer[MailLink]
    account_ids: _containers.RepeatedScalarFieldContainer[str]
    size: int
    imported_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., message_id: _Optional[str] = ..., direction: _Optional[str] = ..., subject: _Optional[str] = ..., to: _Optional[_Iterable[_Union[Address, _Mapping]]] = ..., cc: _Optional[_Iterable[_Union[Address, _Mapping]]] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., text: _Optional[str] = ..., attachments: _Optional[_Iterable[_Union[MailAttachment, _Mapping]]] = ..., links: _Optional[_Iterable[_Union[MailLink, _Mapping]]] = ..., account_ids: _Optional[_Iterable[str]] = ..., size: _Optional[int] = ..., imported_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., **kwargs) -> None: ...

class GetMailRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListRecordMailsRequest(_message.Message):
    __slots__ = ("record", "page_size", "page_token")
    RECORD_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    record: RecordRef
    page_size: int
    page_token: str
    def __init__(self, record: _Optional[_Union[RecordRef, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMailsResponse(_message.Message):
    __slots__ = ("mails", "next_page_token")
    MAILS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    mails: _containers.RepeatedCompositeFieldContainer[CrmMail]
    next_page_token: str
    def __init__(self, mails: _Optional[_Iterable[_Union[CrmMail, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class MailboxMessageRef(_message.Message):
    __slots__ = ("account_id", "folder_id", "ref")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    FOLDER_ID_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    folder_id: str
    ref: str
    def __init__(self, account_id: _Optional[str] = ..., folder_id: _Optional[str] = ..., ref: _Optional[str] = ...) -> None: ...

class FileMailsRequest(_message.Message):
    __slots__ = ("mail_ids", "messages", "records")
    MAIL_IDS_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    mail_ids: _containers.RepeatedScalarFieldContainer[str]
    messages: _containers.RepeatedCompositeFieldContainer[MailboxMessageRef]
    records: _containers.RepeatedCompositeFieldContainer[RecordRef]
    def __init__(self, mail_ids: _Optional[_Iterable[str]] = ..., messages: _Optional[_Iterable[_Union[MailboxMessageRef, _Mapping]]] = ..., records: _Optional[_Iterable[_Union[RecordRef, _Mapping]]] = ...) -> None: ...

class FileMailsResponse(_message.Message):
    __slots__ = ("mails",)
    MAILS_FIELD_NUMBER: _ClassVar[int]
    mails: _containers.RepeatedCompositeFieldContainer[CrmMail]
    def __init__(self, mails: _Optional[_Iterable[_Union[CrmMail, _Mapping]]] = ...) -> None: ...

class RemoveLinkRequest(_message.Message):
    __slots__ = ("mail_id", "record")
    MAIL_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    mail_id: str
    record: RecordRef
    def __init__(self, mail_id: _Optional[str] = ..., record: _Optional[_Union[RecordRef, _Mapping]] = ...) -> None: ...

class DownloadMailPartRequest(_message.Message):
    __slots__ = ("mail_id", "part_path")
    MAIL_ID_FIELD_NUMBER: _ClassVar[int]
    PART_PATH_FIELD_NUMBER: _ClassVar[int]
    mail_id: str
    part_path: str
    def __init__(self, mail_id: _Optional[str] = ..., part_path: _Optional[str] = ...) -> None: ...

class DownloadMailPartResponse(_message.Message):
    __slots__ = ("attachment", "chunk")
    ATTACHMENT_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    attachment: MailAttachment
    chunk: bytes
    def __init__(self, attachment: _Optional[_Union[MailAttachment, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...
