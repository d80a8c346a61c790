from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MatchAddressesRequest(_message.Message):
    __slots__ = ("addresses",)
    ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    addresses: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, addresses: _Optional[_Iterable[str]] = ...) -> None: ...

class AddressMatch(_message.Message):
    __slots__ = ("address", "contact_person_ids", "person_company_ids", "domain_company_ids")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    CONTACT_PERSON_IDS_FIELD_NUMBER: _ClassVar[int]
    PERSON_COMPANY_IDS_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_COMPANY_IDS_FIELD_NUMBER: _ClassVar[int]
    address: str
    contact_person_ids: _containers.RepeatedScalarFieldContainer[str]
    person_company_ids: _containers.RepeatedScalarFieldContainer[str]
    domain_company_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, address: _Optional[str] = ..., contact_person_ids: _Optional[_Iterable[str]] = ..., person_company_ids: _Optional[_Iterable[str]] = ..., domain_company_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class MatchAddressesResponse(_message.Message):
    __slots__ = ("matches",)
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    matches: _containers.RepeatedCompositeFieldContainer[AddressMatch]
    def __init__(self, matches: _Optional[_Iterable[_Union[AddressMatch, _Mapping]]] = ...) -> None: ...
