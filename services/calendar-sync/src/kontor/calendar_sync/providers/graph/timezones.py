"""Windows time-zone names ↔ IANA, and Graph's ``dateTimeTimeZone``.

Exchange names zones the Windows way ("W. Europe Standard Time"); the CRM
stores IANA names ("Europe/Berlin"). The table is CLDR's windowsZones as
shipped (and kept current) by ``tzlocal.windows_tz``; zone rules come from
``zoneinfo`` + ``tzdata``, so daylight-saving transitions are the real ones.

Graph writes ``dateTimeTimeZone`` as a wall-clock time plus a zone name
(https://learn.microsoft.com/graph/api/resources/datetimetimezone); it accepts
Windows or IANA names on input. We send Windows names (what Outlook itself
writes, so recurrences expand in the same zone whoever edits them) and ask for
UTC on output (``Prefer: outlook.timezone="UTC"``); all-day events come back
in their own zone whatever the preference says, so we read the zone from the
value each time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzlocal.windows_tz import tz_win, win_tz

_UTC_NAMES = {"utc", "etc/utc", "z", "gmt", "etc/gmt", "coordinated universal time", "tzone://microsoft/utc", "greenwich"}


def to_iana(name: str | None) -> str:
    """The IANA name for a Windows or IANA zone name; ``UTC`` for UTC spellings and unknown names."""
    if not name or name.strip().lower() in _UTC_NAMES:
        return "UTC"
    name = name.strip()
    iana = win_tz.get(name)
    if iana:
        return iana
    try:
        ZoneInfo(name)
        return name
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"


def to_windows(name: str | None) -> str:
    """The Windows name for an IANA (or Windows) zone name; ``UTC`` for UTC and names CLDR does not map."""
    if not name or name.strip().lower() in _UTC_NAMES:
        return "UTC"
    name = name.strip()
    if name in win_tz:
        return name
    win = tz_win.get(name)
    if win:
        return win
    # A link name CLDR lists under its canonical name (e.g. "Asia/Calcutta" vs "Asia/Kolkata").
    try:
        key = ZoneInfo(name).key
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return tz_win.get(key, "UTC")


def zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(to_iana(name))


def parse_graph_datetime(value: str) -> datetime:
    """Graph's ``2024-03-31T09:00:00.0000000`` (7 fraction digits, no offset) → naive datetime."""
    text = value.strip().rstrip("Z")
    if "." in text:
        head, frac = text.split(".", 1)
        text = f"{head}.{frac[:6].ljust(6, '0')}"
    return datetime.fromisoformat(text)


def from_dtz(value: dict) -> datetime:
    """A ``dateTimeTimeZone`` → aware UTC datetime."""
    naive = parse_graph_datetime(value["dateTime"])
    return naive.replace(tzinfo=zone(value.get("timeZone"))).astimezone(UTC)


def to_dtz(instant: datetime, iana: str) -> dict[str, str]:
    """An aware instant → ``dateTimeTimeZone`` in the zone's Windows name (wall-clock time there)."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime")
    local = instant.astimezone(ZoneInfo(to_iana(iana)))
    return {"dateTime": local.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": to_windows(iana)}


def local_midnight(day: date, iana: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(to_iana(iana))).astimezone(UTC)


def utc_iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
