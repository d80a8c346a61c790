"""Inputs of follow-ups."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, field_validator

from kontor.contacts.identity.schemas import TimeZone
from kontor.contacts.inputs import Input

MAX_NOTE = 2000
RecordType = Literal["company", "contact_person"]
Note = Annotated[str, Field(max_length=MAX_NOTE)]


class FollowUpCreate(Input):
    record_type: RecordType
    record_id: uuid.UUID
    # None: the caller.
    assignee_id: uuid.UUID | None = None
    note: Note = ""
    due_at: AwareDatetime
    time_zone: TimeZone = "UTC"

    @field_validator("due_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)


class FollowUpFilter(Input):
    """What ListFollowUps narrows by; every field optional."""

    mine: bool = False
    # Ignored when ``mine`` is set.
    assignee_id: uuid.UUID | None = None
    record_type: RecordType | None = None
    record_id: uuid.UUID | None = None
    due_before: AwareDatetime | None = None
    include_done: bool = False
