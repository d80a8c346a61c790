from google.protobuf import empty_pb2 as _empty_pb2
from kontor.protos.calendar.v1 import calendar_pb2 as _calendar_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UploadAttachmentStart(_message.Message):
    __slots__ = ("appointment_id", "name", "media_type", "expected_content_ref")
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_CONTENT_REF_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    name: str
    media_type: str
    expected_content_ref: str
    def __init__(self, appointment_id: _Optional[str] = ..., name: _Optional[str] = ..., media_type: _Optional[str] = ..., expected_content_ref: _Optional[str] = ...) -> None: ...

class UploadAttachmentEnd(_message.Message):
    __slots__ = ("size",)
    SIZE_FIELD_NUMBER: _ClassVar[int]
    size: int
    def __init__(self, size: _Optional[int] = ...) -> None: ...

class UploadAttachmentRequest(_message.Message):
    __slots__ = ("start", "chunk", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: UploadAttachmentStart
    chunk: bytes
    end: UploadAttachmentEnd
    def __init__(self, start: _Optional[_Union[UploadAttachmentStart, _Mapping]] = ..., chunk: _Optional[bytes] = ..., end: _Optional[_Union[UploadAttachmentEnd, _Mapping]] = ...) -> None: ...

class DownloadAttachmentRequest(_message.Message):
    __slots__ = ("appointment_id", "attachment_id")
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENT_ID_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    attachment_id: str
    def __init__(self, appointment_id: _Optional[str] = ..., attachment_id: _Optional[str] = ...) -> None: ...

class DownloadAttachmentResponse(_message.Message):
    __slots__ = ("attachment", "chunk")
    ATTACHMENT_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    attachment: _calendar_pb2.Attachment
    chunk: bytes
    def __init__(self, attachment: _Optional[_Union[_calendar_pb2.Attachment, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class DeleteAttachmentRequest(_message.Message):
    __slots__ = ("appointment_id", "attachment_id")
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENT_ID_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    attachment_id: str
    def __init__(self, appointment_id: _Optional[str] = ..., attachment_id: _Optional[str] = ...) -> None: ...
