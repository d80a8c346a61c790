"""Input of a hand-over."""

from __future__ import annotations

import uuid

from pydantic import Field

from kontor.contacts.assignment.schemas import RecordType
from kontor.contacts.inputs import Input


class RecordRefInput(Input):
    type: RecordType
    id: uuid.UUID


class HandoverCreate(Input):
    from_user_id: uuid.UUID
    to_user_id: uuid.UUID
    # Empty: every record from_user_id is assigned to.
    records: list[RecordRefInput] = Field(default_factory=list, max_length=1000)
    note: str = Field(default="", max_length=2000)
