"""Recurrence expansion: wall time kept across the 2026 DST changes in Europe/Berlin, EXDATE, overrides."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings, strategies as st

from kontor.platform.errors import InvalidArgument

from kontor.calendar_sync.appointments.recurrence import (
    Series, all_day_bounds, expand, is_occurrence, normalise_rrule, series_end, zone,
)

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def weekly_nine(rrule: str = "FREQ=WEEKLY;COUNT=4", **kwargs) -> Series:
    # Monday 23 March 2026, 09:00-10:00 Berlin (CET, +01:00); summer time starts Sunday 29 March.
    return Series(start=berlin(2026, 3, 23, 9), end=berlin(2026, 3, 23, 10), time_zone="Europe/Berlin",
                  rrule=rrule, **kwargs)


def window(series: Series, start=datetime(2026, 1, 1, tzinfo=UTC), end=datetime(2027, 1, 1, tzinfo=UTC)):
    return expand(series, window_start=start, window_end=end)


def test_a_weekly_meeting_keeps_its_wall_time_across_the_march_change():
    instances = window(weekly_nine())
    assert [i.start.astimezone(BERLIN).hour for i in instances] == [9, 9, 9, 9]
    assert [i.start.hour for i in instances] == [8, 7, 7, 7]  # UTC: CET, then CEST
    assert all(i.end - i.start == timedelta(hours=1) for i in instances)


def test_a_weekly_meeting_keeps_its_wall_time_across_the_october_change():
    # Monday 19 October 2026, 09:00 CEST; winter time starts Sunday 25 October.
    series = Series(start=berlin(2026, 10, 19, 9), end=berlin(2026, 10, 19, 10), time_zone="Europe/Berlin",
                    rrule="FREQ=WEEKLY;COUNT=3")
    instances = window(series)
    assert [i.start.hour for i in instances] == [7, 8, 8]
    assert {i.start.astimezone(BERLIN).hour for i in instances} == {9}


def test_a_daily_series_through_the_spring_night_reads_a_missing_time_with_the_offset_before_the_gap():
    # 02:30 does not exist on 29 March 2026 in Berlin (02:00 -> 03:00).
    series = Series(start=berlin(2026, 3, 28, 2, 30), end=berlin(2026, 3, 28, 3), time_zone="Europe/Berlin",
                    rrule="FREQ=DAILY;COUNT=3")
    starts = [i.start for i in window(series)]
    assert starts == [datetime(2026, 3, 28, 1, 30, tzinfo=UTC), datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
                      datetime(2026, 3, 30, 0, 30, tzinfo=UTC)]


def test_all_day_series_stay_on_local_midnights_across_the_change():
    start, end = all_day_bounds(datetime(2026, 3, 27).date(), datetime(2026, 3, 28).date(), "Europe/Berlin")
    series = Series(start=start, end=end, time_zone="Europe/Berlin", all_day=True, rrule="FREQ=DAILY;COUNT=4")
    instances = window(series)
    assert [(i.start.astimezone(BERLIN).hour, i.end.astimezone(BERLIN).hour) for i in instances] == [(0, 0)] * 4
    assert instances[2].end - instances[2].start == timedelta(hours=23)  # 29 March, the short day


def test_exdates_cancel_occurrences_and_overrides_move_them():
    second = datetime(2026, 3, 30, 7, tzinfo=UTC)
    third = datetime(2026, 4, 6, 7, tzinfo=UTC)
    moved = (datetime(2026, 4, 7, 12, tzinfo=UTC), datetime(2026, 4, 7, 13, tzinfo=UTC))
    instances = window(weekly_nine(exdates=frozenset({second}), overrides={third: moved}))
    assert [(i.recurrence_id, i.start, i.overridden) for i in instances] == [
        (datetime(2026, 3, 23, 8, tzinfo=UTC), datetime(2026, 3, 23, 8, tzinfo=UTC), False),
        (third, moved[0], True),
        (datetime(2026, 4, 13, 7, tzinfo=UTC), datetime(2026, 4, 13, 7, tzinfo=UTC), False),
    ]


def test_a_moved_occurrence_shows_in_the_window_it_moved_to_only():
    third = datetime(2026, 4, 6, 7, tzinfo=UTC)
    moved = (datetime(2026, 5, 4, 7, tzinfo=UTC), datetime(2026, 5, 4, 8, tzinfo=UTC))
    series = weekly_nine(overrides={third: moved})
    april = window(series, datetime(2026, 4, 6, tzinfo=UTC), datetime(2026, 4, 7, tzinfo=UTC))
    may = window(series, datetime(2026, 5, 4, tzinfo=UTC), datetime(2026, 5, 5, tzinfo=UTC))
    assert april == [] and [i.recurrence_id for i in may] == [third]


def test_windows_are_half_open_and_catch_occurrences_that_started_before():
    series = weekly_nine()
    assert window(series, datetime(2026, 3, 23, 8, 30, tzinfo=UTC), datetime(2026, 3, 23, 9, tzinfo=UTC))
    assert not window(series, datetime(2026, 3, 23, 6, tzinfo=UTC),
                      datetime(2026, 3, 23, 8, tzinfo=UTC))


def test_until_without_zone_means_the_owners_wall_time_and_series_end_is_known():
    series = weekly_nine("FREQ=WEEKLY;UNTIL=20260406")
    assert len(window(series)) == 3
    assert series_end(series) == datetime(2026, 4, 6, 8, tzinfo=UTC)
    assert series_end(weekly_nine("FREQ=WEEKLY")) is None


def test_is_occurrence_knows_the_original_starts():
    series = weekly_nine()
    assert is_occurrence(series, datetime(2026, 3, 30, 7, tzinfo=UTC))
    assert not is_occurrence(series, datetime(2026, 3, 30, 8, tzinfo=UTC))


@pytest.mark.parametrize("text", ["FREQ=HOURLY", "FREQ=WEEKLY;COUNT=2;UNTIL=20260101", "BYDAY=MO", "FREQ=WEEKLY;X",
                                  "FREQ=WEEKLY;BYDAY=XX"])
def test_bad_rules_are_refused_naming_the_field(text):
    with pytest.raises(InvalidArgument) as caught:
        normalise_rrule(text)
    assert caught.value.field == "rrule"


def test_rules_are_normalised():
    assert normalise_rrule("RRULE:freq=weekly;byday=mo") == "FREQ=WEEKLY;BYDAY=MO"
    assert normalise_rrule("  ") == ""


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd", "Europe/Berlin "])
def test_zones_are_checked(name):
    with pytest.raises(InvalidArgument):
        zone(name)


@settings(max_examples=60, deadline=None)
@given(
    freq=st.sampled_from(["DAILY", "WEEKLY", "MONTHLY"]),
    interval=st.integers(1, 3),
    count=st.integers(1, 40),
    day=st.integers(0, 364),
    minute=st.integers(0, 24 * 60 - 1),
    length=st.integers(0, 600),
    tz=st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC"]),
    window_days=st.integers(1, 120),
    window_offset=st.integers(-30, 300),
)
def test_expansion_matches_dateutil_in_the_owners_zone(freq, interval, count, day, minute, length, tz, window_days,
                                                       window_offset):
    zone_info = ZoneInfo(tz)
    local = datetime(2026, 1, 1) + timedelta(days=day, minutes=minute)
    start = local.replace(tzinfo=zone_info)
    series = Series(start=start, end=start + timedelta(minutes=length), time_zone=tz,
                    rrule=f"FREQ={freq};INTERVAL={interval};COUNT={count}")
    w_start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=window_offset)
    w_end = w_start + timedelta(days=window_days)
    # Reference: dateutil on naive wall times, each then placed in the zone (fold 0), as RFC 5545 reads them.
    reference = []
    for occurrence in rrulestr(series.rrule, dtstart=local):
        s = occurrence.replace(tzinfo=zone_info).astimezone(UTC)
        e = s + timedelta(minutes=length)
        if (s < w_end and e > w_start) or (length == 0 and w_start <= s < w_end):
            reference.append(s)
    assert [i.start for i in expand(series, window_start=w_start, window_end=w_end)] == reference
