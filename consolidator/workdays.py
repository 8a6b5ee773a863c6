"""Working days of the Russian production calendar (holidays and the decrees' transfers of days off,
as the `holidays` package knows them)."""
from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays


@lru_cache(maxsize=None)
def _calendar(year: int) -> holidays.HolidayBase:
    # Two years, so that a deadline crossing the New Year holidays is counted right.
    return holidays.country_holidays("RU", years=(year, year + 1))


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (the day of `start` itself is not counted)."""
    return _calendar(start.year).get_nth_working_day(start, days)


def is_working_day(day: date) -> bool:
    return _calendar(day.year).is_working_day(day)
