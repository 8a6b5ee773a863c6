"""`consolidator approve`: record the last run's consolidated list as the approved edition."""
from __future__ import annotations

import click

from consolidator.cli.common import DATE, PathArg, UsageError


@click.command("approve", options_metavar="[ПАРАМЕТРЫ]",
               short_help="Записать утвержденную редакцию сводного перечня (номер и дата приказа).")
@click.option("--number", required=True, metavar="НОМЕР", help="Номер приказа, которым утвержден перечень.")
@click.option("--date", "order_date", type=DATE, required=True, metavar="ДАТА",
              help="Дата приказа (ГГГГ-ММ-ДД или ДД.ММ.ГГГГ).")
@click.option("--out", type=PathArg(file_okay=False), default="output", show_default=True,
              help="Папка результатов последнего запуска: в ней журнал и папка «Утвержденные».")
@click.option("--journal", type=PathArg(dir_okay=False), default=None,
              help="Журнал представлений (SQLite). По умолчанию — журнал.sqlite в папке результатов.")
@click.option("--profile", "profile_name", default=None, metavar="ПРОФИЛЬ",
              help="Профиль, чей перечень утвердить, если в журнале их несколько. По умолчанию — профиль "
                   "последнего запуска.")
@click.option("--incomplete", is_flag=True,
              help="Утвердить и неполный перечень (есть возвращенные файлы или непредставленные перечни).")
def command(number: str, order_date, out, journal, profile_name: str | None, incomplete: bool) -> None:
    """Записать сводный перечень последнего запуска как утвержденную редакцию (номер и дата приказа).

    Следующие запуски сравнивают перечни подразделений с утвержденной редакцией и готовят список
    изменений и проект приказа о внесении изменений. Копия утвержденного перечня — в папке
    «Утвержденные» папки результатов.
    """
    from consolidator.journal.safekeeping import JournalDamaged
    from consolidator.journal.store import FILE_NAME
    from consolidator.outputs.lock import LockBusy
    from consolidator.run import SettingsError, approve

    try:
        edition, copy = approve(journal or out / FILE_NAME, out, number, order_date.date(), incomplete, profile_name)
    except (SettingsError, LockBusy, JournalDamaged) as exc:
        raise UsageError(str(exc)) from exc
    click.echo(f"Утверждена редакция сводного перечня: приказ от {edition.date:%d.%m.%Y} № {edition.number}, "
               f"строк: {len(edition.rows)}" + (" (перечень неполный)" if edition.incomplete else "") + ".")
    click.echo(f"Копия утвержденного перечня: {copy}.")
