import datetime

from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Participant(_message.Message):
    __slots__ = ("kind", "id", "status")
    KIND_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    kind: str
    id: str
    status: str
    def __init__(self, kind: _Optional[str] = ..., id: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class Link(_message.Message):
    __slots__ = ("type", "id")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    type: str
    id: str
    def __init__(self, type: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class Attachment(_message.Message):
    __slots__ = ("id", "name", "media_type", "size", "content_ref")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_REF_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    media_type: str
    size: int
    content_ref: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., media_type: _Optional[str] = ..., size: _Optional[int] = ..., content_ref: _Optional[str] = ...) -> None: ...

class OccurrenceOverride(_message.Message):
    __slots__ = ("recurrence_id", "start", "end", "subject", "location", "notes", "status", "show_as")
    RECURRENCE_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SHOW_AS_FIELD_NUMBER: _ClassVar[int]
    recurrence_id: _timestamp_pb2.Timestamp
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    subject: str
    location: str
    notes: str
    status: str
    show_as: str
    def __init__(self, recurrence_id: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., subject: _Optional[str] = ..., location: _Optional[str] = ..., notes: _Optional[str] = ..., status: _Optional[str] = ..., show_as: _Optional[str] = ...) -> None: ...

class Appointment(_message.Message):
    __slots__ = ("id", "owner_id", "type", "activity", "subject", "location", "notes", "category", "start", "end", "time_zone", "all_day", "start_date", "end_date", "rrule", "exdates", "overrides", "participants", "resource_ids", "links", "attachments", "status", "show_as", "private", "sync_disabled", "version", "created_at", "updated_at", "created_by")
    ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    ALL_DAY_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    RRULE_FIELD_NUMBER: _ClassVar[int]
    EXDATES_FIELD_NUMBER: _ClassVar[int]
    OVERRIDES_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_IDS_FIELD_NUMBER: _ClassVar[int]
    LINKS_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SHOW_AS_FIELD_NUMBER: _ClassVar[int]
    PRIVATE_FIELD_NUMBER: _ClassVar[int]
    SYNC_DISABLED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    id: str
    owner_id: str
    type: str
    activity: str
    subject: str
    location: str
    notes: str
    category: str
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    time_zone: str
    all_day: bool
    start_date: str
    end_date: str
    rrule: str
    exdates: _containers.RepeatedCompositeFieldContainer[_timestamp_pb2.Timestamp]
    overrides: _containers.RepeatedCompositeFieldContainer[OccurrenceOverride]
    participants: _containers.RepeatedCompositeFieldContainer[Participant]
    resource_ids: _containers.RepeatedScalarFieldContainer[str]
    links: _containers.RepeatedCompositeFieldContainer[Link]
    attachments: _containers.RepeatedCompositeFieldContainer[Attachment]
    status: str
    show_as: str
    private: bool
    sync_disabled: bool
    version: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    created_by: str
    def __init__(self, id: _Optional[str] = ..., owner_id: _Optional[str] = ..., type: _Optional[str] = ..., activity: _Optional[str] = ..., subject: _Optional[str] = ..., location: _Optional[str] = ..., notes: _Optional[str] = ..., category: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., time_zone: _Optional[str] = ..., all_day: _Optional[bool] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ..., rrule: _Optional[str] = ..., exdates: _Optional[_Iterable[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]]] = ..., overrides: _Optional[_Iterable[_Union[OccurrenceOverride, _Mapping]]] = ..., participants: _Optional[_Iterable[_Union[Participant, _Mapping]]] = ..., resource_ids: _Optional[_Iterable[str]] = ..., links: _Optional[_Iterable[_Union[Link, _Mapping]]] = ..., attachments: _Optional[_Iterable[_Union[Attachment, _Mapping]]] = ..., status: _Optional[str] = ..., show_as: _Optional[str] = ..., private: _Optional[bool] = ..., sync_disabled: _Optional[bool] = ..., version: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ...) -> None: ...

class ParticipantList(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Participant]
    def __init__(self, items: _Optional[_Iterable[_Union[Participant, _Mapping]]] = ...) -> None: ...

class LinkList(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Link]
    def __init__(self, items: _Optional[_Iterable[_Union[Link, _Mapping]]] = ...) -> None: ...

