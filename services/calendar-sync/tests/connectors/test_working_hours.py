"""The working-time model: weekdays, adjacent and overnight intervals, daylight-saving weeks, validation."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from kontor.calendar_sync.connectors.working_hours import WorkingTimeModel, is_within_working_hours

VIENNA = ZoneInfo("Europe/Vienna")
OFFICE = [{"start": "08:00", "end": "12:00"}, {"start": "12:00", "end": "17:00"}]


def office(**extra) -> WorkingTimeModel:
    return WorkingTimeModel.model_validate({"time_zone": "Europe/Vienna", "mon": OFFICE, "tue": OFFICE,
                                            "wed": OFFICE, "thu": OFFICE, "fri": OFFICE, **extra})


def local(*args) -> datetime:
    return datetime(*args, tzinfo=VIENNA)


@pytest.mark.parametrize(("start", "end", "inside"), [
    (local(2026, 3, 2, 9, 0), local(2026, 3, 2, 10, 0), True),  # Monday morning
    (local(2026, 3, 2, 8, 0), local(2026, 3, 2, 17, 0), True),  # the whole day, across adjacent intervals
    (local(2026, 3, 2, 7, 30), local(2026, 3, 2, 9, 0), False),  # starts before
    (local(2026, 3, 2, 16, 30), local(2026, 3, 2, 17, 30), False),  # ends after
    (local(2026, 3, 7, 10, 0), local(2026, 3, 7, 11, 0), False),  # Saturday is off
    (local(2026, 3, 2, 16, 0), local(2026, 3, 3, 9, 0), False),  # overnight across the off hours
    (local(2026, 3, 2, 17, 0), local(2026, 3, 2, 17, 0), False),  # the end is exclusive
    (local(2026, 3, 2, 8, 0), local(2026, 3, 2, 8, 0), True),  # zero length at the start
])
def test_weekdays_and_edges(start, end, inside):
    assert office().is_within_working_hours(start, end) is inside


def test_no_model_means_no_restriction():
    assert is_within_working_hours(None, local(2026, 3, 7, 3, 0), local(2026, 3, 7, 4, 0))


def test_daylight_saving_weeks_keep_the_wall_clock():
    model = office()
    # Spring forward (Sunday 29 March 2026): Monday 08:00 is 06:00 UTC afterwards, 07:00 UTC before.
    assert model.is_within_working_hours(local(2026, 3, 30, 8, 0), local(2026, 3, 30, 9, 0))
    assert model.is_within_working_hours(datetime(2026, 3, 30, 6, 0, tzinfo=UTC), datetime(2026, 3, 30, 7, 0, tzinfo=UTC))
    assert not model.is_within_working_hours(datetime(2026, 3, 30, 5, 30, tzinfo=UTC),
                                             datetime(2026, 3, 30, 6, 30, tzinfo=UTC))
    assert model.is_within_working_hours(datetime(2026, 3, 27, 7, 0, tzinfo=UTC), datetime(2026, 3, 27, 8, 0, tzinfo=UTC))
    # Fall back (Sunday 25 October 2026): Monday 16:00-17:00 local is 15:00-16:00 UTC.
    assert model.is_within_working_hours(datetime(2026, 10, 26, 15, 0, tzinfo=UTC),
                                         datetime(2026, 10, 26, 16, 0, tzinfo=UTC))
    assert not model.is_within_working_hours(datetime(2026, 10, 26, 15, 30, tzinfo=UTC),
                                             datetime(2026, 10, 26, 16, 30, tzinfo=UTC))


def test_overnight_interval_runs_into_the_next_day():
    night = WorkingTimeModel.model_validate({"time_zone": "Europe/Vienna", "fri": [{"start": "22:00", "end": "06:00"}]})
    assert night.is_within_working_hours(local(2026, 3, 6, 23, 0), local(2026, 3, 7, 5, 0))  # Fri 23:00 - Sat 05:00
    assert night.is_within_working_hours(local(2026, 3, 7, 1, 0), local(2026, 3, 7, 2, 0))  # Saturday early: Friday's
    assert not night.is_within_working_hours(local(2026, 3, 7, 5, 30), local(2026, 3, 7, 6, 30))
    assert not night.is_within_working_hours(local(2026, 3, 7, 23, 0), local(2026, 3, 8, 1, 0))  # Saturday night: off


def test_overnight_interval_across_the_spring_forward_night():
    # Saturday 28 March 22:00 to Sunday 06:00 in Vienna lasts 7 hours (02:00 does not exist).
    night = WorkingTimeModel.model_validate({"time_zone": "Europe/Vienna", "sat": [{"start": "22:00", "end": "06:00"}]})
    start = local(2026, 3, 28, 22, 0)
    end = datetime(2026, 3, 29, 6, 0, tzinfo=VIENNA)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=7)
    assert night.is_within_working_hours(start, end)
    assert not night.is_within_working_hours(start, end + timedelta(minutes=1))


def test_naive_or_reversed_instants_are_refused():
    with pytest.raises(ValueError, match="aware"):
        office().is_within_working_hours(datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 10))
    with pytest.raises(ValueError, match="before start"):
        office().is_within_working_hours(local(2026, 3, 2, 10, 0), local(2026, 3, 2, 9, 0))


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"time_zone": "Mars/Olympus"}, "time_zone", "IANA time zone"),
    ({"time_zone": "UTC", "mon": [{"start": "25:00", "end": "26:00"}]}, "mon.0.start", "pattern"),
    ({"time_zone": "UTC", "tue": [{"start": "09:00", "end": "09:00"}]}, "tue.0", "equal"),
    ({"time_zone": "UTC", "wed": [{"start": "08:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}]},
     "wed", "overlap"),
    ({"time_zone": "UTC", "thu": [{"start": "22:00", "end": "06:00"}, {"start": "08:00", "end": "23:00"}]},
     "thu", "overlap"),
    ({"time_zone": "UTC", "funday": []}, "funday", "Extra inputs"),
])
def test_invalid_models_name_the_field(data, field, message):
    with pytest.raises(ValidationError) as exc:
        WorkingTimeModel.model_validate(data)
    error = exc.value.errors()[0]
    assert ".".join(str(p) for p in error["loc"]) == field
    assert message in error["msg"]
