"""Inputs of appointments. ``AppointmentData`` is the whole validated state: creates build it from the request,
updates from the stored appointment overlaid with the fields sent, so one set of rules checks both."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, field_validator, model_validator

from kontor.platform.inputs import Input

from kontor.calendar_sync.appointments import recurrence

Type = Literal["activity", "milestone", "service_deployment"]
Activity = Literal["meeting", "visit", "call"]
Status = Literal["open", "completed", "cancelled"]
ShowAs = Literal["busy", "tentative", "free", "out_of_office", "working_elsewhere"]
ParticipantKind = Literal["employee", "contact_person"]
ParticipationStatus = Literal["needs_action", "accepted", "tentative", "declined"]
LinkType = Literal["company", "contact_person", "deal", "project"]
ContentRef = Annotated[str, Field(pattern=r"^sha256:[0-9a-f]{64}$")]

# The fields a private appointment never keeps (docs/calendar.md, "Privacy").
DETAIL_FIELDS = ("type", "activity", "subject", "location", "notes", "category", "participants", "links",
                 "attachments", "resource_ids")


class ParticipantIn(Input):
    kind: ParticipantKind
    id: uuid.UUID
    status: ParticipationStatus = "needs_action"


class LinkIn(Input):
    type: LinkType
    id: uuid.UUID


class AttachmentIn(Input):
    id: uuid.UUID | None = None
    name: str = Field(min_length=1, max_length=255)
    media_type: str = Field(default="application/octet-stream", max_length=127)
    size: int = Field(ge=0)
    content_ref: ContentRef


class AppointmentData(Input):
    owner_id: uuid.UUID
    type: Type | None = "activity"
    activity: Activity | None = None
    subject: str | None = Field(default=None, max_length=500)
    location: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, max_length=20000)
    category: str | None = Field(default=None, max_length=100)
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    time_zone: str = "UTC"
    all_day: bool = False
    start_date: date | None = None
    end_date: date | None = None
    rrule: str = ""
    exdates: list[AwareDatetime] = Field(default_factory=list, max_length=1000)
    participants: list[ParticipantIn] = Field(default_factory=list, max_length=200)
    resource_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    links: list[LinkIn] = Field(default_factory=list, max_length=50)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=50)
    status: Status = "open"
    show_as: ShowAs = "busy"
    private: bool = False
    sync_disabled: bool = False

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        recurrence.zone(value)
        return value

    @field_validator("rrule")
    @classmethod
    def _rrule(cls, value: str) -> str:
        return recurrence.normalise_rrule(value)

    @model_validator(mode="after")
    def _shape(self) -> AppointmentData:
        if self.all_day:
            if self.start_date is None:
                raise ValueError("start_date: all-day appointments need start_date (YYYY-MM-DD)")
            if self.end_date is None:
                self.end_date = date.fromordinal(self.start_date.toordinal() + 1)
            if self.end_date <= self.start_date:
                raise ValueError("end_date: must be after start_date (the day after the last day)")
            self.start, self.end = recurrence.all_day_bounds(self.start_date, self.end_date, self.time_zone)
        else:
            if self.start is None or self.end is None:
                raise ValueError("start: timed appointments need start and end (or all_day with start_date)")
            self.start, self.end = self.start.astimezone(UTC), self.end.astimezone(UTC)
            if self.end < self.start:
                raise ValueError("end: must not be before start")
            self.start_date = self.end_date = None
        if not (1900 <= self.start.year and self.end.year <= 9000):
            raise ValueError("start: must lie between the years 1900 and 9000")
        self.exdates = sorted({value.astimezone(UTC) for value in self.exdates})
        if self.exdates and not self.rrule:
            raise ValueError("exdates: only a series (rrule) has occurrences to cancel")
        if self.private:
            # The privacy rule: none of this is kept, for anyone (docs/calendar.md).
            self.type = self.activity = self.subject = self.location = self.notes = self.category = None
            self.participants, self.links, self.attachments, self.resource_ids = [], [], [], []
            return self
        if self.type is None:
            self.type = "activity"
        if self.type == "activity":
            self.activity = self.activity or "meeting"
        elif self.activity is not None:
            raise ValueError("activity: only activities have one (meeting, visit or call)")
        keys = [(p.kind, p.id) for p in self.participants]
        if len(keys) != len(set(keys)):
            raise ValueError("participants: names someone twice")
        if len(set(self.resource_ids)) != len(self.resource_ids):
            raise ValueError("resource_ids: names a resource twice")
        links = [(link.type, link.id) for link in self.links]
        if len(links) != len(set(links)):
            raise ValueError("links: names a record twice")
        return self


def field_of(error_message: str) -> str:
    """The field a model-level message names ("start: ..." -> "start")."""
    match = re.match(r"^(?:Value error, )?([a-z_]+): ", error_message)
    return match.group(1) if match else "appointment"


class OverrideData(Input):
    recurrence_id: AwareDatetime
    start: AwareDatetime
    end: AwareDatetime
    subject: str | None = Field(default=None, max_length=500)
    location: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, max_length=20000)
    status: Status | None = None
    show_as: ShowAs | None = None

    @model_validator(mode="after")
    def _times(self) -> OverrideData:
        self.recurrence_id = self.recurrence_id.astimezone(UTC)
        self.start, self.end = self.start.astimezone(UTC), self.end.astimezone(UTC)
        if self.end < self.start:
            raise ValueError("end: must not be before start")
        return self


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)
