"""Windows ↔ IANA names (CLDR via tzlocal) and dateTimeTimeZone across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kontor.calendar_sync.providers.graph.timezones import from_dtz, to_dtz, to_iana, to_windows


@pytest.mark.parametrize("windows, iana", [
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("GMT Standard Time", "Europe/London"),
    ("Eastern Standard Time", "America/New_York"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("India Standard Time", "Asia/Calcutta"),
    ("UTC", "UTC"),
])
def test_windows_to_iana_and_back(windows, iana):
    assert to_iana(windows) == iana
    assert to_windows(iana) == windows


def test_other_spellings():
    assert to_windows("Europe/Vienna") == "W. Europe Standard Time"
    assert to_windows("Asia/Kolkata") == "India Standard Time"  # link name, canonical key in CLDR differs
    assert to_iana("Europe/Berlin") == "Europe/Berlin"  # IANA passes through
    assert to_iana("tzone://Microsoft/Utc") == "UTC"
    assert to_iana(None) == "UTC" and to_windows("") == "UTC"
    assert to_iana("Customized Time Zone") == "UTC"
    assert to_windows("Not/AZone") == "UTC"


@pytest.mark.parametrize("local, utc", [
    ("2024-03-30T09:00:00", datetime(2024, 3, 30, 8, tzinfo=UTC)),   # CET
    ("2024-03-31T09:00:00", datetime(2024, 3, 31, 7, tzinfo=UTC)),   # CEST from 02:00 that day
    ("2024-10-26T09:00:00", datetime(2024, 10, 26, 7, tzinfo=UTC)),
    ("2024-10-27T09:00:00", datetime(2024, 10, 27, 8, tzinfo=UTC)),  # back to CET
])
def test_berlin_wall_clock_over_dst(local, utc):
    assert from_dtz({"dateTime": local + ".0000000", "timeZone": "W. Europe Standard Time"}) == utc
    assert to_dtz(utc, "Europe/Berlin") == {"dateTime": local, "timeZone": "W. Europe Standard Time"}


def test_utc_values_with_seven_fraction_digits():
    assert from_dtz({"dateTime": "2024-01-01T10:00:00.1234567", "timeZone": "UTC"}) == \
        datetime(2024, 1, 1, 10, 0, 0, 123456, tzinfo=UTC)
