"""`consolidator status`: each subdivision's status from the journal, and Журнал.xlsx."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import click

from consolidator.cli.common import DATE, PathArg, UsageError, day, tracking_options, warn_unknown_years
from consolidator.cli.console import print_table

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
            write_journal_xlsx(statuses, j.versions(profile=profile), today, out / FILE_NAME)
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
    click.echo(f"\nСтатусы на {today.strftime('%d.%m.%Y')}. Журнал представлений: {path}. "
               f"Отчет по журналу: {out / FILE_NAME}.")
    click.echo(restore_hint(path))
    warn_unknown_years(calendar, [date.fromisoformat(s["fix_deadline"]) for s in statuses if s["fix_deadline"]])
