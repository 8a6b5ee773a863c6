"""What the commands share: exit codes, the usage error, options, profiles loaded once per command."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from pathlib import Path

EXIT_OK = 0  # every file accepted
EXIT_RETURNED = 1  # some file returned for rework or unreadable
EXIT_USAGE = 2  # wrong options, unknown profile, unusable paths

# profile.load.DEFAULT_PROFILE, named here so that --help loads no profile code.
DEFAULT_PROFILE = "udmurt"



class _Date(click.DateTime):
    """A date as a Russian reader writes it; click's own message names strftime patterns."""

    name = "дата"

    def get_metavar(self, param, ctx=None) -> str:
        return "ДАТА"

    def convert(self, value, param, ctx):
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            self.fail(f"«{value}» — не дата: укажите ее как ГГГГ-ММ-ДД или ДД.ММ.ГГГГ (например, 2024-07-16 "
                      f"или 16.07.2024).", param, ctx)


DATE = _Date(formats=["%Y-%m-%d", "%d.%m.%Y"])


class _RussianRange:
    """A number range described in words in the help and in errors, not as «x>=1»."""

    def _describe_range(self) -> str:
        if self.max is None:
            return f"не меньше {self.min}"
        if self.min is None:
            return f"не больше {self.max}"
        return f"от {self.min} до {self.max}"


class IntRange(_RussianRange, click.IntRange):
    name = "целое число"


class FloatRange(_RussianRange, click.FloatRange):
    name = "число"


class UsageError(click.UsageError):
    exit_code = EXIT_USAGE


class PathArg(click.Path):
    """click.Path that gives a pathlib.Path: pathlib is imported when a command takes a path, not by
    `--help` (3 ms of its 45)."""

    def convert(self, value, param, ctx):
        from pathlib import Path

        value = super().convert(value, param, ctx)
        return Path(value) if isinstance(value, str) else value


_loaded: dict[tuple[str, Path | None], object] = {}


def forget_profiles() -> None:
    """A command sees the profile files as they are when it starts."""
    _loaded.clear()


def profile(name: str, org: Path | None = None):
    """The profile, loaded and validated once per command (choosing the profile loads them all)."""
    from consolidator.checks import checked_profile
    from consolidator.profile import ProfileError

    if (name, org) not in _loaded:
        try:
            _loaded[name, org] = checked_profile(name, org)
        except ProfileError as exc:
            raise UsageError(str(exc)) from exc
    return _loaded[name, org]


def tracking_options(fn):
    fn = click.option("--calendar", "calendar_file", type=PathArg(dir_okay=False, exists=True),
                      default=None, help="Файл YAML с переносами выходных дней на год, которого еще нет "
                                         "в производственном календаре программы.")(fn)
    fn = click.option("--subdivisions", type=PathArg(dir_okay=False, exists=True), default=None,
                      help="Файл YAML со списком подразделений, которые должны представить перечни "
                           "(name, aliases, head, email).")(fn)
    fn = click.option("--journal", type=PathArg(dir_okay=False), default=None,
                      help="Журнал представлений (SQLite). По умолчанию — журнал.sqlite в папке результатов.")(fn)
    return fn


def day(value) -> date:
    """The --date given (a datetime from click), or today."""
    return value.date() if value else date.today()


def warn_unknown_years(calendar, days) -> None:
    years = sorted({d.year for d in days if calendar.unknown_year(d)})
    if years:
        click.echo(f"Внимание: переносы выходных дней на {', '.join(map(str, years))} г. программе неизвестны; "
                   f"сроки посчитаны без них. Добавьте переносы из постановления Правительства в файл "
                   f"--calendar.", err=True)
