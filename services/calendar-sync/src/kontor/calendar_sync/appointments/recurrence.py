"""Recurrence: RFC 5545 RRULE + EXDATE + overridden occurrences, expanded in the owner's zone.

Pure functions, no database. A series is expanded with python-dateutil from a
DTSTART that carries the series' ``ZoneInfo``: dateutil combines each
occurrence's date with the wall time of DTSTART and keeps the zone, so the
offset is worked out per occurrence. A weekly 09:00 meeting in Europe/Berlin is
at 08:00 UTC in winter and 07:00 UTC in summer, also in the DST weeks (2026:
29 March and 25 October). A wall time that does not exist (02:30 on the spring
night) is read with the offset before the gap, as RFC 5545 says.

Occurrences are keyed by their *recurrence id*: the original start as a UTC
instant. EXDATEs and overrides name occurrences by it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

from kontor.platform.errors import InvalidArgument

# Graph, Google and Domino map only these; sub-daily rules would also let one appointment flood a window.
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
# Beyond this many occurrences a series counts as endless (series_end None) and expansion stops.
MAX_OCCURRENCES = 5000
_PART = re.compile(r"^[A-Z]+=[A-Za-z0-9,+\-:]+$")


def zone(name: str, field: str = "time_zone") -> ZoneInfo:
    try:
        if not name or name != name.strip() or name.startswith("/") or ".." in name:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidArgument(field, 'must be an IANA time zone such as "Europe/Berlin"') from None


def normalise_rrule(text: str, field: str = "rrule") -> str:
    """The RRULE value without the "RRULE:" prefix, upper-case, checked; empty stays empty."""
    value = text.strip().removeprefix("RRULE:").strip()
    if not value:
        return ""
    value = value.upper()
    parts = value.split(";")
    if not all(_PART.match(p) for p in parts):
        raise InvalidArgument(field, 'must be an RFC 5545 RRULE value such as "FREQ=WEEKLY;BYDAY=MO,WE"')
    names = [p.split("=", 1)[0] for p in parts]
    if len(names) != len(set(names)):
        raise InvalidArgument(field, "names a rule part twice")
    freq = dict(p.split("=", 1) for p in parts).get("FREQ")
    if freq not in FREQUENCIES:
        raise InvalidArgument(field, f"FREQ must be one of {', '.join(FREQUENCIES)}")
    if "COUNT" in names and "UNTIL" in names:
        raise InvalidArgument(field, "COUNT and UNTIL exclude each other")
    try:
        probe = datetime(2026, 1, 5, 9, tzinfo=UTC)
        _rule(Series(start=probe, end=probe, time_zone="UTC", rrule=value))
    except (ValueError, TypeError, KeyError) as exc:
        raise InvalidArgument(field, f"is not a valid RRULE ({exc})") from None
    return value


@dataclass(frozen=True)
class Series:
    """What expansion needs of an appointment: its first occurrence and its rule, in its zone."""

    start: datetime  # aware, any zone
    end: datetime
    time_zone: str
    all_day: bool = False
    rrule: str = ""
    exdates: frozenset[datetime] = frozenset()  # recurrence ids (UTC)
    # recurrence id -> (start, end) of the moved/changed occurrence
    overrides: dict[datetime, tuple[datetime, datetime]] | None = None


@dataclass(frozen=True)
class Instance:
    recurrence_id: datetime | None  # None: a single appointment
    start: datetime  # UTC
    end: datetime
    overridden: bool = False


def _rule(series: Series) -> rrule:
    tz = ZoneInfo(series.time_zone)
    dtstart = series.start.astimezone(tz)
    text = series.rrule
    if "UNTIL=" in text:
        # RFC 5545: with a zoned DTSTART, UNTIL is UTC. A date-only or floating UNTIL means the owner's wall time.
        until = re.search(r"UNTIL=([0-9T]+Z?)", text).group(1)
        if not until.endswith("Z"):
            parsed = datetime.strptime(until, "%Y%m%dT%H%M%S" if "T" in until else "%Y%m%d")
            if "T" not in until:
                parsed = datetime.combine(parsed.date(), time(23, 59, 59))
            utc = parsed.replace(tzinfo=tz).astimezone(UTC)
            text = text.replace(f"UNTIL={until}", "UNTIL=" + utc.strftime("%Y%m%dT%H%M%SZ"))
    return rrulestr(text, dtstart=dtstart)


def _instance_end(series: Series, start_local: datetime) -> datetime:
    if series.all_day:
        tz = ZoneInfo(series.time_zone)
        days = (series.end.astimezone(tz).date() - series.start.astimezone(tz).date()).days
        return datetime.combine(start_local.date() + timedelta(days=days), time(), tz)
    return start_local + (series.end - series.start)


def recurrence_ids(series: Series, *, until: datetime, limit: int = MAX_OCCURRENCES) -> list[datetime]:
    """Original starts (UTC) of the series up to ``until`` (exclusive), EXDATEs included."""
    if not series.rrule:
        return [series.start.astimezone(UTC)]
    found = []
    for occurrence in _rule(series):
        if occurrence >= until or len(found) >= limit:
            break
        found.append(occurrence.astimezone(UTC))
    return found


def expand(series: Series, *, window_start: datetime, window_end: datetime,
           limit: int = MAX_OCCURRENCES) -> list[Instance]:
    """The occurrences overlapping [window_start, window_end), by start: EXDATEs left out, overrides applied."""
    overrides = series.overrides or {}
    if not series.rrule:
        start, end = series.start.astimezone(UTC), series.end.astimezone(UTC)
        return [Instance(None, start, end)] if overlaps(start, end, window_start, window_end) else []
    instances: list[Instance] = []
    longest = series.end - series.start + timedelta(days=2)  # all-day lengths vary by an hour across DST
    seen = 0
    for occurrence in _rule(series).xafter(window_start - longest, inc=True):
        if occurrence >= window_end or seen >= limit:
            break
        seen += 1
        rid = occurrence.astimezone(UTC)
        if rid in series.exdates or rid in overrides:
            continue
        end = _instance_end(series, occurrence).astimezone(UTC)
        if overlaps(rid, end, window_start, window_end):
            instances.append(Instance(rid, rid, end))
    for rid, (start, end) in overrides.items():
        if rid in series.exdates:
            continue
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if overlaps(start, end, window_start, window_end):
            instances.append(Instance(rid, start, end, overridden=True))
    instances.sort(key=lambda i: (i.start, i.recurrence_id or i.start))
    return instances


def overlaps(start: datetime, end: datetime, window_start: datetime, window_end: datetime) -> bool:
    """[start, end) meets [window_start, window_end); an instant (start == end, a milestone) when inside it."""
    if start == end:
        return window_start <= start < window_end
    return start < window_end and end > window_start


def is_occurrence(series: Series, recurrence_id: datetime) -> bool:
    """Whether ``recurrence_id`` is an original start of the series (EXDATEs included)."""
    if not series.rrule:
        return False
    rid = recurrence_id.astimezone(UTC)
    for occurrence in _rule(series):
        value = occurrence.astimezone(UTC)
        if value == rid:
            return True
        if value > rid:
            return False
    return False


def series_end(series: Series) -> datetime | None:
    """End of the last occurrence (moved ones included), or None for an endless series."""
    if not series.rrule:
        return series.end.astimezone(UTC)
    ids = recurrence_ids(series, until=datetime.max.replace(tzinfo=UTC), limit=MAX_OCCURRENCES + 1)
    if len(ids) > MAX_OCCURRENCES:
        return None
    ends = [_instance_end(series, rid.astimezone(ZoneInfo(series.time_zone))).astimezone(UTC) for rid in ids]
    ends += [end.astimezone(UTC) for _, end in (series.overrides or {}).values()]
    return max(ends) if ends else series.start.astimezone(UTC)


def all_day_bounds(start_date: date, end_date: date, time_zone: str) -> tuple[datetime, datetime]:
    """Local midnights of the first day and of the day after the last, as UTC instants."""
    tz = ZoneInfo(time_zone)
    return (datetime.combine(start_date, time(), tz).astimezone(UTC),
            datetime.combine(end_date, time(), tz).astimezone(UTC))
