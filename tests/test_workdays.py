"""Working days: the production calendar with the decrees' transfers, and a user's file for a year the
`holidays` package does not know yet."""
from __future__ import annotations

from datetime import date

import pytest

from consolidator.journal.workdays import KNOWN_UNTIL, Calendar, CalendarError


def test_transfers_known_to_holidays():
    cal = Calendar()
    assert cal.is_working_day(date(2024, 12, 28))  # a Saturday made a working day
    assert not cal.is_working_day(date(2024, 12, 30))  # a Monday made a day off
    assert cal.add_working_days(date(2024, 7, 16), 5) == date(2024, 7, 23)
    assert cal.working_days_between(date(2025, 1, 13), date(2025, 1, 20)) == 5


def test_user_calendar_for_an_unknown_year(tmp_path):
    year = KNOWN_UNTIL + 1
    monday, saturday = _weekday(year, 0), _weekday(year, 5)
    path = tmp_path / "calendar.yaml"
    path.write_text(f"{year}:\n  days_off: [{monday}]\n  working_days: [{saturday}]\n", encoding="utf-8")
    plain, cal = Calendar(), Calendar.load(path)
    assert plain.unknown_year(monday) and not cal.unknown_year(monday)
    assert plain.is_working_day(monday) and not cal.is_working_day(monday)
    assert not plain.is_working_day(saturday) and cal.is_working_day(saturday)


def test_broken_calendar_file(tmp_path):
    path = tmp_path / "calendar.yaml"
    path.write_text("2030:\n  days_off: [завтра]\n", encoding="utf-8")
    with pytest.raises(CalendarError, match="не дата"):
        Calendar.load(path)


def _weekday(year: int, weekday: int) -> date:
    """A day of that weekday in mid-September, away from any holiday."""
    d = date(year, 9, 10)
    while d.weekday() != weekday:
        d = d.replace(day=d.day + 1)
    return d


def test_working_days_worked_out_ahead_give_the_same_deadlines(monkeypatch):
    # The CLI's second process works the years out while the main one imports pandas.
    import consolidator.journal.workdays as workdays
    expected = [Calendar().add_working_days(date(2024, 12, d), n) for d in (20, 26, 27, 28) for n in (1, 5, 10)]
    data = workdays.year_working_days([2024, 2025])
    assert date(2024, 12, 28) in data[0][2024]  # the working Saturday of the 2024 transfer
    assert date(2024, 12, 30) not in data[0][2024] and date(2025, 1, 8) not in data[0][2025]
    monkeypatch.setattr(workdays, "_PRELOADED", {})
    workdays.preload(data)

    def no_holidays(year):
        raise AssertionError("holidays consulted for a preloaded year")

    monkeypatch.setattr(workdays, "_country", no_holidays)
    assert [Calendar().add_working_days(date(2024, 12, d), n) for d in (20, 26, 27, 28) for n in (1, 5, 10)] == expected
    assert workdays.KNOWN_UNTIL == data[1]


def test_working_days_to_come_are_asked_for_when_a_date_is_first_needed(monkeypatch):
    # The CLI hands over what the second process is working out and goes on: the first date waits for it.
    import consolidator.journal.workdays as workdays
    data = workdays.year_working_days([2024])
    asked = []
    monkeypatch.setattr(workdays, "_PRELOADED", {})
    monkeypatch.setattr(workdays, "_country", lambda year: (_ for _ in ()).throw(AssertionError("holidays asked")))
    workdays.preload_later(lambda: asked.append(1) or data)
    assert asked == []
    assert Calendar().add_working_days(date(2024, 12, 27), 1) == date(2024, 12, 28)  # the working Saturday
    assert Calendar().is_working_day(date(2024, 12, 30)) is False
    assert asked == [1]  # asked once
    # Nothing to be had (the process died): `holidays` answers, as without a second process.
    monkeypatch.setattr(workdays, "_PRELOADED", {})
    monkeypatch.undo()
    workdays.preload_later(lambda: None)
    assert Calendar().add_working_days(date(2024, 12, 27), 1) == date(2024, 12, 28)
    # A getter forgotten is never asked.
    workdays.preload_later(lambda: (_ for _ in ()).throw(AssertionError("asked after the process ended")))
    workdays.forget_pending()
    assert Calendar().is_working_day(date(2024, 12, 28))


def test_a_run_does_not_import_holidays_before_it_needs_a_date():
    import subprocess
    import sys

    code = "import sys, consolidator.run, consolidator.cli; print('holidays' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
