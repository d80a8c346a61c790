import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kontor.protos.mail.v1 import mails_pb2 as _mails_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Folder(_message.Message):
    __slots__ = ("id", "name", "parent_id", "total", "unread", "role", "import_folder")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    UNREAD_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    IMPORT_FOLDER_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    parent_id: str
    total: int
    unread: int
    role: str
    import_folder: bool
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., parent_id: _Optional[str] = ..., total: _Optional[int] = ..., unread: _Optional[int] = ..., role: _Optional[str] = ..., import_folder: _Optional[bool] = ...) -> None: ...

class MessageSummary(_message.Message):
    __slots__ = ("ref", "folder_id", "subject", "to", "cc", "received_at", "unread", "has_attachments")
    REF_FIELD_NUMBER: _ClassVar[int]
    FOLDER_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    CC_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    UNREAD_FIELD_NUMBER: _ClassVar[int]
    HAS_ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    ref: str
    folder_id: str
    subject: str
    to: _containers.RepeatedCompositeFieldContainer[_mails_pb2.Address]
    cc: _containers.RepeatedCompositeFieldContainer[_mails_pb2.Address]
    received_at: _timestamp_pb2.Timestamp
    unread: bool
    has_attachments: bool
    def __init__(self, ref: _Optional[str] = ..., folder_id: _Optional[str] = ..., subject: _Optional[str] = ..., to: _Optional[_Iterable[_Union[_mails_pb2.Address, _Mapping]]] = ..., cc: _Optional[_Iterable[_Union[_mails_pb2.Address, _Mapping]]] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., unread: _Optional[bool] = ..., has_attachments: _Optional[bool] = ..., **kwargs) -> None: ...

class MailboxMessage(_message.Message):
    __slots__ = ("summary", "message_id", "text", "html", "attachments", "mail_id", "links")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    HTML_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    MAIL_ID_FIELD_NUMBER: _ClassVar[int]
    LINKS_FIELD_NUMBER: _ClassVar[int]
    summary: MessageSummary
    message_id: str
    text: str
    html: str
    attachments: _containers.RepeatedCompositeFieldContainer[_mails_pb2.MailAttachment]
    mail_id: str
    links: _containers.RepeatedCompositeFieldContainer[_mails_pb2.MailLink]
    def __init__(self, summary: _Optional[_Union[MessageSummary, _Mapping]] = ..., message_id: _Optional[str] = ..., text: _Optional[str] = ..., html: _Optional[str] = ..., attachments: _Optional[_Iterable[_Union[_mails_pb2.MailAttachment, _Mapping]]] = ..., mail_id: _Optional[str] = ..., links: _Optional[_Iterable[_Union[_mails_pb2.MailLink, _Mapping]]] = ...) -> None: ...

class ListFoldersRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class ListFoldersResponse(_message.Message):
    __slots__ = ("folders",)
    FOLDERS_FIELD_NUMBER: _ClassVar[int]
    folders: _containers.RepeatedCompositeFieldContainer[Folder]
    def __init__(self, folders: _Optional[_Iterable[_Union[Folder, _Mapping]]] = ...) -> None: ...

