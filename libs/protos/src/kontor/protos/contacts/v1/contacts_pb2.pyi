import datetime

from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CompanyKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPANY_KIND_UNSPECIFIED: _ClassVar[CompanyKind]
    COMPANY_KIND_LEAD: _ClassVar[CompanyKind]
    COMPANY_KIND_CUSTOMER: _ClassVar[CompanyKind]
COMPANY_KIND_UNSPECIFIED: CompanyKind
COMPANY_KIND_LEAD: CompanyKind
COMPANY_KIND_CUSTOMER: CompanyKind

class Company(_message.Message):
    __slots__ = ("id", "name", "kind", "city", "version", "created_at", "updated_at", "street", "postal_code", "region", "country", "industry", "revenue_tier", "website", "email", "notes", "access_level")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    STREET_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    INDUSTRY_FIELD_NUMBER: _ClassVar[int]
    REVENUE_TIER_FIELD_NUMBER: _ClassVar[int]
    WEBSITE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    ACCESS_LEVEL_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    kind: CompanyKind
    city: str
    version: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    street: str
    postal_code: str
    region: str
    country: str
    industry: str
    revenue_tier: str
    website: str
    email: str
    notes: str
    access_level: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[_Union[CompanyKind, str]] = ..., city: _Optional[str] = ..., version: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., street: _Optional[str] = ..., postal_code: _Optional[str] = ..., region: _Optional[str] = ..., country: _Optional[str] = ..., industry: _Optional[str] = ..., revenue_tier: _Optional[str] = ..., website: _Optional[str] = ..., email: _Optional[str] = ..., notes: _Optional[str] = ..., access_level: _Optional[str] = ...) -> None: ...

class CreateCompanyRequest(_message.Message):
    __slots__ = ("name", "kind", "city", "street", "postal_code", "region", "country", "industry", "revenue_tier", "website", "email", "notes", "access_level", "confirm_duplicate")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    STREET_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    INDUSTRY_FIELD_NUMBER: _ClassVar[int]
    REVENUE_TIER_FIELD_NUMBER: _ClassVar[int]
    WEBSITE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    ACCESS_LEVEL_FIELD_NUMBER: _ClassVar[int]
    CONFIRM_DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: CompanyKind
    city: str
    street: str
    postal_code: str
    region: str
    country: str
    industry: str
    revenue_tier: str
    website: str
    email: str
    notes: str
    access_level: str
    confirm_duplicate: bool
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[_Union[CompanyKind, str]] = ..., city: _Optional[str] = ..., street: _Optional[str] = ..., postal_code: _Optional[str] = ..., region: _Optional[str] = ..., country: _Optional[str] = ..., industry: _Optional[str] = ..., revenue_tier: _Optional[str] = ..., website: _Optional[str] = ..., email: _Optional[str] = ..., notes: _Optional[str] = ..., access_level: _Optional[str] = ..., confirm_duplicate: _Optional[bool] = ...) -> None: ...

class GetCompanyRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListCompaniesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "kind", "industry", "city", "postal_code_prefix", "sort")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    INDUSTRY_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_PREFIX_FIELD_NUMBER: _ClassVar[int]
    SORT_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    kind: CompanyKind
    industry: str
    city: str
    postal_code_prefix: str
    sort: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., kind: _Optional[_Union[CompanyKind, str]] = ..., industry: _Optional[str] = ..., city: _Optional[str] = ..., postal_code_prefix: _Optional[str] = ..., sort: _Optional[str] = ...) -> None: ...

class ListCompaniesResponse(_message.Message):
    __slots__ = ("companies", "next_page_token")
    COMPANIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    companies: _containers.RepeatedCompositeFieldContainer[Company]
    next_page_token: str
    def __init__(self, companies: _Optional[_Iterable[_Union[Company, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateCompanyRequest(_message.Message):
    __slots__ = ("id", "expected_version", "name", "street", "postal_code", "city", "region", "country", "industry", "revenue_tier", "website", "email", "notes", "access_level")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STREET_FIELD_NUMBER: _ClassVar[int]
    POSTAL_CODE_FIELD_NUMBER: _ClassVar[int]
    CITY_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    INDUSTRY_FIELD_NUMBER: _ClassVar[int]
    REVENUE_TIER_FIELD_NUMBER: _ClassVar[int]
    WEBSITE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    ACCESS_LEVEL_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    name: str
    street: str
    postal_code: str
    city: str
    region: str
    country: str
    industry: str
    revenue_tier: str
    website: str
    email: str
    notes: str
    access_level: str
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ..., name: _Optional[str] = ..., street: _Optional[str] = ..., postal_code: _Optional[str] = ..., city: _Optional[str] = ..., region: _Optional[str] = ..., country: _Optional[str] = ..., industry: _Optional[str] = ..., revenue_tier: _Optional[str] = ..., website: _Optional[str] = ..., email: _Optional[str] = ..., notes: _Optional[str] = ..., access_level: _Optional[str] = ...) -> None: ...

class DeleteCompanyRequest(_message.Message):
    __slots__ = ("id", "expected_version")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class ConvertToCustomerRequest(_message.Message):
    __slots__ = ("id", "expected_version")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class ListCompanyHistoryRequest(_message.Message):
    __slots__ = ("id", "page_size", "page_token")
    ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    id: str
    page_size: int
    page_token: str
    def __init__(self, id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class CompanyHistoryEntry(_message.Message):
    __slots__ = ("field", "old_value", "new_value", "changed_by", "changed_at", "version")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    OLD_VALUE_FIELD_NUMBER: _ClassVar[int]
    NEW_VALUE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_BY_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    field: str
    old_value: str
    new_value: str
    changed_by: str
    changed_at: _timestamp_pb2.Timestamp
    version: int
    def __init__(self, field: _Optional[str] = ..., old_value: _Optional[str] = ..., new_value: _Optional[str] = ..., changed_by: _Optional[str] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class ListCompanyHistoryResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[CompanyHistoryEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[CompanyHistoryEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
