from google.protobuf import empty_pb2 as _empty_pb2
from kontor.protos.mail.v1 import mailbox_pb2 as _mailbox_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RuleConditions(_message.Message):
    __slots__ = ("sender_addresses", "sender_domains", "recipient_addresses", "subject_contains", "has_attachment")
    SENDER_ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    SENDER_DOMAINS_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_ADDRESSES_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_CONTAINS_FIELD_NUMBER: _ClassVar[int]
    HAS_ATTACHMENT_FIELD_NUMBER: _ClassVar[int]
    sender_addresses: _containers.RepeatedScalarFieldContainer[str]
    sender_domains: _containers.RepeatedScalarFieldContainer[str]
    recipient_addresses: _containers.RepeatedScalarFieldContainer[str]
    subject_contains: _containers.RepeatedScalarFieldContainer[str]
    has_attachment: bool
    def __init__(self, sender_addresses: _Optional[_Iterable[str]] = ..., sender_domains: _Optional[_Iterable[str]] = ..., recipient_addresses: _Optional[_Iterable[str]] = ..., subject_contains: _Optional[_Iterable[str]] = ..., has_attachment: _Optional[bool] = ...) -> None: ...

class FilterRule(_message.Message):
    __slots__ = ("id", "account_id", "name", "conditions", "source_folder", "enabled", "position", "applied_by", "version")
    ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FOLDER_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    APPLIED_BY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    account_id: str
    name: str
    conditions: RuleConditions
    source_folder: str
    enabled: bool
    position: int
    applied_by: str
    version: int
    def __init__(self, id: _Optional[str] = ..., account_id: _Optional[str] = ..., name: _Optional[str] = ..., conditions: _Optional[_Union[RuleConditions, _Mapping]] = ..., source_folder: _Optional[str] = ..., enabled: _Optional[bool] = ..., position: _Optional[int] = ..., applied_by: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class CreateRuleRequest(_message.Message):
    __slots__ = ("account_id", "name", "conditions", "source_folder", "enabled")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FOLDER_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    name: str
    conditions: RuleConditions
    source_folder: str
    enabled: bool
    def __init__(self, account_id: _Optional[str] = ..., name: _Optional[str] = ..., conditions: _Optional[_Union[RuleConditions, _Mapping]] = ..., source_folder: _Optional[str] = ..., enabled: _Optional[bool] = ...) -> None: ...

class ListRulesRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class ListRulesResponse(_message.Message):
    __slots__ = ("rules",)
    RULES_FIELD_NUMBER: _ClassVar[int]
    rules: _containers.RepeatedCompositeFieldContainer[FilterRule]
    def __init__(self, rules: _Optional[_Iterable[_Union[FilterRule, _Mapping]]] = ...) -> None: ...

class UpdateRuleRequest(_message.Message):
    __slots__ = ("id", "expected_version", "name", "conditions", "enabled", "position")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    name: str
    conditions: RuleConditions
    enabled: bool
    position: int
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ..., name: _Optional[str] = ..., conditions: _Optional[_Union[RuleConditions, _Mapping]] = ..., enabled: _Optional[bool] = ..., position: _Optional[int] = ...) -> None: ...

class DeleteRuleRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class TestRuleRequest(_message.Message):
    __slots__ = ("account_id", "conditions", "source_folder", "limit")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FOLDER_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    conditions: RuleConditions
    source_folder: str
    limit: int
    def __init__(self, account_id: _Optional[str] = ..., conditions: _Optional[_Union[RuleConditions, _Mapping]] = ..., source_folder: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class TestRuleResponse(_message.Message):
    __slots__ = ("matches", "tested")
    MATCHES_FIELD_NUMBER: _ClassVar[int]
    TESTED_FIELD_NUMBER: _ClassVar[int]
    matches: _containers.RepeatedCompositeFieldContainer[_mailbox_pb2.MessageSummary]
    tested: int
    def __init__(self, matches: _Optional[_Iterable[_Union[_mailbox_pb2.MessageSummary, _Mapping]]] = ..., tested: _Optional[int] = ...) -> None: ...