class ListMessagesRequest(_message.Message):
    __slots__ = ("account_id", "folder_id", "page_size", "page_token")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    FOLDER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    folder_id: str
    page_size: int
    page_token: str
    def __init__(self, account_id: _Optional[str] = ..., folder_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMessagesResponse(_message.Message):
    __slots__ = ("messages", "next_page_token")
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[MessageSummary]
    next_page_token: str
    def __init__(self, messages: _Optional[_Iterable[_Union[MessageSummary, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetMessageRequest(_message.Message):
    __slots__ = ("account_id", "folder_id", "ref")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    FOLDER_ID_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    folder_id: str
    ref: str
    def __init__(self, account_id: _Optional[str] = ..., folder_id: _Optional[str] = ..., ref: _Optional[str] = ...) -> None: ...

class DownloadMessagePartRequest(_message.Message):
    __slots__ = ("account_id", "folder_id", "ref", "part_path")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    FOLDER_ID_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    PART_PATH_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    folder_id: str
    ref: str
    part_path: str
    def __init__(self, account_id: _Optional[str] = ..., folder_id: _Optional[str] = ..., ref: _Optional[str] = ..., part_path: _Optional[str] = ...) -> None: ...

class MoveMessagesRequest(_message.Message):
    __slots__ = ("account_id", "folder_id", "refs", "target_folder_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    FOLDER_ID_FIELD_NUMBER: _ClassVar[int]
    REFS_FIELD_NUMBER: _ClassVar[int]
    TARGET_FOLDER_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    folder_id: str
    refs: _containers.RepeatedScalarFieldContainer[str]
    target_folder_id: str
    def __init__(self, account_id: _Optional[str] = ..., folder_id: _Optional[str] = ..., refs: _Optional[_Iterable[str]] = ..., target_folder_id: _Optional[str] = ...) -> None: ...

class MoveMessagesResponse(_message.Message):
    __slots__ = ("moved",)
    class MovedEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    MOVED_FIELD_NUMBER: _ClassVar[int]
    moved: _containers.ScalarMap[str, str]
    def __init__(self, moved: _Optional[_Mapping[str, str]] = ...) -> None: ...

class OutgoingAttachment(_message.Message):
    __slots__ = ("file", "mail_part")
    FILE_FIELD_NUMBER: _ClassVar[int]
    MAIL_PART_FIELD_NUMBER: _ClassVar[int]
    file: UploadedFile
    mail_part: MailPartRef
    def __init__(self, file: _Optional[_Union[UploadedFile, _Mapping]] = ..., mail_part: _Optional[_Union[MailPartRef, _Mapping]] = ...) -> None: ...

class UploadedFile(_message.Message):
    __slots__ = ("filename", "content_type", "content")
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    filename: str
    content_type: str
    content: bytes
    def __init__(self, filename: _Optional[str] = ..., content_type: _Optional[str] = ..., content: _Optional[bytes] = ...) -> None: ...

class MailPartRef(_message.Message):
    __slots__ = ("mail_id", "part_path")
    MAIL_ID_FIELD_NUMBER: _ClassVar[int]
    PART_PATH_FIELD_NUMBER: _ClassVar[int]
    mail_id: str
    part_path: str
    def __init__(self, mail_id: _Optional[str] = ..., part_path: _Optional[str] = ...) -> None: ...

class SendMailRequest(_message.Message):
    __slots__ = ("account_id", "to", "cc", "bcc", "subject", "text", "html", "attachments", "records", "reply_to_mail_id", "reply_to_message")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    CC_FIELD_NUMBER: _ClassVar[int]
    BCC_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    HTML_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    REPLY_TO_MAIL_ID_FIELD_NUMBER: _ClassVar[int]
    REPLY_TO_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    to: _containers.RepeatedCompositeFieldContainer[_mails_pb2.Address]
    cc: _containers.RepeatedCompositeFieldContainer[_mails_pb2.Address]
    bcc: _containers.RepeatedCompositeFieldContainer[_mails_pb2.Address]
    subject: str
    text: str
    html: str
    attachments: _containers.RepeatedCompositeFieldContainer[OutgoingAttachment]
    records: _containers.RepeatedCompositeFieldContainer[_mails_pb2.RecordRef]
    reply_to_mail_id: str
    reply_to_message: _mails_pb2.MailboxMessageRef
    def __init__(self, account_id: _Optional[str] = ..., to: _Optional[_Iterable[_Union[_mails_pb2.Address, _Mapping]]] = ..., cc: _Optional[_Iterable[_Union[_mails_pb2.Address, _Mapping]]] = ..., bcc: _Optional[_Iterable[_Union[_mails_pb2.Address, _Mapping]]] = ..., subject: _Optional[str] = ..., text: _Optional[str] = ..., html: _Optional[str] = ..., attachments: _Optional[_Iterable[_Union[OutgoingAttachment, _Mapping]]] = ..., records: _Optional[_Iterable[_Union[_mails_pb2.RecordRef, _Mapping]]] = ..., reply_to_mail_id: _Optional[str] = ..., reply_to_message: _Optional[_Union[_mails_pb2.MailboxMessageRef, _Mapping]] = ...) -> None: ...

class SendMailResponse(_message.Message):
    __slots__ = ("mail",)
    MAIL_FIELD_NUMBER: _ClassVar[int]
    mail: _mails_pb2.CrmMail
    def __init__(self, mail: _Optional[_Union[_mails_pb2.CrmMail, _Mapping]] = ...) -> None: ...

class GetOverviewRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class OverviewMessage(_message.Message):
    __slots__ = ("account_id", "summary")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    summary: MessageSummary
    def __init__(self, account_id: _Optional[str] = ..., summary: _Optional[_Union[MessageSummary, _Mapping]] = ...) -> None: ...

class OverviewAppointment(_message.Message):
    __slots__ = ("appointment_id", "subject", "start", "end", "all_day")
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    ALL_DAY_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    subject: str
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    all_day: bool
    def __init__(self, appointment_id: _Optional[str] = ..., subject: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., all_day: _Optional[bool] = ...) -> None: ...

class OverviewFollowUp(_message.Message):
    __slots__ = ("follow_up_id", "title", "due_at", "record")
    FOLLOW_UP_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    follow_up_id: str
    title: str
    due_at: _timestamp_pb2.Timestamp
    record: _mails_pb2.RecordRef
    def __init__(self, follow_up_id: _Optional[str] = ..., title: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., record: _Optional[_Union[_mails_pb2.RecordRef, _Mapping]] = ...) -> None: ...

class Overview(_message.Message):
    __slots__ = ("unread_import_mail", "appointments_today", "follow_ups_due", "time_zone", "unavailable")
    UNREAD_IMPORT_MAIL_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENTS_TODAY_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UPS_DUE_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    UNAVAILABLE_FIELD_NUMBER: _ClassVar[int]
    unread_import_mail: _containers.RepeatedCompositeFieldContainer[OverviewMessage]
    appointments_today: _containers.RepeatedCompositeFieldContainer[OverviewAppointment]
    follow_ups_due: _containers.RepeatedCompositeFieldContainer[OverviewFollowUp]
    time_zone: str
    unavailable: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, unread_import_mail: _Optional[_Iterable[_Union[OverviewMessage, _Mapping]]] = ..., appointments_today: _Optional[_Iterable[_Union[OverviewAppointment, _Mapping]]] = ..., follow_ups_due: _Optional[_Iterable[_Union[OverviewFollowUp, _Mapping]]] = ..., time_zone: _Optional[str] = ..., unavailable: _Optional[_Iterable[str]] = ...) -> None: ...
