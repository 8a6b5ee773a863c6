"""`consolidator run`: check the inbox, return files with remarks, consolidate the accepted ones."""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from consolidator.cli.common import (DATE, EXIT_OK, EXIT_RETURNED, FloatRange, IntRange, PathArg, UsageError, day,
                                     tracking_options, warn_unknown_years)
from consolidator.cli.console import Progress, print_table

if TYPE_CHECKING:
    from pathlib import Path


# What to type when the inbox is forgotten: the run never guesses it (a guess once processed the demo
# files into a real results folder and journal).
NO_INBOX = ("Не указана папка входящих: укажите папку с файлами подразделений первым аргументом, например "
            "«consolidator run ВХОДЯЩИЕ --out РЕЗУЛЬТАТ» (проверить примеры: «consolidator run "
            "sample_inputs/udmurt --out output»).")


@click.command("run", options_metavar="[ПАРАМЕТРЫ]",
               short_help="Проверить файлы подразделений, вернуть несоответствующие, свести принятые.")
@click.argument("inbox", required=False, metavar="ВХОДЯЩИЕ", type=PathArg(file_okay=False))
@click.option("--profile", "profile_name", default=None, metavar="ПРОФИЛЬ",
              help="Профиль региона (файл в папке rules/) или путь к своему файлу профиля .yaml. "
                   "Если не указан, определяется по заголовкам и группам в файлах.")
@click.option("--out", type=PathArg(file_okay=False), default="output",
              show_default=True, help="Папка для результатов.")
@click.option("--date", "run_date", type=DATE, default=None, metavar="ДАТА",
              help="Дата проверки (ГГГГ-ММ-ДД или ДД.ММ.ГГГГ), от нее считаются сроки. По умолчанию — сегодня.")
@click.option("--sent", "sent_date", type=DATE, default=None, metavar="ДАТА",
              help="Дата направления замечаний подразделениям, если не в день проверки: от нее считается "
                   "срок устранения (замечания устраняются в срок после их получения).")
@click.option("--registry", type=PathArg(dir_okay=False, exists=True), default=None, metavar="ФАЙЛ",
              help="Реестр процессов министерства (.xlsx, .xls, .ods или .csv): наименования услуг, их группы и "
                   "владельцы сверяются с ним. Можно указать и в файле --org (registry: путь).")
@click.option("--org", type=PathArg(dir_okay=False, exists=True), default=None,
              help="Файл YAML с реквизитами организации для проекта приказа (заменяет значения профиля).")
@click.option("--max-unpacked-mb", type=FloatRange(min=1), default=None, metavar="МБ",
              help="Предел объема книги в распакованном виде, МБ: файл больше отклоняется как «zip-бомба» "
                   "(по умолчанию 200 или значение переменной среды CONSOLIDATOR_MAX_UNPACKED_MB).")
@click.option("--jobs", type=IntRange(min=1), default=None, metavar="ЧИСЛО",
              help="Сколько процессов читают файлы и пишут копии с замечаниями (по умолчанию — по числу "
                   "ядер; проект приказа пишет еще один процесс; 1 — файлы читает один процесс, остальное "
                   "делает основной). На результат не влияет.")
@click.option("--recheck", is_flag=True,
              help="Прочитать и проверить все файлы заново. По умолчанию файлы, которые не изменились с "
                   "прошлого запуска (и проверяются по тем же правилам), не перечитываются: их результаты "
                   "берутся из файла «кэш проверки.sqlite» папки результатов.")
@tracking_options
def command(inbox: Path | None, profile_name: str | None, out: Path, run_date, org: Path | None,
            journal: Path | None, subdivisions: Path | None, calendar_file: Path | None,
            max_unpacked_mb: float | None = None, jobs: int | None = None, sent_date=None, registry=None,
            recheck: bool = False) -> None:
    """Проверить файлы в папке ВХОДЯЩИЕ, вернуть несоответствующие с замечаниями, свести принятые.

    ВХОДЯЩИЕ — папка с файлами подразделений (можно по папке на подразделение); указывается
    обязательно. Код выхода: 0 — все файлы приняты, 1 — есть возвращенные или нечитаемые файлы,
    2 — ошибка в параметрах (в том числе папка без единой книги Excel).
    """
    # The library's light part only: the run starts its second process before pandas is imported.
    from consolidator.journal.safekeeping import JournalDamaged
    from consolidator.outputs.lock import LockBusy
    from consolidator.run import Settings, SettingsError, Ui, main

    if inbox is None:
        raise UsageError(NO_INBOX)
    try:
        settings = Settings.make(inbox, out, day(run_date), profile_name, org, journal, subdivisions, calendar_file,
                                 max_unpacked_mb, jobs, sent_date.date() if sent_date else None, registry, recheck)
    except SettingsError as exc:
        raise UsageError(str(exc)) from exc
    with Progress() as progress:
        try:
            batch = main(settings, Ui(progress, progress.say))
        except (LockBusy, SettingsError, JournalDamaged) as exc:  # nothing recorded
            raise UsageError(str(exc)) from exc
    warn_unknown_years(settings.calendar, [f.fix_deadline for f in batch.files if f.fix_deadline])
    _print_summary(batch)
    ok = all(f.verdict in ("accepted", "skipped", "superseded") for f in batch.files)
    sys.exit(EXIT_OK if ok else EXIT_RETURNED)


