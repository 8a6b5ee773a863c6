"""`consolidator status`: each subdivision's status from the journal, and Журнал.xlsx."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import click

from consolidator.cli.common import DATE, PathArg, UsageError, day, tracking_options, warn_unknown_years
from consolidator.cli.console import echo_wrapped, print_table

if TYPE_CHECKING:
    from pathlib import Path


@click.command("status", options_metavar="[ПАРАМЕТРЫ]",
               short_help="Показать статусы подразделений по журналу и записать Журнал.xlsx.")
@click.option("--out", type=PathArg(file_okay=False), default="output", show_default=True,
              help="Папка результатов, где лежит журнал и куда пишется Журнал.xlsx.")
@click.option("--date", "run_date", type=DATE, default=None, metavar="ДАТА",
              help="Дата, на которую показать статусы. По умолчанию — сегодня.")
@click.option("--profile", "profile_name", default=None, metavar="ПРОФИЛЬ",
              help="Профиль, чьи перечни показать, если в журнале их несколько. По умолчанию — профиль "
                   "последнего полученного файла.")
@tracking_options
def command(out: Path, run_date, journal: Path | None, subdivisions: Path | None,
            calendar_file: Path | None, profile_name: str | None) -> None:
    """Показать статус каждого подразделения по журналу: представлен ли перечень, принят ли, сроки,
    просрочка; записать Журнал.xlsx в папку результатов."""
    import sqlite3

    from consolidator.journal.safekeeping import JournalDamaged, back_up, damaged_message, restore_hint
    from consolidator.journal.store import FILE_NAME as JOURNAL
    from consolidator.journal.store import Journal
    from consolidator.model import path_in_folder
    from consolidator.journal.subdivisions import SubdivisionsError, load_subdivisions
    from consolidator.journal.tracking import statuses_from_journal
    from consolidator.journal.workdays import Calendar, CalendarError
    from consolidator.outputs.journal_xlsx import FILE_NAME, write_journal_xlsx

    path = journal or out / JOURNAL
    if not path.exists():
        raise UsageError(f"Журнал «{path}» не найден: сначала выполните consolidator run.")
    try:
        expected, calendar = load_subdivisions(subdivisions), Calendar.load(calendar_file)
    except (SubdivisionsError, CalendarError) as exc:
        raise UsageError(str(exc)) from exc
    today = day(run_date)
    try:
        # Opening the journal may bring its schema up to date: a change, so a backup first (none when
        # nothing changed since the last one).
        back_up(path)
    except JournalDamaged as exc:
        raise UsageError(str(exc)) from exc
    except OSError:
        pass  # a backup is a precaution: showing the statuses does not depend on it
    try:
        with Journal(path) as j:
            known = j.profiles()
            profile = profile_name or (known[-1] if known else None)
            if len(known) > 1:
                click.echo(f"В журнале перечни по нескольким профилям ({', '.join(known)}); показан «{profile}». "
                           f"Другой: --profile.", err=True)
            statuses = statuses_from_journal(j, expected, today, calendar, profile)
            year = _year(j, profile, today, calendar, [s["name"] for s in statuses])
            write_journal_xlsx(statuses, j.versions(profile=profile), today, out / FILE_NAME, year)
    except JournalDamaged as exc:  # a part of a list that cannot be read
        raise UsageError(str(exc)) from exc
    except sqlite3.DatabaseError as exc:
        raise UsageError(damaged_message(path)) from exc
    headers = ["Подразделение", "Статус", "Текущая версия", "Получена", "Срок устранения", "Просрочка"]

    def ru(iso: str | None) -> str:
        return date.fromisoformat(iso).strftime("%d.%m.%Y") if iso else "—"

    # The current version's path below the subdivision's folder: the first column names the subdivision.
    rows = [[s["name"], s["status"], path_in_folder(s["current"], s["name"]) if s["current"] else "—",
             ru(s["received"]), ru(s["fix_deadline"]),
             f"{s['overdue_days']} раб. дн." if s["overdue_days"] else ""] for s in statuses]
    print_table(headers, rows)
    if year is not None:
        _print_year(year)
    click.echo(f"\nСтатусы на {today.strftime('%d.%m.%Y')}. Журнал представлений: {path}. "
               f"Отчет по журналу: {out / FILE_NAME}.")
    click.echo(restore_hint(path))
    warn_unknown_years(calendar, [date.fromisoformat(s["fix_deadline"]) for s in statuses if s["fix_deadline"]])


def _year(journal, profile_key: str | None, today, calendar, names: list[str]):
    """The approved editions, pending changes and the procedure's deadlines of the profile (None when
    its profile file is not at hand)."""
    from consolidator.journal.deadlines import year_of
    from consolidator.profile import ProfileError, load_profile

    if profile_key is None:
        return None
    try:
        profile = load_profile(profile_key)
    except ProfileError:
        return None
    return year_of(profile, journal, today, calendar, names)


def _print_year(year) -> None:
    from consolidator.journal.changes import ADDED, CHANGED, EXCLUDED

    click.echo("")
    if year.editions:
        e = year.editions[-1]
        echo_wrapped(f"Действующая редакция сводного перечня: приказ от {e.date:%d.%m.%Y} № {e.number} "
                     f"(строк: {len(e.rows)}" + ("; утверждена неполной" if e.incomplete else "") + ").")
    else:
        echo_wrapped("Утвержденной редакции сводного перечня еще нет (consolidator approve).")
    if year.pending:
        echo_wrapped(f"Изменения, ожидающие приказа о внесении изменений (проверка {year.pending_run:%d.%m.%Y}):")
        by_sub: dict[str, dict[str, int]] = {}
        for c in year.pending:
            by_sub.setdefault(c.subdivision, {ADDED: 0, CHANGED: 0, EXCLUDED: 0})[c.kind] += 1
        for name, n in sorted(by_sub.items()):
            parts = [f"{word} — {n[kind]}" for kind, word in ((ADDED, "добавлено"), (CHANGED, "изменено"),
                                                              (EXCLUDED, "исключено")) if n[kind]]
            echo_wrapped(f"{name}: строк {', '.join(parts)}", "  ")
    if year.dues:
        echo_wrapped("Сроки Порядка:")
        grouped: dict[tuple, list[str]] = {}
        for d in year.dues:
            grouped.setdefault((d.day, d.text, d.clause, d.overdue_days, d.reminder), []).append(d.subdivision)
        for (day_, text, clause, late, reminder), names in grouped.items():
            state = ("" if not late else " — срок прошел, проверьте, выполнено ли" if reminder
                     else f" — ПРОСРОЧЕНО на {late} раб. дн.")
            who = "; ".join(n for n in names if n)
            echo_wrapped(f"до {day_:%d.%m.%Y} — {text} ({clause}){state}" + (f": {who}" if who else ""), "  ")
