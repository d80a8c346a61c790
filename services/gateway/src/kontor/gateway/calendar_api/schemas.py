"""REST shapes of the CRM calendar (what /docs shows). Limits only; calendar-sync owns the rules and its
INVALID_ARGUMENT names the field that broke one."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from kontor.gateway.dashboard_api.schemas import Instant

_UUID = r"^[0-9a-fA-F-]{36}$"
Id = Annotated[str, Field(pattern=_UUID)]
Type = Literal["activity", "milestone", "service_deployment"]
Activity = Literal["meeting", "visit", "call"]
Status = Literal["open", "completed", "cancelled"]
ShowAs = Literal["busy", "tentative", "free", "out_of_office", "working_elsewhere"]
_PRIVATE = "Absent (null) for private appointments: never stored, shown to nobody"


class Participant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["employee", "contact_person"] = Field(description="employee: a user id; contact_person: a "
                                                                    "contact person id")
    id: Id
    status: Literal["needs_action", "accepted", "tentative", "declined"] = "needs_action"


class Link(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["company", "contact_person", "deal", "project"]
    id: Id


class Attachment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(default="", pattern=r"^$|" + _UUID, description="Given by the server; keep it when resending")
    name: str = Field(min_length=1, max_length=255)
    media_type: str = Field(default="application/octet-stream", max_length=127)
    size: int = Field(ge=0)
    content_ref: str = Field(pattern=r"^sha256:[0-9a-f]{64}$", description="Content address (SHA-256) of the "
                             "bytes. Upload content with POST /api/v1/appointments/{id}/attachments; download it "
                             "at .../attachments/{attachment id}")


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner_id: Id | None = Field(default=None, description="The employee whose appointment it is; default: you")
    type: Type | None = None
    activity: Activity | None = Field(default=None, description="Activities only; default meeting")
    subject: str | None = Field(default=None, max_length=500)
    location: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, max_length=20000, description="Notes / visit report")
    category: str | None = Field(default=None, max_length=100)
    start: Instant | None = Field(default=None, description="Timed appointments: the start with its offset")
    end: Instant | None = None
    time_zone: str | None = Field(default=None, max_length=64, description='IANA zone meant, e.g. "Europe/Berlin"; '
                                  "series repeat at the same wall time in it")
    all_day: bool | None = None
    start_date: date | None = Field(default=None, description="All-day: the first day")
    end_date: date | None = Field(default=None, description="All-day: the day after the last (default: next day)")
    rrule: str | None = Field(default=None, max_length=500, description='RFC 5545 RRULE, e.g. '
                              '"FREQ=WEEKLY;BYDAY=MO;COUNT=10"; empty: none')
    exdates: list[Instant] | None = Field(default=None, max_length=1000, description="Cancelled occurrences "
                                          "(their original starts)")
    participants: list[Participant] | None = Field(default=None, max_length=200)
    resource_ids: list[Id] | None = Field(default=None, max_length=20, description="Rooms and equipment to book")
    links: list[Link] | None = Field(default=None, max_length=50)
    attachments: list[Attachment] | None = Field(default=None, max_length=50)
    status: Status | None = None
    show_as: ShowAs | None = Field(default=None, description="Busy status (default busy)")
    private: bool | None = Field(default=None, description="Private: only times and busy status are kept; "
                                 "subject, notes, location, participants, links and attachments are discarded")
    sync_disabled: bool | None = Field(default=None, description="Don't sync this one to groupware")


class AppointmentCreate(_Fields):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"type": "activity", "activity": "visit", "subject": "Jahresgespräch", "location": "Hamburg",
         "start": "2026-03-23T09:00:00+01:00", "end": "2026-03-23T10:30:00+01:00", "time_zone": "Europe/Berlin",
         "rrule": "FREQ=WEEKLY;COUNT=4", "links": [{"type": "company", "id": "3f2b8c1e-0000-4000-8000-000000000000"}]}]})


class AppointmentUpdate(_Fields):
    """Only the fields sent change; lists are replaced whole. null clears a text."""


class OverrideRead(BaseModel):
    recurrence_id: datetime = Field(description="The occurrence's original start")
    start: datetime
    end: datetime
    subject: str | None = None
    location: str | None = None
    notes: str | None = None
    status: str = Field(description="Empty: as the series")
    show_as: str = Field(description="Empty: as the series")


class AppointmentRead(BaseModel):
    id: str
    owner_id: str
    type: str = Field(description="Empty for private appointments")
    activity: str
    subject: str | None = Field(description=_PRIVATE)
    location: str | None = Field(description=_PRIVATE)
    notes: str | None = Field(description=_PRIVATE)
    category: str | None = Field(description=_PRIVATE)
    start: datetime = Field(description="With the offset of time_zone (or of the time_zone you asked for)")
    end: datetime
    time_zone: str
    all_day: bool
    start_date: date | None
    end_date: date | None
    rrule: str
    exdates: list[datetime]
    overrides: list[OverrideRead]
    participants: list[Participant] = Field(description="Without contact persons you may not see")
    resource_ids: list[str]
    links: list[Link] = Field(description="Without records you may not see")
    attachments: list[Attachment]
    status: str
    show_as: str
    private: bool
    sync_disabled: bool
    version: int = Field(description="Increases with every change; send it back as If-Match")
    created_at: datetime
    updated_at: datetime
    created_by: str


class OverrideCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recurrence_id: Instant = Field(description="Original start of the occurrence to change")
    start: Instant
    end: Instant
    subject: str | None = Field(default=None, max_length=500, description="null: as the series")
    location: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, max_length=20000)
    status: Status | None = None
    show_as: ShowAs | None = None


class OccurrenceCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recurrence_id: Instant = Field(description="Original start of the occurrence to cancel")


class OccurrenceRead(BaseModel):
    appointment_id: str
    recurrence_id: datetime | None = Field(description="Original start; null for single appointments")
    start: datetime
    end: datetime
    overridden: bool
    subject: str | None = Field(description=_PRIVATE)
    location: str | None = Field(description=_PRIVATE)
    status: str
    show_as: str
    appointment: AppointmentRead = Field(description="The appointment or series (overrides left out)")


class CalendarPage(BaseModel):
    items: list[OccurrenceRead] = Field(description="By start, then appointment id")
    next_page_token: str = Field(description="Pass as page_token for the next page; empty on the last page")


class BusyRead(BaseModel):
    start: datetime
    end: datetime
    show_as: str


class ScheduleRead(BaseModel):
    kind: Literal["user", "resource"]
    id: str
    busy: list[BusyRead] = Field(description="Busy times only: no subjects, no ids (private ones count too)")


class FreeBusyRead(BaseModel):
    schedules: list[ScheduleRead]


class ResourceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"name": "Besprechungsraum Elbe", "kind": "room", "email": "elbe@firma.example", "capacity": 8}]})

    name: str = Field(min_length=1, max_length=200)
    kind: Literal["room", "equipment"] = "room"
    email: str = Field(default="", max_length=320)
    external_id: str = Field(default="", max_length=500)
    capacity: int = Field(default=0, ge=0, le=100000)
    allow_double_booking: bool = False


class ResourceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: Literal["room", "equipment"] | None = None
    email: str | None = Field(default=None, max_length=320)
    external_id: str | None = Field(default=None, max_length=500)
    capacity: int | None = Field(default=None, ge=0, le=100000)
    allow_double_booking: bool | None = None


class ResourceRead(BaseModel):
    id: str
    name: str
    kind: str
    email: str
    external_id: str
    capacity: int
    allow_double_booking: bool
    server_id: str | None = Field(description="The groupware server it was imported from; null: kept by hand")
    version: int
    created_at: datetime


class ResourcePage(BaseModel):
    items: list[ResourceRead] = Field(description="Newest first")
    next_page_token: str
