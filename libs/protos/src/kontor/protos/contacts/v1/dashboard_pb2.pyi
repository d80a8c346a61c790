import datetime

from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FollowUp(_message.Message):
    __slots__ = ("id", "record_type", "record_id", "assignee_id", "note", "due_at", "time_zone", "done", "done_at", "done_by", "created_by", "version", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_TYPE_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    DONE_AT_FIELD_NUMBER: _ClassVar[int]
    DONE_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    record_type: str
    record_id: str
    assignee_id: str
    note: str
    due_at: _timestamp_pb2.Timestamp
    time_zone: str
    done: bool
    done_at: _timestamp_pb2.Timestamp
    done_by: str
    created_by: str
    version: int
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., record_type: _Optional[str] = ..., record_id: _Optional[str] = ..., assignee_id: _Optional[str] = ..., note: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., time_zone: _Optional[str] = ..., done: _Optional[bool] = ..., done_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., done_by: _Optional[str] = ..., created_by: _Optional[str] = ..., version: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateFollowUpRequest(_message.Message):
    __slots__ = ("record_type", "record_id", "assignee_id", "note", "due_at", "time_zone")
    RECORD_TYPE_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    record_type: str
    record_id: str
    assignee_id: str
    note: str
    due_at: _timestamp_pb2.Timestamp
    time_zone: str
    def __init__(self, record_type: _Optional[str] = ..., record_id: _Optional[str] = ..., assignee_id: _Optional[str] = ..., note: _Optional[str] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., time_zone: _Optional[str] = ...) -> None: ...

class GetFollowUpRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListFollowUpsRequest(_message.Message):
    __slots__ = ("mine", "assignee_id", "record_type", "record_id", "due_before", "include_done", "page_size", "page_token")
    MINE_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_ID_FIELD_NUMBER: _ClassVar[int]
    RECORD_TYPE_FIELD_NUMBER: _ClassVar[int]
    RECORD_ID_FIELD_NUMBER: _ClassVar[int]
    DUE_BEFORE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DONE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    mine: bool
    assignee_id: str
    record_type: str
    record_id: str
    due_before: _timestamp_pb2.Timestamp
    include_done: bool
    page_size: int
    page_token: str
    def __init__(self, mine: _Optional[bool] = ..., assignee_id: _Optional[str] = ..., record_type: _Optional[str] = ..., record_id: _Optional[str] = ..., due_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., include_done: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListFollowUpsResponse(_message.Message):
    __slots__ = ("follow_ups", "next_page_token")
    FOLLOW_UPS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    follow_ups: _containers.RepeatedCompositeFieldContainer[FollowUp]
    next_page_token: str
    def __init__(self, follow_ups: _Optional[_Iterable[_Union[FollowUp, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CompleteFollowUpRequest(_message.Message):
    __slots__ = ("id", "expected_version")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class DeleteFollowUpRequest(_message.Message):
    __slots__ = ("id", "expected_version")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class GetTeamDashboardRequest(_message.Message):
    __slots__ = ("team_id", "period_start", "period_end", "birthday_days", "time_zone")
    TEAM_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    BIRTHDAY_DAYS_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    team_id: str
    period_start: _timestamp_pb2.Timestamp
    period_end: _timestamp_pb2.Timestamp
    birthday_days: int
    time_zone: str
    def __init__(self, team_id: _Optional[str] = ..., period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., birthday_days: _Optional[int] = ..., time_zone: _Optional[str] = ...) -> None: ...

class TeamRef(_message.Message):
    __slots__ = ("id", "name")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class EmployeeStats(_message.Message):
    __slots__ = ("user_id", "display_name", "team_ids", "companies", "contact_persons", "traces", "comments", "activities", "follow_ups_overdue", "follow_ups_due_soon", "birthdays")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    TEAM_IDS_FIELD_NUMBER: _ClassVar[int]
    COMPANIES_FIELD_NUMBER: _ClassVar[int]
    CONTACT_PERSONS_FIELD_NUMBER: _ClassVar[int]
    TRACES_FIELD_NUMBER: _ClassVar[int]
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    ACTIVITIES_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UPS_OVERDUE_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_UPS_DUE_SOON_FIELD_NUMBER: _ClassVar[int]
    BIRTHDAYS_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    display_name: str
    team_ids: _containers.RepeatedScalarFieldContainer[str]
    companies: int
    contact_persons: int
    traces: int
    comments: int
    activities: int
    follow_ups_overdue: int
    follow_ups_due_soon: int
    birthdays: int
    def __init__(self, user_id: _Optional[str] = ..., display_name: _Optional[str] = ..., team_ids: _Optional[_Iterable[str]] = ..., companies: _Optional[int] = ..., contact_persons: _Optional[int] = ..., traces: _Optional[int] = ..., comments: _Optional[int] = ..., activities: _Optional[int] = ..., follow_ups_overdue: _Optional[int] = ..., follow_ups_due_soon: _Optional[int] = ..., birthdays: _Optional[int] = ...) -> None: ...

class UpcomingBirthday(_message.Message):
    __slots__ = ("person_id", "company_id", "first_name", "last_name", "date", "days_until", "age", "user_id")
    PERSON_ID_FIELD_NUMBER: _ClassVar[int]
    COMPANY_ID_FIELD_NUMBER: _ClassVar[int]
    FIRST_NAME_FIELD_NUMBER: _ClassVar[int]
    LAST_NAME_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    DAYS_UNTIL_FIELD_NUMBER: _ClassVar[int]
    AGE_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    person_id: str
    company_id: str
    first_name: str
    last_name: str
    date: str
    days_until: int
    age: int
    user_id: str
    def __init__(self, person_id: _Optional[str] = ..., company_id: _Optional[str] = ..., first_name: _Optional[str] = ..., last_name: _Optional[str] = ..., date: _Optional[str] = ..., days_until: _Optional[int] = ..., age: _Optional[int] = ..., user_id: _Optional[str] = ...) -> None: ...

class TeamDashboard(_message.Message):
    __slots__ = ("teams", "employees", "period_start", "period_end", "birthdays", "today", "birthday_days", "time_zone", "revenue_available", "revenue_note")
    TEAMS_FIELD_NUMBER: _ClassVar[int]
    EMPLOYEES_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    BIRTHDAYS_FIELD_NUMBER: _ClassVar[int]
    TODAY_FIELD_NUMBER: _ClassVar[int]
    BIRTHDAY_DAYS_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    REVENUE_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    REVENUE_NOTE_FIELD_NUMBER: _ClassVar[int]
    teams: _containers.RepeatedCompositeFieldContainer[TeamRef]
    employees: _containers.RepeatedCompositeFieldContainer[EmployeeStats]
    period_start: _timestamp_pb2.Timestamp
    period_end: _timestamp_pb2.Timestamp
    birthdays: _containers.RepeatedCompositeFieldContainer[UpcomingBirthday]
    today: str
    birthday_days: int
    time_zone: str
    revenue_available: bool
    revenue_note: str
    def __init__(self, teams: _Optional[_Iterable[_Union[TeamRef, _Mapping]]] = ..., employees: _Optional[_Iterable[_Union[EmployeeStats, _Mapping]]] = ..., period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., birthdays: _Optional[_Iterable[_Union[UpcomingBirthday, _Mapping]]] = ..., today: _Optional[str] = ..., birthday_days: _Optional[int] = ..., time_zone: _Optional[str] = ..., revenue_available: _Optional[bool] = ..., revenue_note: _Optional[str] = ...) -> None: ...
