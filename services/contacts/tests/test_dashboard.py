"""The team dashboard's date rules: the birthday window (29 February, year end) and the follow-up due window."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from kontor.platform.errors import InvalidArgument

from kontor.contacts.dashboard import birthdays
from kontor.contacts.dashboard.schemas import DashboardQuery
from kontor.contacts.followups.schemas import FollowUpCreate
from kontor.contacts.followups.service import classify, due_windows


@pytest.mark.parametrize(("born", "today", "expected"), [
    (date(1980, 5, 17), date(2026, 5, 10), date(2026, 5, 17)),
    (date(1980, 5, 17), date(2026, 5, 17), date(2026, 5, 17)),  # today counts
    (date(1980, 5, 17), date(2026, 5, 18), date(2027, 5, 17)),
    (date(1980, 1, 2), date(2026, 12, 28), date(2027, 1, 2)),  # across the year end
    (date(1984, 2, 29), date(2026, 2, 1), date(2026, 2, 28)),  # common year: 28 February
    (date(1984, 2, 29), date(2028, 2, 1), date(2028, 2, 29)),  # leap year: the day itself
    (date(1984, 2, 29), date(2027, 3, 1), date(2028, 2, 29)),
    (date(1984, 2, 29), date(2026, 2, 28), date(2026, 2, 28)),
])
def test_next_birthday(born, today, expected):
    assert birthdays.next_birthday(born, today) == expected


def test_the_window_is_n_days_from_today_inclusive():
    today = date(2026, 6, 1)
    assert birthdays.upcoming(date(1990, 6, 1), today, 14) == (date(2026, 6, 1), 0)
    assert birthdays.upcoming(date(1990, 6, 14), today, 14) == (date(2026, 6, 14), 13)
    assert birthdays.upcoming(date(1990, 6, 15), today, 14) is None
    assert birthdays.upcoming(date(1990, 5, 31), today, 14) is None  # yesterday: next year's is far away


def test_the_window_runs_across_the_year_end():
    today = date(2026, 12, 25)
    assert birthdays.upcoming(date(1970, 1, 3), today, 14) == (date(2027, 1, 3), 9)
    assert birthdays.upcoming(date(1970, 12, 31), today, 14) == (date(2026, 12, 31), 6)
    assert birthdays.upcoming(date(1970, 1, 8), today, 14) is None
    days = birthdays.month_days(today, 14)
    assert len(days) == 14 and {"12-25", "12-31", "01-01", "01-07"} <= days and "01-08" not in days


def test_29_february_is_found_on_28_february_of_a_common_year_and_on_itself_in_a_leap_year():
    assert "02-29" in birthdays.month_days(date(2026, 2, 20), 14)
    assert birthdays.upcoming(date(2000, 2, 29), date(2026, 2, 20), 14) == (date(2026, 2, 28), 8)
    assert birthdays.age_on(date(2000, 2, 29), date(2026, 2, 28)) == 26
    leap = birthdays.month_days(date(2028, 2, 20), 14)
    assert {"02-28", "02-29", "03-04"} <= leap and len(leap) == 14
    assert birthdays.upcoming(date(2000, 2, 29), date(2028, 2, 20), 14) == (date(2028, 2, 29), 9)
    # A window ending on 27 February of a common year does not reach it.
    assert "02-29" not in birthdays.month_days(date(2026, 2, 14), 14)
    assert birthdays.upcoming(date(2000, 2, 29), date(2026, 2, 14), 14) is None


def test_every_birth_date_the_sql_filter_lets_through_is_decided_exactly():
    # Over a whole leap cycle: month_days never drops a birthday that upcoming() places in the window.
    born = [date(1984, 1, 1) + timedelta(days=i) for i in range(366)]
    for start in (date(2026, 1, 1) + timedelta(days=i) for i in range(0, 365 * 4, 17)):
        allowed = birthdays.month_days(start, 14)
        for day in born:
            if birthdays.upcoming(day, start, 14) is not None:
                assert f"{day.month:02d}-{day.day:02d}" in allowed, (day, start)


def test_follow_ups_are_overdue_before_now_and_due_soon_for_seven_days():
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert due_windows(now) == (now, now + timedelta(days=7))
    assert classify(now - timedelta(seconds=1), now) == "overdue"
    assert classify(now, now) == "due_soon"
    assert classify(now + timedelta(days=7) - timedelta(seconds=1), now) == "due_soon"
    assert classify(now + timedelta(days=7), now) == "later"


def test_the_period_defaults_to_thirty_days_and_must_be_ordered_and_short():
    now = datetime(2026, 3, 1, tzinfo=UTC)
    assert DashboardQuery().period(now) == (now - timedelta(days=30), now)
    with pytest.raises(InvalidArgument) as exc:
        DashboardQuery(period_start=now, period_end=now).period(now)
    assert exc.value.field == "period_end"
    with pytest.raises(InvalidArgument) as exc:
        DashboardQuery(period_start=now - timedelta(days=400)).period(now)
    assert exc.value.field == "period_start"
    with pytest.raises(ValidationError):
        DashboardQuery(birthday_days=367)
    with pytest.raises(ValidationError):
        DashboardQuery(time_zone="Mars/Olympus")


def test_a_follow_up_is_stored_in_utc_and_keeps_the_zone_meant():
    vienna = datetime.fromisoformat("2026-03-02T09:00:00+01:00")
    data = FollowUpCreate(record_type="company", record_id=uuid.uuid4(), due_at=vienna, time_zone="Europe/Vienna")
    assert data.due_at == datetime(2026, 3, 2, 8, 0, tzinfo=UTC) and data.due_at.tzinfo == UTC
    with pytest.raises(ValidationError):
        FollowUpCreate(record_type="company", record_id=uuid.uuid4(), due_at=datetime(2026, 3, 2, 9))  # no zone
    with pytest.raises(ValidationError):
        FollowUpCreate(record_type="deal", record_id=uuid.uuid4(), due_at=vienna)