class AttachmentList(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[Attachment]
    def __init__(self, items: _Optional[_Iterable[_Union[Attachment, _Mapping]]] = ...) -> None: ...

class IdList(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, items: _Optional[_Iterable[str]] = ...) -> None: ...

class TimestampList(_message.Message):
    __slots__ = ("items",)
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[_timestamp_pb2.Timestamp]
    def __init__(self, items: _Optional[_Iterable[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]]] = ...) -> None: ...

class AppointmentFields(_message.Message):
    __slots__ = ("owner_id", "type", "activity", "subject", "location", "notes", "category", "start", "end", "time_zone", "all_day", "start_date", "end_date", "rrule", "exdates", "participants", "resource_ids", "links", "attachments", "status", "show_as", "private", "sync_disabled")
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    ALL_DAY_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    RRULE_FIELD_NUMBER: _ClassVar[int]
    EXDATES_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_IDS_FIELD_NUMBER: _ClassVar[int]
    LINKS_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SHOW_AS_FIELD_NUMBER: _ClassVar[int]
    PRIVATE_FIELD_NUMBER: _ClassVar[int]
    SYNC_DISABLED_FIELD_NUMBER: _ClassVar[int]
    owner_id: str
    type: str
    activity: str
    subject: str
    location: str
    notes: str
    category: str
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    time_zone: str
    all_day: bool
    start_date: str
    end_date: str
    rrule: str
    exdates: TimestampList
    participants: ParticipantList
    resource_ids: IdList
    links: LinkList
    attachments: AttachmentList
    status: str
    show_as: str
    private: bool
    sync_disabled: bool
    def __init__(self, owner_id: _Optional[str] = ..., type: _Optional[str] = ..., activity: _Optional[str] = ..., subject: _Optional[str] = ..., location: _Optional[str] = ..., notes: _Optional[str] = ..., category: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., time_zone: _Optional[str] = ..., all_day: _Optional[bool] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ..., rrule: _Optional[str] = ..., exdates: _Optional[_Union[TimestampList, _Mapping]] = ..., participants: _Optional[_Union[ParticipantList, _Mapping]] = ..., resource_ids: _Optional[_Union[IdList, _Mapping]] = ..., links: _Optional[_Union[LinkList, _Mapping]] = ..., attachments: _Optional[_Union[AttachmentList, _Mapping]] = ..., status: _Optional[str] = ..., show_as: _Optional[str] = ..., private: _Optional[bool] = ..., sync_disabled: _Optional[bool] = ...) -> None: ...

class Occurrence(_message.Message):
    __slots__ = ("appointment_id", "recurrence_id", "start", "end", "overridden", "subject", "location", "status", "show_as", "appointment")
    APPOINTMENT_ID_FIELD_NUMBER: _ClassVar[int]
    RECURRENCE_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    OVERRIDDEN_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SHOW_AS_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_FIELD_NUMBER: _ClassVar[int]
    appointment_id: str
    recurrence_id: _timestamp_pb2.Timestamp
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    overridden: bool
    subject: str
    location: str
    status: str
    show_as: str
    appointment: Appointment
    def __init__(self, appointment_id: _Optional[str] = ..., recurrence_id: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., overridden: _Optional[bool] = ..., subject: _Optional[str] = ..., location: _Optional[str] = ..., status: _Optional[str] = ..., show_as: _Optional[str] = ..., appointment: _Optional[_Union[Appointment, _Mapping]] = ...) -> None: ...

class CreateAppointmentRequest(_message.Message):
    __slots__ = ("fields",)
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    fields: AppointmentFields
    def __init__(self, fields: _Optional[_Union[AppointmentFields, _Mapping]] = ...) -> None: ...

class GetAppointmentRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class UpdateAppointmentRequest(_message.Message):
    __slots__ = ("id", "expected_version", "fields")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    fields: AppointmentFields
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ..., fields: _Optional[_Union[AppointmentFields, _Mapping]] = ...) -> None: ...

class DeleteAppointmentRequest(_message.Message):
    __slots__ = ("id", "expected_version")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class OverrideOccurrenceRequest(_message.Message):
    __slots__ = ("id", "expected_version", "override")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    OVERRIDE_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    override: OccurrenceOverride
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ..., override: _Optional[_Union[OccurrenceOverride, _Mapping]] = ...) -> None: ...

