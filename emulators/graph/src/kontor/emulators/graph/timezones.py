"""Time zones as Graph speaks them.

``dateTimeTimeZone`` is ``{"dateTime": "2024-03-31T09:00:00.0000000",
"timeZone": "W. Europe Standard Time"}``: a wall-clock time plus a Windows (or
IANA) zone name (https://learn.microsoft.com/graph/api/resources/datetimetimezone).
Responses carry start/end in UTC unless the request says
``Prefer: outlook.timezone="<zone>"``, then in that zone, named as the client
named it (https://learn.microsoft.com/graph/api/event-get ,
https://learn.microsoft.com/en-us/answers/questions/1162740/all-day-event-time-zone-on-outlook-desktop-app).
An unsupported zone answers 400 ``TimeZoneNotSupportedException``.

Windows ↔ IANA uses the CLDR windowsZones table shipped with ``tzlocal``;
the zone rules come from ``zoneinfo`` (tzdata), so daylight-saving changes
are the real ones.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzlocal.windows_tz import tz_win, win_tz

from kontor.emulators.graph.errors import GraphError

_UTC_NAMES = {"utc", "etc/utc", "z", "gmt", "etc/gmt", "coordinated universal time"}


def zone(name: str | None) -> ZoneInfo:
    """The zone for a Windows or IANA name; 400 TimeZoneNotSupportedException otherwise."""
    if not name or name.strip().lower() in _UTC_NAMES:
        return ZoneInfo("UTC")
    name = name.strip()
    iana = win_tz.get(name, name)
    try:
        return ZoneInfo(iana)
    except (ZoneInfoNotFoundError, ValueError):
        raise GraphError(
            400,
            "TimeZoneNotSupportedException",
            f"A valid TimeZone value must be specified. The following TimeZone value is not supported: '{name}'.",
        ) from None


def windows_name(name: str) -> str:
    """The Windows name for an IANA or Windows zone name (unchanged when already Windows)."""
    if name in win_tz or name.lower() in _UTC_NAMES:
        return "UTC" if name.lower() in _UTC_NAMES else name
    return tz_win.get(name, name)


_DT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z|[+-]\d{2}:?\d{2})?$")


def parse_local(value: str) -> datetime:
    """A naive or offset ISO 8601 date-time as Graph accepts it (7 fraction digits allowed)."""
    m = _DT.match(value.strip()) if isinstance(value, str) else None
    if not m:
        raise GraphError(400, "ErrorInvalidRequest", f"Cannot convert the literal '{value}' to the expected type 'Edm.DateTimeOffset'.")
    y, mo, d, h, mi, s, frac, off = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    dt = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), micro)
    if off:
        if off == "Z":
            return dt.replace(tzinfo=UTC)
        sign = 1 if off[0] == "+" else -1
        digits = off[1:].replace(":", "")
        from datetime import timedelta, timezone

        return dt.replace(tzinfo=timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))))
    return dt


def parse_dtz(value: object, what: str) -> tuple[datetime, str]:
    """A ``dateTimeTimeZone`` → (aware UTC instant, zone name as given)."""
    if not isinstance(value, dict) or "dateTime" not in value:
        raise GraphError(400, "ErrorInvalidRequest", f"The property '{what}' must be a dateTimeTimeZone.")
    zone_name = value.get("timeZone") or "UTC"
    tz = zone(zone_name)
    local = parse_local(value["dateTime"])
    if local.tzinfo is None:
        local = local.replace(tzinfo=tz)
    return local.astimezone(UTC), zone_name


def parse_query_instant(value: str | None, name: str) -> datetime:
    """startDateTime / endDateTime query parameters (UTC when no offset is given)."""
    if not value:
        raise GraphError(400, "ErrorInvalidParameter", f"This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.")
    dt = parse_local(value)
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)


def format_dtz(instant: datetime, zone_name: str) -> dict[str, str]:
    local = instant.astimezone(zone(zone_name))
    return {"dateTime": local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond:06d}0", "timeZone": zone_name}


def format_utc(instant: datetime) -> str:
    """A DateTimeOffset as Graph writes it, e.g. ``2024-01-01T10:00:00Z``."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_utc_precise(instant: datetime) -> str:
    """createdDateTime / lastModifiedDateTime style, 7 fraction digits."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond:06d}0Z"


def local_midnight(d: date, zone_name: str) -> datetime:
    return datetime.combine(d, time(0), tzinfo=zone(zone_name)).astimezone(UTC)


def parse_prefer(headers: list[str]) -> dict[str, str]:
    """``Prefer`` preferences: ``odata.maxpagesize=10``, ``outlook.timezone="Pacific Standard Time"``."""
    prefs: dict[str, str] = {}
    for header in headers:
        for part in re.findall(r'[^,"]+(?:"[^"]*")?[^,]*', header):
            if "=" in part:
                key, _, val = part.partition("=")
                prefs[key.strip().lower()] = val.strip().strip('"')
            elif part.strip():
                prefs[part.strip().lower()] = ""
    return prefs
