"""Birthday arithmetic of the dashboard: pure functions over dates (no database, no clock).

The window is ``days`` calendar days starting ``today`` (inclusive): [today, today + days).
Someone born on 29 February has their birthday on 28 February in other years, so
the reminder comes on time rather than a day late. Windows run across the year end.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

DEFAULT_DAYS = 14
MAX_DAYS = 366


def occurrence(birthday: date, year: int) -> date:
    """The birthday in ``year`` (29 February becomes 28 February in a common year)."""
    if (birthday.month, birthday.day) == (2, 29) and not calendar.isleap(year):
        return date(year, 2, 28)
    return birthday.replace(year=year)


def next_birthday(birthday: date, today: date) -> date:
    """The first birthday on or after ``today``."""
    this_year = occurrence(birthday, today.year)
    return this_year if this_year >= today else occurrence(birthday, today.year + 1)


def upcoming(birthday: date, today: date, days: int) -> tuple[date, int] | None:
    """(date, days until it) when the next birthday lies in [today, today + days), else None."""
    when = next_birthday(birthday, today)
    until = (when - today).days
    return (when, until) if until < days else None


def month_days(today: date, days: int) -> set[str]:
    """Every "MM-DD" of a birth date whose next birthday lies in the window (a coarse SQL filter; ``upcoming``
    decides exactly). 28 February of a common year also stands for 29 February."""
    found = set()
    for offset in range(days):
        day = today + timedelta(days=offset)
        found.add(f"{day.month:02d}-{day.day:02d}")
        if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
            found.add("02-29")
    return found


def age_on(birthday: date, when: date) -> int:
    return when.year - birthday.year