class CancelOccurrenceRequest(_message.Message):
    __slots__ = ("id", "expected_version", "recurrence_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    RECURRENCE_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    recurrence_id: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ..., recurrence_id: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListCalendarRequest(_message.Message):
    __slots__ = ("calendar_type", "calendar_id", "to", "page_size", "page_token")
    CALENDAR_TYPE_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    calendar_type: str
    calendar_id: str
    to: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    def __init__(self, calendar_type: _Optional[str] = ..., calendar_id: _Optional[str] = ..., to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., **kwargs) -> None: ...

class ListCalendarResponse(_message.Message):
    __slots__ = ("occurrences", "next_page_token")
    OCCURRENCES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    occurrences: _containers.RepeatedCompositeFieldContainer[Occurrence]
    next_page_token: str
    def __init__(self, occurrences: _Optional[_Iterable[_Union[Occurrence, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetFreeBusyRequest(_message.Message):
    __slots__ = ("user_ids", "resource_ids", "to")
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_IDS_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    resource_ids: _containers.RepeatedScalarFieldContainer[str]
    to: _timestamp_pb2.Timestamp
    def __init__(self, user_ids: _Optional[_Iterable[str]] = ..., resource_ids: _Optional[_Iterable[str]] = ..., to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., **kwargs) -> None: ...

class BusyInterval(_message.Message):
    __slots__ = ("start", "end", "show_as")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    SHOW_AS_FIELD_NUMBER: _ClassVar[int]
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    show_as: str
    def __init__(self, start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., show_as: _Optional[str] = ...) -> None: ...

class FreeBusySchedule(_message.Message):
    __slots__ = ("kind", "id", "busy")
    KIND_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    BUSY_FIELD_NUMBER: _ClassVar[int]
    kind: str
    id: str
    busy: _containers.RepeatedCompositeFieldContainer[BusyInterval]
    def __init__(self, kind: _Optional[str] = ..., id: _Optional[str] = ..., busy: _Optional[_Iterable[_Union[BusyInterval, _Mapping]]] = ...) -> None: ...

class GetFreeBusyResponse(_message.Message):
    __slots__ = ("schedules",)
    SCHEDULES_FIELD_NUMBER: _ClassVar[int]
    schedules: _containers.RepeatedCompositeFieldContainer[FreeBusySchedule]
    def __init__(self, schedules: _Optional[_Iterable[_Union[FreeBusySchedule, _Mapping]]] = ...) -> None: ...

class Resource(_message.Message):
    __slots__ = ("id", "name", "kind", "email", "external_id", "capacity", "allow_double_booking", "server_id", "version", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    ALLOW_DOUBLE_BOOKING_FIELD_NUMBER: _ClassVar[int]
    SERVER_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    kind: str
    email: str
    external_id: str
    capacity: int
    allow_double_booking: bool
    server_id: str
    version: int
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[str] = ..., email: _Optional[str] = ..., external_id: _Optional[str] = ..., capacity: _Optional[int] = ..., allow_double_booking: _Optional[bool] = ..., server_id: _Optional[str] = ..., version: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ResourceFields(_message.Message):
    __slots__ = ("name", "kind", "email", "external_id", "capacity", "allow_double_booking")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    ALLOW_DOUBLE_BOOKING_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: str
    email: str
    external_id: str
    capacity: int
    allow_double_booking: bool
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[str] = ..., email: _Optional[str] = ..., external_id: _Optional[str] = ..., capacity: _Optional[int] = ..., allow_double_booking: _Optional[bool] = ...) -> None: ...

class CreateResourceRequest(_message.Message):
    __slots__ = ("fields",)
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    fields: ResourceFields
    def __init__(self, fields: _Optional[_Union[ResourceFields, _Mapping]] = ...) -> None: ...

class GetResourceRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListResourcesRequest(_message.Message):
    __slots__ = ("kind", "page_size", "page_token")
    KIND_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    kind: str
    page_size: int
    page_token: str
    def __init__(self, kind: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListResourcesResponse(_message.Message):
    __slots__ = ("resources", "next_page_token")
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    resources: _containers.RepeatedCompositeFieldContainer[Resource]
    next_page_token: str
    def __init__(self, resources: _Optional[_Iterable[_Union[Resource, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateResourceRequest(_message.Message):
    __slots__ = ("id", "expected_version", "fields")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    fields: ResourceFields
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ..., fields: _Optional[_Union[ResourceFields, _Mapping]] = ...) -> None: ...

class DeleteResourceRequest(_message.Message):
    __slots__ = ("id", "expected_version")
    ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    expected_version: int
    def __init__(self, id: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...
