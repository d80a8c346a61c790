"""Input of substitutions."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, Field

from kontor.platform.errors import InvalidArgument

from kontor.contacts.inputs import Input


class SubstitutionCreate(Input):
    # Empty: the caller names a substitute for themselves.
    absent_user_id: uuid.UUID | None = None
    substitute_user_id: uuid.UUID
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    note: str = Field(default="", max_length=2000)

    def window(self) -> tuple[datetime, datetime]:
        if self.starts_at >= self.ends_at:
            raise InvalidArgument("ends_at", "must be after starts_at (the window is [starts_at, ends_at))")
        return self.starts_at, self.ends_at
