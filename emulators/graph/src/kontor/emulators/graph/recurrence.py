"""``patternedRecurrence`` expanded with ``dateutil.rrule``.

Graph's recurrence is a pattern plus a range
(https://learn.microsoft.com/graph/api/resources/patternedrecurrence,
https://learn.microsoft.com/graph/api/resources/recurrencepattern,
https://learn.microsoft.com/graph/api/resources/recurrencerange):

* pattern ``type``: ``daily`` (interval days), ``weekly`` (interval,
  ``daysOfWeek``, ``firstDayOfWeek``), ``absoluteMonthly`` (``dayOfMonth``),
  ``relativeMonthly`` (``daysOfWeek`` + ``index`` first…fourth/last),
  ``absoluteYearly`` (``dayOfMonth`` + ``month``), ``relativeYearly``
  (``daysOfWeek`` + ``index`` + ``month``);
* range ``type``: ``endDate`` (inclusive date), ``numbered``
  (``numberOfOccurrences``), ``noEnd``; ``startDate`` is the first date.

``dayOfMonth`` 29–31 falls on the last day of shorter months (February 28
outside leap years), as Outlook generates them ("The last day of every month
can be represented by the value 31 in monthly recurrences … Outlook and CDO
generate recurrences on February 28 for years other than leap years":
http://msdn2.microsoft.com/en-us/library/ms528295(v=exchg.10); MS-OXCICAL maps
``BYMONTHDAY=-1`` to day 31: https://msdn.microsoft.com/en-us/library/ee201807(v=exchg.80).aspx).

Occurrences keep the series' wall-clock time in its time zone
(``recurrenceTimeZone`` or the start's zone), so a 09:00 weekly meeting in
"W. Europe Standard Time" is 08:00Z in winter and 07:00Z in summer.
Exceptions and cancelled occurrences are keyed by the occurrence's original
start (UTC), which is what ``originalStart`` reports
(https://learn.microsoft.com/graph/api/event-list-instances).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from dateutil import rrule

from kontor.emulators.graph.errors import GraphError
from kontor.emulators.graph.timezones import zone

_DAYS = {
    "monday": rrule.MO,
    "tuesday": rrule.TU,
    "wednesday": rrule.WE,
    "thursday": rrule.TH,
    "friday": rrule.FR,
    "saturday": rrule.SA,
    "sunday": rrule.SU,
}
_INDEX = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
_TYPES = {"daily", "weekly", "absoluteMonthly", "relativeMonthly", "absoluteYearly", "relativeYearly"}


def _bad(message: str) -> GraphError:
    return GraphError(400, "ErrorInvalidRequest", message)


def _days(pattern: dict) -> list:
    names = pattern.get("daysOfWeek") or []
    try:
        return [_DAYS[n.lower()] for n in names]
    except (KeyError, AttributeError):
        raise _bad(f"Invalid daysOfWeek: {names}") from None


def validate(recurrence: dict) -> None:
    """400 for a recurrence Graph would refuse (missing parts, unknown types)."""
    pattern, rng = recurrence.get("pattern"), recurrence.get("range")
    if not isinstance(pattern, dict) or not isinstance(rng, dict):
        raise _bad("Recurrence must have a pattern and a range.")
    if pattern.get("type") not in _TYPES:
        raise _bad(f"Invalid recurrence pattern type '{pattern.get('type')}'.")
    if pattern["type"] in ("weekly", "relativeMonthly", "relativeYearly") and not pattern.get("daysOfWeek"):
        raise _bad("Recurrence pattern requires daysOfWeek.")
    if pattern["type"] in ("absoluteMonthly", "absoluteYearly") and not pattern.get("dayOfMonth"):
        raise _bad("Recurrence pattern requires dayOfMonth.")
    if pattern["type"] in ("absoluteYearly", "relativeYearly") and not pattern.get("month"):
        raise _bad("Recurrence pattern requires month.")
    if rng.get("type") not in ("endDate", "noEnd", "numbered"):
        raise _bad(f"Invalid recurrence range type '{rng.get('type')}'.")
    if not rng.get("startDate"):
        raise _bad("Recurrence range requires startDate.")
    if rng["type"] == "endDate" and not rng.get("endDate"):
        raise _bad("Recurrence range of type endDate requires endDate.")
    if rng["type"] == "numbered" and int(rng.get("numberOfOccurrences") or 0) < 1:
        raise _bad("Recurrence range of type numbered requires numberOfOccurrences.")
    _days(pattern)


def _clamped_day(kwargs: dict, day: int) -> None:
    """Day 29-31 falls on the last day of shorter months (Feb 28 outside leap years), as Outlook does;
    RFC 5545 would skip those months instead."""
    if day > 28:
        kwargs["bymonthday"] = (day, -1)
        kwargs["bysetpos"] = 1
    else:
        kwargs["bymonthday"] = day


def build_rule(recurrence: dict, first_start_utc: datetime, zone_name: str) -> rrule.rrule:
    """The rrule producing naive wall-clock starts in the series' zone."""
    validate(recurrence)
    pattern, rng = recurrence["pattern"], recurrence["range"]
    tz = zone(rng.get("recurrenceTimeZone") or zone_name)
    wall = first_start_utc.astimezone(tz)
    start_date = date.fromisoformat(rng["startDate"][:10])
    dtstart = datetime.combine(start_date, wall.time().replace(tzinfo=None))
    kind = pattern["type"]
    kwargs: dict = {"dtstart": dtstart, "interval": max(1, int(pattern.get("interval") or 1))}
    freq = {"daily": rrule.DAILY, "weekly": rrule.WEEKLY, "absoluteMonthly": rrule.MONTHLY,
            "relativeMonthly": rrule.MONTHLY, "absoluteYearly": rrule.YEARLY, "relativeYearly": rrule.YEARLY}[kind]
    if kind == "weekly":
        kwargs["byweekday"] = _days(pattern)
        kwargs["wkst"] = _DAYS[(pattern.get("firstDayOfWeek") or "sunday").lower()]
    if kind.endswith("Yearly"):
        kwargs["bymonth"] = int(pattern["month"])
    if kind.startswith("absolute"):
        _clamped_day(kwargs, int(pattern["dayOfMonth"]))
    if kind.startswith("relative"):
        kwargs["byweekday"] = _days(pattern)
        kwargs["bysetpos"] = _INDEX[(pattern.get("index") or "first").lower()]
    if rng["type"] == "endDate":
        kwargs["until"] = datetime.combine(date.fromisoformat(rng["endDate"][:10]), datetime.max.time())
    elif rng["type"] == "numbered":
        kwargs["count"] = int(rng["numberOfOccurrences"])
    return rrule.rrule(freq, **kwargs)


def occurrence_starts(
    recurrence: dict,
    first_start_utc: datetime,
    zone_name: str,
    window_start: datetime,
    window_end: datetime,
    duration: timedelta,
) -> Iterator[datetime]:
    """UTC starts of the occurrences that overlap [window_start, window_end)."""
    rule = build_rule(recurrence, first_start_utc, zone_name)
    tz = zone(recurrence["range"].get("recurrenceTimeZone") or zone_name)
    lo = (window_start - duration - timedelta(days=2)).astimezone(tz).replace(tzinfo=None)
    hi = (window_end + timedelta(days=2)).astimezone(tz).replace(tzinfo=None)
    for naive in rule.between(lo, hi, inc=True):
        start = naive.replace(tzinfo=tz).astimezone(UTC)
        if overlaps(start, start + duration, window_start, window_end):
            yield start


def overlaps(start: datetime, end: datetime, window_start: datetime, window_end: datetime) -> bool:
    """calendarView membership: the event overlaps the window (a zero-length event at its start counts)."""
    return start < window_end and (end > window_start or (end == start and start >= window_start))
