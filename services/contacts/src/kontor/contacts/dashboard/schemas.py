"""Input of the team dashboard."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from pydantic import AwareDatetime, Field

from kontor.platform.errors import InvalidArgument

from kontor.contacts.dashboard.birthdays import DEFAULT_DAYS, MAX_DAYS
from kontor.contacts.identity.schemas import TimeZone
from kontor.contacts.inputs import Input

DEFAULT_PERIOD = timedelta(days=30)
MAX_PERIOD = timedelta(days=366)


class DashboardQuery(Input):
    # None: the caller's own teams.
    team_id: uuid.UUID | None = None
    period_start: AwareDatetime | None = None
    period_end: AwareDatetime | None = None
    birthday_days: int = Field(default=DEFAULT_DAYS, ge=1, le=MAX_DAYS)
    # None: the caller's own zone, else UTC.
    time_zone: TimeZone | None = None

    def period(self, now: datetime) -> tuple[datetime, datetime]:
        """[start, end) of the activity counts: by default the 30 days up to ``now``."""
        end = (self.period_end or now).astimezone(UTC)
        start = (self.period_start or end - DEFAULT_PERIOD).astimezone(UTC)
        if start >= end:
            raise InvalidArgument("period_end", "must be after period_start")
        if end - start > MAX_PERIOD:
            raise InvalidArgument("period_start", "the period may span at most 366 days")
        return start, end