def _print_changes(batch) -> None:
    from consolidator.journal.changes import counts
    from consolidator.run import CHANGES_LIST, CHANGES_ORDER

    edition = batch.edition
    where = f"утвержденной редакцией (приказ от {edition.date:%d.%m.%Y} № {edition.number})"
    if not batch.changes:
        click.echo(f"Изменений по сравнению с {where} нет.")
        return
    n = counts(batch.changes)
    click.echo(f"Изменения по сравнению с {where}: добавлено строк — {n['added']}, изменено — {n['changed']}, "
               f"исключено — {n['excluded']}.")
    click.echo(f"Список изменений: {batch.out / CHANGES_LIST}; проект приказа о внесении изменений: "
               f"{batch.out / CHANGES_ORDER}.")


# More files than this: the console lists those not accepted (all of them are in the protocol).
CONSOLE_FILES = 50


def _print_summary(batch) -> None:
    from consolidator.model import VERDICT_RU, path_in_folder
    from consolidator.outputs.consolidated import completeness_line, is_complete
    from consolidator.run import PROTOCOL, REPORT

    headers = ["Файл", "Подразделение", "Решение", "Строк", "Ошибок", "Предупр."]
    # A long inbox: the files the operator has to do something about; the rest is in the protocol.
    shown = batch.files if len(batch.files) <= CONSOLE_FILES else [f for f in batch.files if f.verdict != "accepted"]
    # The folder already names the subdivision; the file column shows the rest of the path.
    rows = [[path_in_folder(f.path, f.subdivision), f.subdivision,
             VERDICT_RU[f.verdict], str(f.rows), str(f.errors), str(f.warnings)] for f in shown]
    # Headed, and apart from the progress bars above it: the last bar's label is not the table's title.
    click.echo("")
    if len(shown) == len(batch.files):
        click.echo("Результаты проверки по файлам:")
    else:
        click.echo(f"Результаты проверки по файлам, кроме принятых ({len(batch.files) - len(shown)}; все файлы — "
                   f"в протоколе проверки):")
    if rows:
        print_table(headers, rows)
    counts = {v: sum(f.verdict == v for f in batch.files) for v in VERDICT_RU}
    click.echo("")
    click.echo(f"Профиль: {batch.profile.name}. Дата проверки: {batch.run_date.strftime('%d.%m.%Y')}.")
    click.echo("Файлов: " + ", ".join(f"{VERDICT_RU[v]} — {n}" for v, n in counts.items() if n) + ".")
    same = sum(f.from_store for f in batch.files)
    if same:
        click.echo(f"Не изменились с прошлого запуска и не проверялись заново: {same} (их проверка — из «кэш "
                   f"проверки.sqlite»; проверить все заново: --recheck).")
    if batch.consolidated:
        n = batch.consolidated["rows"]
        # «строк: N», as «Файлов: …» above: no plural form to choose (babel and its Russian data would
        # cost this process 60 ms for one word).
        click.echo(f"Сводный перечень: {batch.out / batch.consolidated['path']} (строк: {n}).")
        line = completeness_line(batch)
        if not is_complete(batch):
            click.echo("Внимание: " + line.replace("(список — ниже)", "(список — на листе «Сводка»)"), err=True)
    for m in batch.list_remarks:
        click.echo(f"Внимание: {m.message} ({m.clause})", err=True)
    registry = batch.profile.registry
    if registry is not None:
        click.echo(f"{batch.profile.registry_form.title}: процессов — {len(registry.processes)}, без точек в "
                   f"сводном перечне — {len(batch.registry_unlisted)} (список — на листе «Сводка»)."
                   + (f" После утверждения редакции в реестр включено процессов: {len(batch.registry_added)}, "
                      f"исключено: {len(batch.registry_removed)} — основание актуализации перечня."
                      if batch.registry_added or batch.registry_removed else ""))
    if batch.order:
        from consolidator.outputs.order_blanks import order_blanks

        click.echo(f"Проект приказа: {batch.out / batch.order['path']}.")
        subdivisions = len({f.subdivision for f in batch.files if f.verdict == "accepted"})
        blanks = order_blanks(batch.profile, subdivisions)
        if blanks:
            click.echo(f"Внимание: в проекте приказа остались пропуски, которых нет в профиле: {'; '.join(blanks)}. "
                       f"Заполните их в документе или задайте реквизиты файлом --org.", err=True)
    if batch.edition is not None:
        _print_changes(batch)
    click.echo(f"Отчет: {batch.out / REPORT}; протокол: {batch.out / PROTOCOL}.")
