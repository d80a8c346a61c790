from kontor.protos.events.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MailRecordRef(_message.Message):
    __slots__ = ("type", "id")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    type: str
    id: str
    def __init__(self, type: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class MailImported(_message.Message):
    __slots__ = ("mail_id", "account_id", "direction", "from_address", "sent_at", "records", "from_contact_person_ids")
    MAIL_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    FROM_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    FROM_CONTACT_PERSON_IDS_FIELD_NUMBER: _ClassVar[int]
    mail_id: str
    account_id: str
    direction: str
    from_address: str
    sent_at: str
    records: _containers.RepeatedCompositeFieldContainer[MailRecordRef]
    from_contact_person_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, mail_id: _Optional[str] = ..., account_id: _Optional[str] = ..., direction: _Optional[str] = ..., from_address: _Optional[str] = ..., sent_at: _Optional[str] = ..., records: _Optional[_Iterable[_Union[MailRecordRef, _Mapping]]] = ..., from_contact_person_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class MailFiled(_message.Message):
    __slots__ = ("mail_id", "records", "by_user_id")
    MAIL_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDS_FIELD_NUMBER: _ClassVar[int]
    BY_USER_ID_FIELD_NUMBER: _ClassVar[int]
    mail_id: str
    records: _containers.RepeatedCompositeFieldContainer[MailRecordRef]
    by_user_id: str
    def __init__(self, mail_id: _Optional[str] = ..., records: _Optional[_Iterable[_Union[MailRecordRef, _Mapping]]] = ..., by_user_id: _Optional[str] = ...) -> None: ...

class MailLinkRemoved(_message.Message):
    __slots__ = ("mail_id", "record", "by_user_id")
    MAIL_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_FIELD_NUMBER: _ClassVar[int]
    BY_USER_ID_FIELD_NUMBER: _ClassVar[int]
    mail_id: str
    record: MailRecordRef
    by_user_id: str
    def __init__(self, mail_id: _Optional[str] = ..., record: _Optional[_Union[MailRecordRef, _Mapping]] = ..., by_user_id: _Optional[str] = ...) -> None: ...
