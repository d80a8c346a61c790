"""The working-time model of a connector (Arbeitszeitmodell): per weekday intervals in one IANA zone.

Only appointments inside working time sync on their own; an out-of-hours one can be pushed by hand.
An interval whose end is not after its start runs overnight into the next day (22:00-06:00 on Friday
is Friday 22:00 to Saturday 06:00). Intervals are wall-clock times in ``time_zone``, so 08:00-17:00
stays 08:00-17:00 across a daylight-saving change (the UTC instants move). A wall time that does not
exist on a spring-forward day (02:30 in Europe/Vienna) is read with the offset before the gap, and
one that exists twice on a fall-back day with the first (``fold=0``), as ``zoneinfo`` does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_INTERVALS_PER_DAY = 6
_HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


def iana_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ValueError, KeyError, OSError):
        raise ValueError('must be an IANA time zone such as "Europe/Vienna"') from None
    if value.lower().startswith(("etc/", "posix/", "right/")) and value != "Etc/UTC":
        raise ValueError('must be an IANA time zone such as "Europe/Vienna"')
    return value


class Interval(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    start: Annotated[str, Field(pattern=_HHMM, description='Local wall time "HH:MM"')]
    end: Annotated[str, Field(pattern=_HHMM, description='"HH:MM"; not after start: runs into the next day')]

    @model_validator(mode="after")
    def _not_empty(self) -> Interval:
        if self.start == self.end:
            raise ValueError("start and end are equal: an interval needs a length (24 h: 00:00-23:59)")
        return self

    @property
    def overnight(self) -> bool:
        return self.end < self.start

    def minutes(self) -> tuple[int, int]:
        """(start, end) in minutes after the day's midnight; end > 1440 for an overnight interval."""
        start = int(self.start[:2]) * 60 + int(self.start[3:])
        end = int(self.end[:2]) * 60 + int(self.end[3:])
        return start, end + 1440 if end < start else end


def _check_day(intervals: list[Interval], day: str) -> list[Interval]:
    if len(intervals) > MAX_INTERVALS_PER_DAY:
        raise ValueError(f"{day}: at most {MAX_INTERVALS_PER_DAY} intervals per day")
    spans = sorted(i.minutes() for i in intervals)
    for (_, end), (next_start, _) in zip(spans, spans[1:], strict=False):
        if next_start < end:
            raise ValueError(f"{day}: intervals overlap")
    return intervals


class WorkingTimeModel(BaseModel):
    """Working time per weekday in ``time_zone``; a day without intervals is off."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    time_zone: str = Field(description='IANA zone the wall times are in, e.g. "Europe/Berlin"')
    mon: list[Interval] = Field(default_factory=list)
    tue: list[Interval] = Field(default_factory=list)
    wed: list[Interval] = Field(default_factory=list)
    thu: list[Interval] = Field(default_factory=list)
    fri: list[Interval] = Field(default_factory=list)
    sat: list[Interval] = Field(default_factory=list)
    sun: list[Interval] = Field(default_factory=list)

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return iana_zone(value)

    @field_validator(*WEEKDAYS)
    @classmethod
    def _day(cls, value: list[Interval], info) -> list[Interval]:
        return _check_day(value, info.field_name)

    def intervals_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working intervals that start on local ``day``, as aware UTC instants."""
        zone = ZoneInfo(self.time_zone)
        midnight = datetime.combine(day, time(0))
        result = []
        for interval in getattr(self, WEEKDAYS[day.weekday()]):
            start_min, end_min = interval.minutes()
            local_start = midnight + timedelta(minutes=start_min)
            local_end = midnight + timedelta(minutes=end_min)
            result.append((local_start.replace(tzinfo=zone).astimezone(UTC),
                           local_end.replace(tzinfo=zone).astimezone(UTC)))
        return result

    def is_within_working_hours(self, start: datetime, end: datetime) -> bool:
        """True when all of [start, end) lies in working time (adjacent intervals count as one)."""
        return is_within_working_hours(self, start, end)


def is_within_working_hours(model: WorkingTimeModel | None, start: datetime, end: datetime) -> bool:
    """Whether an appointment from ``start`` to ``end`` (aware instants) lies completely in working time.

    No model: no restriction (everything is inside). A zero-length appointment counts when its instant
    is inside an interval.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware instants")
    if end < start:
        raise ValueError("end is before start")
    if model is None:
        return True
    zone = ZoneInfo(model.time_zone)
    first = start.astimezone(zone).date() - timedelta(days=1)  # yesterday's overnight interval may cover us
    last = end.astimezone(zone).date()
    spans: list[tuple[datetime, datetime]] = []
    day = first
    while day <= last:
        spans.extend(model.intervals_on(day))
        day += timedelta(days=1)
    # Merge touching intervals, then find one that holds [start, end).
    cursor = start.astimezone(UTC)
    goal = end.astimezone(UTC)
    for span_start, span_end in sorted(spans):
        if span_start <= cursor < span_end:
            if goal <= span_end:
                return True
            cursor = span_end
    return False
