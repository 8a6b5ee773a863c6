"""Working days of the Russian production calendar: public holidays and the Government's decrees
moving days off, as the `holidays` package knows them, plus a user's file for a year it does not
know yet (a decree is published in the autumn before its year).

The user's file (YAML), given as --calendar:

    2028:
      days_off: [2028-01-09, 2028-05-08]   # extra non-working days of the decree
      working_days: [2028-11-04]          # Saturdays or Sundays made working days
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Callable
from pathlib import Path

import yaml

from consolidator.profile.yamlfile import load as load_yaml
# Working days of whole years worked out ahead, possibly in another process (see preload): importing
# `holidays` costs about 0.25 s, a fifth of a small run.
_PRELOADED: dict[int, frozenset[date]] = {}
_PRELOADED_KNOWN_UNTIL: list[int] = []
_PENDING: list[Callable[[], tuple | None]] = []  # what gives them, asked when a date is first needed


@lru_cache(maxsize=None)
def _country(year: int):
    import holidays

    # Two years, so that a deadline crossing the New Year holidays is counted right.
    return holidays.country_holidays("RU", years=(year, year + 1))


def _known_until() -> int:
    """The last year whose transfers of days off the installed `holidays` knows."""
    _take_pending()
    if _PRELOADED_KNOWN_UNTIL:
        return _PRELOADED_KNOWN_UNTIL[0]
    try:
        from holidays.countries.russia import RussiaStaticHolidays

        return max(RussiaStaticHolidays.special_public_holidays)
    except (ImportError, AttributeError, ValueError):
        return date.today().year


def year_working_days(years: list[int]) -> tuple[dict[int, frozenset[date]], int]:
    """The working days of each year by `holidays`, and the last year it knows the transfers of:
    what `preload` takes (worked out in the order process while the main one imports pandas)."""
    out = {}
    for year in years:
        day, days = date(year, 1, 1), set()
        while day.year == year:
            if _country(year).is_working_day(day):
                days.add(day)
            day += timedelta(days=1)
        out[year] = frozenset(days)
    return out, _known_until()


def preload(data: tuple[dict[int, frozenset[date]], int]) -> None:
    """Use working days worked out by `year_working_days` (in this or another process)."""
    years, known_until = data
    _PRELOADED.update(years)
    _PRELOADED_KNOWN_UNTIL[:] = [known_until]


def preload_later(get: Callable[[], tuple | None]) -> None:
    """Use the working days `get()` gives (`year_working_days`, being worked out in another process;
    None: it could not), asked for when a date is first needed: this process goes on meanwhile."""
    _PENDING[:] = [get]


def forget_pending() -> None:
    """Ask no more for what preload_later was given (the process that works it out is ending)."""
    _PENDING.clear()


def _take_pending() -> None:
    while _PENDING:
        ready = _PENDING.pop()()
        if ready is not None:  # else `holidays` is imported here
            preload(ready)


def __getattr__(name: str):
    if name == "KNOWN_UNTIL":  # worked out on first use: it needs `holidays`
        return _known_until()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class CalendarError(ValueError):
    pass


@dataclass
class Calendar:
    days_off: set[date] = field(default_factory=set)
    working_days: set[date] = field(default_factory=set)
    years: set[int] = field(default_factory=set)  # years the user's file covers

    @classmethod
    def load(cls, path: Path | None) -> "Calendar":
        if path is None:
            return cls()
        try:
            data = load_yaml(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise CalendarError(f"{path}: не удалось прочитать календарь: {exc}") from exc
        cal = cls()
        if not isinstance(data, dict):
            raise CalendarError(f"{path}: ожидается «год: {{days_off: [...], working_days: [...]}}»")
        for year, spec in data.items():
            if not isinstance(year, int) or not isinstance(spec, dict):
                raise CalendarError(f"{path}: ключ «{year}»: ожидается год и словарь days_off / working_days")
            cal.years.add(year)
            for key, target in (("days_off", cal.days_off), ("working_days", cal.working_days)):
                for d in spec.get(key, []) or []:
                    if not isinstance(d, date):
                        raise CalendarError(f"{path}: {year}.{key}: «{d}» — не дата ГГГГ-ММ-ДД")
                    target.add(d)
        return cal

    def is_working_day(self, day: date) -> bool:
        if day in self.working_days:
            return True
        if day in self.days_off:
            return False
        if _PENDING:
            _take_pending()
        preloaded = _PRELOADED.get(day.year)
        if preloaded is not None:
            return day in preloaded
        return _country(day.year).is_working_day(day)

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (the day of `start` itself is not counted)."""
        day, left = start, days
        while left > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        n, day = 0, start
        while day < end:
            day += timedelta(days=1)
            n += self.is_working_day(day)
        return n

    def unknown_year(self, day: date) -> bool:
        """True when neither `holidays` nor the user's file knows the transfers of that year."""
        return day.year > _known_until() and day.year not in self.years
