"""RRULE ↔ patternedRecurrence: fixed cases, round trips, and the same dates as the emulator's expansion (hypothesis)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as du_rrule
from hypothesis import given, settings
from hypothesis import strategies as st

from kontor.calendar_sync.providers.base import UnsupportedRecurrence
from kontor.calendar_sync.providers.graph.provider import wall_clock_rule
from kontor.calendar_sync.providers.graph.recurrence import DAY_NAMES, DAYS, from_pattern, to_pattern
from kontor.calendar_sync.providers.graph.timezones import to_windows
from kontor.emulators.graph import recurrence as emulator_rec

BERLIN = "Europe/Berlin"
START = datetime(2025, 3, 24, 8, tzinfo=UTC)  # Monday 09:00 in Berlin


@pytest.mark.parametrize("rrule, pattern", [
    ("FREQ=DAILY;INTERVAL=2", {"type": "daily", "interval": 2}),
    ("FREQ=WEEKLY;BYDAY=MO,FR;WKST=MO", {"type": "weekly", "interval": 1, "daysOfWeek": ["monday", "friday"],
                                         "firstDayOfWeek": "monday"}),
    ("FREQ=MONTHLY;BYMONTHDAY=15", {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 15}),
    ("FREQ=MONTHLY;BYMONTHDAY=-1", {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31}),
    ("FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1", {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 30}),
    ("FREQ=MONTHLY;INTERVAL=3;BYDAY=-1FR", {"type": "relativeMonthly", "interval": 3, "daysOfWeek": ["friday"],
                                            "index": "last"}),
    ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1",
     {"type": "relativeMonthly", "interval": 1, "index": "first",
      "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"]}),
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=28,29;BYSETPOS=-1", {"type": "absoluteYearly", "interval": 1, "month": 2,
                                                           "dayOfMonth": 29}),
    ("FREQ=YEARLY;BYMONTH=11;BYDAY=4TH", {"type": "relativeYearly", "interval": 1, "month": 11,
                                          "daysOfWeek": ["thursday"], "index": "fourth"}),
])
def test_fixed_patterns_both_ways(rrule, pattern):
    graph = to_pattern(rrule, START, BERLIN)
    assert graph["pattern"] == pattern
    assert graph["range"] == {"type": "noEnd", "startDate": "2025-03-24", "recurrenceTimeZone": "W. Europe Standard Time"}
    assert from_pattern(graph, BERLIN) == rrule


def test_ranges():
    assert to_pattern("FREQ=DAILY;COUNT=5", START, BERLIN)["range"]["numberOfOccurrences"] == 5
    until = to_pattern("FREQ=DAILY;UNTIL=20250330T215959Z", START, BERLIN)["range"]  # 23:59:59 CEST on the 30th
    assert (until["type"], until["endDate"]) == ("endDate", "2025-03-30")
    assert from_pattern({"pattern": {"type": "daily", "interval": 1}, "range": until}, BERLIN) == \
        "FREQ=DAILY;UNTIL=20250330T215959Z"
    assert from_pattern({"pattern": {"type": "daily", "interval": 1}, "range": until}, BERLIN, is_all_day=True) == \
        "FREQ=DAILY;UNTIL=20250330"
    assert to_pattern("FREQ=DAILY;UNTIL=20250330", START, BERLIN, is_all_day=True)["range"]["endDate"] == "2025-03-30"


def test_rules_from_elsewhere_are_read_leniently():
    assert to_pattern("RRULE:FREQ=WEEKLY", START, BERLIN)["pattern"]["daysOfWeek"] == ["monday"]
    assert to_pattern("FREQ=MONTHLY", START, BERLIN)["pattern"] == {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 24}
    assert to_pattern("FREQ=YEARLY", START, BERLIN)["pattern"] == {"type": "absoluteYearly", "interval": 1, "month": 3,
                                                                   "dayOfMonth": 24}
    weekdays = to_pattern("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", START, BERLIN)["pattern"]
    assert weekdays["type"] == "weekly" and len(weekdays["daysOfWeek"]) == 5


@pytest.mark.parametrize("rrule", [
    "FREQ=HOURLY", "FREQ=MONTHLY;BYDAY=5MO", "FREQ=WEEKLY;BYHOUR=9", "FREQ=YEARLY;BYMONTH=1,2",
    "FREQ=DAILY;COUNT=2;UNTIL=20250101T000000Z", "FREQ=MONTHLY;BYDAY=-2FR", "INTERVAL=2", "FREQ=MONTHLY;BYMONTHDAY=1,15",
    "FREQ=DAILY;INTERVAL=2;BYDAY=MO", "FREQ=YEARLY;BYWEEKNO=20",
])
def test_what_graph_cannot_express_is_refused(rrule):
    with pytest.raises(UnsupportedRecurrence):
        to_pattern(rrule, START, BERLIN)


# ---- property tests --------------------------------------------------------------------------------

ZONES = ["Europe/Berlin", "America/New_York", "UTC", "Asia/Tokyo", "Australia/Sydney", "Asia/Kolkata"]
day_names = st.lists(st.sampled_from(list(DAY_NAMES.values())), min_size=1, max_size=7, unique=True)
index = st.sampled_from(["first", "second", "third", "fourth", "last"])


def _month_day(month_st):
    return month_st.flatmap(lambda m: st.tuples(st.just(m), st.integers(1, 29 if m == 2 else (30 if m in (4, 6, 9, 11) else 31))))


patterns = st.one_of(
    st.builds(lambda i: {"type": "daily", "interval": i}, st.integers(1, 10)),
    st.builds(lambda i, d, f: {"type": "weekly", "interval": i, "daysOfWeek": d, "firstDayOfWeek": f},
              st.integers(1, 4), day_names, st.sampled_from(list(DAY_NAMES.values()))),
    st.builds(lambda i, d: {"type": "absoluteMonthly", "interval": i, "dayOfMonth": d}, st.integers(1, 6), st.integers(1, 31)),
    st.builds(lambda i, d, x: {"type": "relativeMonthly", "interval": i, "daysOfWeek": d, "index": x},
              st.integers(1, 6), day_names, index),
    st.builds(lambda i, md: {"type": "absoluteYearly", "interval": i, "month": md[0], "dayOfMonth": md[1]},
              st.integers(1, 3), _month_day(st.integers(1, 12))),
    st.builds(lambda i, m, d, x: {"type": "relativeYearly", "interval": i, "month": m, "daysOfWeek": d, "index": x},
              st.integers(1, 3), st.integers(1, 12), day_names, index),
)


@st.composite
def series(draw):
    pattern = draw(patterns)
    tz = draw(st.sampled_from(ZONES))
    first = draw(st.dates(date(2020, 1, 1), date(2030, 12, 31)))
    at = draw(st.times().map(lambda t: t.replace(second=0, microsecond=0)))
    start = datetime.combine(first, at, tzinfo=ZoneInfo(tz)).astimezone(UTC)
    local_first = start.astimezone(ZoneInfo(tz)).date()  # a wall time in a DST gap moves
    kind = draw(st.sampled_from(["numbered", "endDate", "noEnd"]))
    rng = {"type": kind, "startDate": local_first.isoformat(), "recurrenceTimeZone": to_windows(tz)}
    if kind == "numbered":
        rng["numberOfOccurrences"] = draw(st.integers(1, 60))
    elif kind == "endDate":
        rng["endDate"] = (local_first + timedelta(days=draw(st.integers(0, 900)))).isoformat()
    return {"pattern": pattern, "range": rng}, start, tz


def _canonical(pattern: dict) -> dict:
    out = dict(pattern)
    if "daysOfWeek" in out:
        out["daysOfWeek"] = sorted(out["daysOfWeek"], key=lambda d: DAYS.index({v: k for k, v in DAY_NAMES.items()}[d]))
    return out


@settings(max_examples=300, deadline=None)
@given(series())
def test_pattern_rrule_pattern_round_trip(case):
    recurrence, start, tz = case
    rrule = from_pattern(recurrence, tz)
    back = to_pattern(rrule, start, tz)
    assert back["pattern"] == _canonical(recurrence["pattern"])
    assert back["range"] == recurrence["range"]
    assert from_pattern(back, tz) == rrule  # and RRULE → pattern → RRULE is the identity on what we write


@settings(max_examples=200, deadline=None)
@given(series())
def test_rrule_expands_to_the_dates_graph_generates(case):
    """Our RRULE (expanded by dateutil, RFC 5545) hits the same wall-clock starts as Graph's pattern does
    (the emulator's Outlook expansion, with day-31 clamping)."""
    recurrence, start, tz = case
    rrule = from_pattern(recurrence, tz)
    wall = start.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    ours = du_rrule.rrulestr(wall_clock_rule(rrule, tz), dtstart=wall)
    theirs = emulator_rec.build_rule(recurrence, start, to_windows(tz))
    assert list(itertools.islice(ours, 40)) == list(itertools.islice(theirs, 40))


def test_day_31_and_leap_day_match_outlook():
    for pattern, first in [({"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31}, date(2025, 1, 31)),
                           ({"type": "absoluteYearly", "interval": 1, "month": 2, "dayOfMonth": 29}, date(2024, 2, 29))]:
        recurrence = {"pattern": pattern, "range": {"type": "numbered", "startDate": first.isoformat(), "numberOfOccurrences": 3}}
        rrule = from_pattern(recurrence, BERLIN)
        dates = [d.date() for d in du_rrule.rrulestr(rrule, dtstart=datetime.combine(first, time(9)))]
        assert dates == [d.date() for d in emulator_rec.build_rule(recurrence, datetime.combine(first, time(8), tzinfo=UTC), BERLIN)]


two_letter = st.sampled_from(DAYS)


@st.composite
def rrules(draw):
    """RRULEs as other calendars write them (not only our canonical form), all expressible in Graph."""
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}"]
    interval = draw(st.integers(1, 4))
    days = draw(st.lists(two_letter, min_size=1, max_size=7, unique=True))
    ordinal = draw(st.sampled_from([1, 2, 3, 4, -1]))
    if freq == "DAILY" and draw(st.booleans()):
        parts.append("BYDAY=" + ",".join(days))  # "every weekday": weekly in Graph
    elif interval > 1 or draw(st.booleans()):
        parts.append(f"INTERVAL={interval}")
    if freq == "WEEKLY":
        if draw(st.booleans()):
            parts.append("BYDAY=" + ",".join(days))
        if draw(st.booleans()):
            parts.append("WKST=" + draw(two_letter))
    if freq == "YEARLY":
        parts.append(f"BYMONTH={draw(st.integers(1, 12))}")
    if freq in ("MONTHLY", "YEARLY"):
        form = draw(st.sampled_from(["monthday", "last", "nth", "setpos"]))
        if form == "monthday":
            parts.append(f"BYMONTHDAY={draw(st.integers(1, 28))}")
        elif form == "last":
            parts.append("BYMONTHDAY=-1")
        elif form == "nth":
            parts.append(f"BYDAY={ordinal}{days[0]}")
        else:
            parts += ["BYDAY=" + ",".join(days), f"BYSETPOS={ordinal}"]
    return parts


@settings(max_examples=300, deadline=None)
@given(rrules(), st.sampled_from(ZONES), st.dates(date(2020, 1, 1), date(2030, 12, 31)).filter(lambda d: d.day <= 28),
       st.sampled_from([time(0), time(9), time(23, 30)]), st.sampled_from(["none", "count", "until"]), st.integers(1, 40))
def test_rrule_to_pattern_to_rrule_keeps_the_dates(parts, tz, first, at, end, n):
    zone_info = ZoneInfo(tz)
    start = datetime.combine(first, at, tzinfo=zone_info).astimezone(UTC)
    if end == "count":
        parts = [*parts, f"COUNT={n}"]
    elif end == "until":  # Graph ends on a date: the end of a day in the series' zone
        last = datetime.combine(first + timedelta(days=7 * n), time(23, 59, 59), tzinfo=zone_info).astimezone(UTC)
        parts = [*parts, "UNTIL=" + last.strftime("%Y%m%dT%H%M%SZ")]
    rrule = ";".join(parts)
    back = from_pattern(to_pattern(rrule, start, tz), tz)
    assert to_pattern(back, start, tz) == to_pattern(rrule, start, tz)  # canonical form is a fixed point
    wall = start.astimezone(zone_info).replace(tzinfo=None)
    original = du_rrule.rrulestr(wall_clock_rule(rrule, tz), dtstart=wall)
    mapped = du_rrule.rrulestr(wall_clock_rule(back, tz), dtstart=wall)
    assert list(itertools.islice(mapped, 40)) == list(itertools.islice(original, 40))
