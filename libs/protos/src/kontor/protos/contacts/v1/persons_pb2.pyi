import datetime

from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EmailAddress(_message.Message):
    __slots__ = ("address", "label", "primary")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_FIELD_NUMBER: _ClassVar[int]
    address: str
    label: str
    primary: bool
    def __init__(self, address: _Optional[str] = ..., label: _Optional[str] = ..., primary: _Optional[bool] = ...) -> None: ...

class PhoneNumber(_message.Message):
    __slots__ = ("number", "label", "e164")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    E164_FIELD_NUMBER: _ClassVar[int]
    number: str
    label: str
    e164: str
    def __init__(self, number: _Optional[str] = ..., label: _Optional[str] = ..., e164: _Optional[str] = ...) -> None: ...

class EmailAddresses(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[EmailAddress]
    def __init__(self, items: _Optional[_Iterable[_Union[EmailAddress, _Mapping]]] = ...) -> None: ...

class PhoneNumbers(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[PhoneNumber]
    def __init__(self, items: _Optional[_Iterable[_Union[PhoneNumber, _Mapping]]] = ...) -> None: ...

class ContactPerson(_message.Message):
    __slots__ = ("id", "company_id", "salutation", "title", "first_name", "last_name", "role", "emails", "phones", "birthday", "notes", "version", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    SALUTATION_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    EMAILS_FIELD_NUMBER: _ClassVar[int]
    PHONES_FIELD_NUMBER: _ClassVar[int]
    BIRTHDAY_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    company_id: str
    salutation: str
    title: str
    first_name: str
    last_name: str
    role: str
    emails: _containers.RepeatedCompositeFieldContainer[EmailAddress]
    phones: _containers.RepeatedCompositeFieldContainer[PhoneNumber]
    birthday: str
    notes: str
    version: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., company_id: _Optional[str] = ..., salutation: _Optional[str] = ..., title: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., role: _Optional[str] = ..., emails: _Optional[_Iterable[_Union[EmailAddress, _Mapping]]] = ..., phones: _Optional[_Iterable[_Union[PhoneNumber, _Mapping]]] = ..., birthday: _Optional[str] = ..., notes: _Optional[str] = ..., version: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateContactPersonRequest(_message.Message):
    __slots__ = ("company_id", "salutation", "title", "first_name", "last_name", "role", "emails", "phones", "birthday", "notes", "confirm_duplicate")
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    SALUTATION_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    EMAILS_FIELD_NUMBER: _ClassVar[int]
    PHONES_FIELD_NUMBER: _ClassVar[int]
    BIRTHDAY_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    CONFIRM_DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    company_id: str
    salutation: str
    title: str
    first_name: str
    last_name: str
    role: str
    emails: _containers.RepeatedCompositeFieldContainer[EmailAddress]
    phones: _containers.RepeatedCompositeFieldContainer[PhoneNumber]
    birthday: str
    notes: str
    confirm_duplicate: bool
    def __init__(self, company_id: _Optional[str] = ..., salutation: _Optional[str] = ..., title: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., role: _Optional[str] = ..., emails: _Optional[_Iterable[_Union[EmailAddress, _Mapping]]] = ..., phones: _Optional[_Iterable[_Union[PhoneNumber, _Mapping]]] = ..., birthday: _Optional[str] = ..., notes: _Optional[str] = ..., confirm_duplicate: _Optional[bool] = ...) -> None: ...

class GetContactPersonRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListContactPersonsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "company_id", "sort")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    SORT_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    company_id: str
    sort: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., company_id: _Optional[str] = ..., sort: _Optional[str] = ...) -> None: ...

class ListContactPersonsResponse(_message.Message):
    __slots__ = ("persons", "next_page_token")
    PERSONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    persons: _containers.RepeatedCompositeFieldContainer[ContactPerson]
    next_page_token: str
    def __init__(self, persons: _Optional[_Iterable[_Union[ContactPerson, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateContactPersonRequest(_message.Message):
    __slots__ = ("id", "expected_version", "salutation", "title", "first_name", "last_name", "role", "emails", "phones", "birthday", "notes")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    SALUTATION_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    EMAILS_FIELD_NUMBER: _ClassVar[int]
    PHONES_FIELD_NUMBER: _ClassVar[int]
    BIRTHDAY_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    salutation: str
    title: str
    first_name: str
    last_name: str
    role: str
    emails: EmailAddresses
    phones: PhoneNumbers
    birthday: str
    notes: str
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ..., salutation: _Optional[str] = ..., title: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., role: _Optional[str] = ..., emails: _Optional[_Union[EmailAddresses, _Mapping]] = ..., phones: _Optional[_Union[PhoneNumbers, _Mapping]] = ..., birthday: _Optional[str] = ..., notes: _Optional[str] = ...) -> None: ...

class DeleteContactPersonRequest(_message.Message):
    __slots__ = ("id", "expected_version")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...
