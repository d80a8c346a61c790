"""RFC 5545 ``RRULE`` ↔ Graph ``patternedRecurrence``, both ways.

Graph's recurrence is a pattern plus a range
(https://learn.microsoft.com/graph/api/resources/patternedrecurrence,
https://learn.microsoft.com/graph/api/resources/recurrencepattern,
https://learn.microsoft.com/graph/api/resources/recurrencerange). The
mapping follows MS-OXCICAL's (the rules Exchange itself uses for iCalendar):

================  ==========================================================
pattern           RRULE (canonical form written here)
================  ==========================================================
daily             ``FREQ=DAILY[;INTERVAL=n]``
weekly            ``FREQ=WEEKLY[;INTERVAL=n];BYDAY=MO,WE;WKST=SU``
absoluteMonthly   ``FREQ=MONTHLY[;INTERVAL=n];BYMONTHDAY=d``
relativeMonthly   ``FREQ=MONTHLY[;INTERVAL=n];BYDAY=2TU`` (one day) or
                  ``BYDAY=MO,TU;BYSETPOS=2`` (several days, "the second weekday")
absoluteYearly    ``FREQ=YEARLY[;INTERVAL=n];BYMONTH=m;BYMONTHDAY=d``
relativeYearly    ``FREQ=YEARLY[;INTERVAL=n];BYMONTH=m;BYDAY=-1FR``
range numbered    ``COUNT=n``; endDate → ``UNTIL`` (end of that day in the
                  series' zone, as UTC; a DATE for all-day series); noEnd → none
================  ==========================================================

Index first…fourth/last is ordinal 1…4/-1. Outlook puts day 29–31 of a
monthly/yearly pattern on the last day of shorter months; RFC 5545 would skip
those months, so day 31 is written ``BYMONTHDAY=-1`` (as MS-OXCICAL does) and
day 29/30 as ``BYMONTHDAY=28,29[,30];BYSETPOS=-1`` ("the last of those that
exist"), which expands to the same dates. Reading, a bare ``BYMONTHDAY=30``
from elsewhere becomes day 30 (Outlook will then also use 28/29 February).

Not expressible in Graph (raise :class:`UnsupportedRecurrence`): HOURLY and
finer, BYWEEKNO/BYYEARDAY/BYHOUR/…, several BYMONTH values, ordinals other
than 1–4 and -1, COUNT with UNTIL. EXDATEs are not part of the pattern: Graph
models a cancelled occurrence as a deleted instance (see the provider).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from kontor.calendar_sync.providers.base import UnsupportedRecurrence
from kontor.calendar_sync.providers.graph.timezones import to_iana, to_windows, zone

DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
DAY_NAMES = {"MO": "monday", "TU": "tuesday", "WE": "wednesday", "TH": "thursday", "FR": "friday",
             "SA": "saturday", "SU": "sunday"}
NAME_DAYS = {v: k for k, v in DAY_NAMES.items()}
INDEX = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
INDEX_NUM = {v: k for k, v in INDEX.items()}
_ALLOWED = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST", "COUNT", "UNTIL"}


def parse_rrule(rrule: str) -> dict[str, str]:
    text = rrule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    parts: dict[str, str] = {}
    for chunk in filter(None, text.split(";")):
        key, sep, value = chunk.partition("=")
        if not sep:
            raise UnsupportedRecurrence(f"malformed RRULE part {chunk!r}")
        key = key.strip().upper()
        if key in parts:
            raise UnsupportedRecurrence(f"repeated RRULE part {key}")
        parts[key] = value.strip().upper()
    extra = set(parts) - _ALLOWED
    if extra:
        raise UnsupportedRecurrence(f"RRULE parts Graph cannot express: {sorted(extra)}")
    if "FREQ" not in parts:
        raise UnsupportedRecurrence("RRULE without FREQ")
    if "COUNT" in parts and "UNTIL" in parts:
        raise UnsupportedRecurrence("RRULE with both COUNT and UNTIL")
    return parts


def _int(value: str, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise UnsupportedRecurrence(f"bad {what} {value!r}") from None


def _byday(value: str) -> list[tuple[int | None, str]]:
    out = []
    for item in value.split(","):
        item = item.strip()
        day = item[-2:]
        if day not in DAYS:
            raise UnsupportedRecurrence(f"bad BYDAY {item!r}")
        ordinal = _int(item[:-2], "BYDAY ordinal") if item[:-2] else None
        out.append((ordinal, day))
    return out


def _sorted_days(days: list[str]) -> list[str]:
    return sorted(set(days), key=DAYS.index)


def _day_of_month(parts: dict[str, str], default: int) -> int:
    raw = parts.get("BYMONTHDAY")
    setpos = parts.get("BYSETPOS")
    if raw is None:
        if setpos is not None:
            raise UnsupportedRecurrence("BYSETPOS without BYDAY/BYMONTHDAY")
        return default
    values = [_int(v, "BYMONTHDAY") for v in raw.split(",")]
    if values == [-1] and setpos is None:
        return 31
    if len(values) == 1 and setpos is None and 1 <= values[0] <= 31:
        return values[0]
    if setpos == "-1" and values == list(range(28, values[-1] + 1)) and values[-1] in (29, 30):
        return values[-1]
    raise UnsupportedRecurrence(f"BYMONTHDAY={raw} cannot be expressed in Graph")


def _write_day_of_month(day: int) -> list[str]:
    if day == 31:
        return ["BYMONTHDAY=-1"]
    if day in (29, 30):
        return ["BYMONTHDAY=" + ",".join(str(d) for d in range(28, day + 1)), "BYSETPOS=-1"]
    return [f"BYMONTHDAY={day}"]


def _relative(parts: dict[str, str]) -> tuple[list[str], str]:
    """(days, index) of a relative monthly/yearly rule."""
    days = _byday(parts["BYDAY"])
    setpos = parts.get("BYSETPOS")
    ordinals = {o for o, _ in days}
    if setpos is not None:
        if ordinals != {None}:
            raise UnsupportedRecurrence("BYSETPOS with ordinal BYDAY")
        index = _int(setpos, "BYSETPOS")
    else:
        if len(days) != 1 or days[0][0] is None:
            raise UnsupportedRecurrence("relative rule needs one ordinal BYDAY or BYSETPOS")
        index = days[0][0]
    if index not in INDEX:
        raise UnsupportedRecurrence(f"ordinal {index} cannot be expressed in Graph")
    return [DAY_NAMES[d] for d in _sorted_days([d for _, d in days])], INDEX[index]


def to_pattern(rrule: str, start: datetime, tz: str, *, is_all_day: bool = False) -> dict:
    """An RRULE for a series starting at ``start`` (aware) in IANA zone ``tz`` → Graph ``patternedRecurrence``."""
    parts = parse_rrule(rrule)
    local = start.astimezone(zone(tz))
    interval = _int(parts.get("INTERVAL", "1"), "INTERVAL")
    if interval < 1:
        raise UnsupportedRecurrence("INTERVAL must be positive")
    freq = parts["FREQ"]
    pattern: dict = {"interval": interval}
    if "BYMONTH" in parts and freq != "YEARLY":
        raise UnsupportedRecurrence("BYMONTH only with FREQ=YEARLY")
    if freq == "DAILY":
        if "BYDAY" in parts:
            if interval != 1 or any(o is not None for o, _ in _byday(parts["BYDAY"])):
                raise UnsupportedRecurrence("DAILY with BYDAY and INTERVAL>1")
            freq = "WEEKLY"
        elif "BYMONTHDAY" in parts or "BYSETPOS" in parts:
            raise UnsupportedRecurrence("DAILY with BYMONTHDAY/BYSETPOS")
        else:
            pattern["type"] = "daily"
    if freq == "WEEKLY":
        if "BYMONTHDAY" in parts or "BYSETPOS" in parts:
            raise UnsupportedRecurrence("WEEKLY with BYMONTHDAY/BYSETPOS")
        days = _byday(parts["BYDAY"]) if "BYDAY" in parts else [(None, DAYS[local.weekday()])]
        if any(o is not None for o, _ in days):
            raise UnsupportedRecurrence("WEEKLY with ordinal BYDAY")
        pattern.update(type="weekly", daysOfWeek=[DAY_NAMES[d] for d in _sorted_days([d for _, d in days])],
                       firstDayOfWeek=DAY_NAMES[parts.get("WKST", "MO")] if parts.get("WKST", "MO") in DAYS else None)
        if pattern["firstDayOfWeek"] is None:
            raise UnsupportedRecurrence("bad WKST")
    elif freq in ("MONTHLY", "YEARLY"):
        kind = "Monthly" if freq == "MONTHLY" else "Yearly"
        if freq == "YEARLY":
            month = _int(parts.get("BYMONTH", str(local.month)), "BYMONTH")
            if not 1 <= month <= 12:
                raise UnsupportedRecurrence("BYMONTH must be one month")
            pattern["month"] = month
        if "BYDAY" in parts:
            if "BYMONTHDAY" in parts:
                raise UnsupportedRecurrence("BYDAY with BYMONTHDAY")
            days, index = _relative(parts)
            pattern.update(type=f"relative{kind}", daysOfWeek=days, index=index)
        else:
            pattern.update(type=f"absolute{kind}", dayOfMonth=_day_of_month(parts, local.day))
    elif pattern.get("type") != "daily":
        raise UnsupportedRecurrence(f"FREQ={freq} cannot be expressed in Graph")
    rng: dict = {"startDate": local.date().isoformat(), "recurrenceTimeZone": to_windows(tz)}
    if "COUNT" in parts:
        count = _int(parts["COUNT"], "COUNT")
        if count < 1:
            raise UnsupportedRecurrence("COUNT must be positive")
        rng.update(type="numbered", numberOfOccurrences=count)
    elif "UNTIL" in parts:
        rng.update(type="endDate", endDate=_until_date(parts["UNTIL"], tz).isoformat())
    else:
        rng["type"] = "noEnd"
    return {"pattern": pattern, "range": rng}


def _until_date(value: str, tz: str) -> date:
    try:
        if "T" not in value:
            return datetime.strptime(value, "%Y%m%d").date()
        if value.endswith("Z"):
            instant = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            return instant.astimezone(zone(tz)).date()
        return datetime.strptime(value, "%Y%m%dT%H%M%S").date()  # floating: local already
    except ValueError:
        raise UnsupportedRecurrence(f"bad UNTIL {value!r}") from None


def from_pattern(recurrence: dict, tz: str | None = None, *, is_all_day: bool = False) -> str:
    """Graph ``patternedRecurrence`` → canonical RRULE (zone for UNTIL: ``recurrenceTimeZone``, else ``tz``)."""
    pattern, rng = recurrence.get("pattern") or {}, recurrence.get("range") or {}
    kind = pattern.get("type")
    interval = int(pattern.get("interval") or 1)
    freq = {"daily": "DAILY", "weekly": "WEEKLY", "absoluteMonthly": "MONTHLY", "relativeMonthly": "MONTHLY",
            "absoluteYearly": "YEARLY", "relativeYearly": "YEARLY"}.get(kind or "")
    if freq is None:
        raise UnsupportedRecurrence(f"unknown pattern type {kind!r}")
    out = [f"FREQ={freq}"]
    if interval > 1:
        out.append(f"INTERVAL={interval}")
    if kind.endswith("Yearly"):
        out.append(f"BYMONTH={int(pattern['month'])}")
    days = [NAME_DAYS[d.lower()] for d in pattern.get("daysOfWeek") or []]
    if kind == "weekly":
        out.append("BYDAY=" + ",".join(_sorted_days(days)))
        out.append("WKST=" + NAME_DAYS[(pattern.get("firstDayOfWeek") or "sunday").lower()])
    elif kind.startswith("absolute"):
        out.extend(_write_day_of_month(int(pattern["dayOfMonth"])))
    elif kind.startswith("relative"):
        index = INDEX_NUM[(pattern.get("index") or "first").lower()]
        days = _sorted_days(days)
        if len(days) == 1:
            out.append(f"BYDAY={index}{days[0]}")
        else:
            out.extend(["BYDAY=" + ",".join(days), f"BYSETPOS={index}"])
    rtype = rng.get("type")
    if rtype == "numbered":
        out.append(f"COUNT={int(rng['numberOfOccurrences'])}")
    elif rtype == "endDate":
        end = date.fromisoformat(str(rng["endDate"])[:10])
        if is_all_day:
            out.append("UNTIL=" + end.strftime("%Y%m%d"))
        else:
            series_zone = zone(rng.get("recurrenceTimeZone") or tz)
            last = datetime.combine(end, time(23, 59, 59), tzinfo=series_zone).astimezone(UTC)
            out.append("UNTIL=" + last.strftime("%Y%m%dT%H%M%SZ"))
    return ";".join(out)


def series_zone(recurrence: dict, fallback: str) -> str:
    """The IANA zone a Graph series expands in."""
    name = (recurrence.get("range") or {}).get("recurrenceTimeZone")
    return to_iana(name) if name else fallback
