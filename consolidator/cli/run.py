"""`consolidator run`: check the inbox, return files with remarks, consolidate the accepted ones."""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from consolidator.cli.common import (DATE, DEFAULT_PROFILE, EXIT_OK, EXIT_RETURNED, PathArg, UsageError, day,
                                     tracking_options, warn_unknown_years)
from consolidator.cli.console import Progress, print_table

if TYPE_CHECKING:
    from pathlib import Path


@click.command("run", options_metavar="[ПАРАМЕТРЫ]")
@click.argument("inbox", required=False, type=PathArg(file_okay=False))
@click.option("--profile", "profile_name", default=None,
              help="Профиль региона (файл в папке rules/) или путь к своему файлу профиля .yaml. "
                   "Если не указан, определяется по заголовкам и группам в файлах.")
@click.option("--out", type=PathArg(file_okay=False), default="output",
              show_default=True, help="Папка для результатов.")
@click.option("--date", "run_date", type=DATE, default=None, metavar="ДАТА",
              help="Дата проверки (ГГГГ-ММ-ДД или ДД.ММ.ГГГГ), от нее считаются сроки. По умолчанию — сегодня.")
@click.option("--org", type=PathArg(dir_okay=False, exists=True), default=None,
              help="Файл YAML с реквизитами организации для проекта приказа (заменяет значения профиля).")
@click.option("--max-unpacked-mb", type=click.FloatRange(min=1), default=None,
              help="Предел объема книги в распакованном виде, МБ: файл больше отклоняется как «zip-бомба» "
                   "(по умолчанию 200 или значение переменной среды CONSOLIDATOR_MAX_UNPACKED_MB).")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Сколько процессов читают файлы и пишут копии с замечаниями (по умолчанию — по числу "
                   "ядер; проект приказа пишет еще один процесс; 1 — файлы читает один процесс, остальное "
                   "делает основной). На результат не влияет.")
@tracking_options
def command(inbox: Path | None, profile_name: str | None, out: Path, run_date, org: Path | None,
            journal: Path | None, subdivisions: Path | None, calendar_file: Path | None,
            max_unpacked_mb: float | None = None, jobs: int | None = None) -> None:
    """Проверить файлы в папке INBOX, вернуть несоответствующие с замечаниями, свести принятые.

    INBOX — папка с файлами подразделений (можно по папке на подразделение). По умолчанию —
    sample_inputs/<профиль>/. Код выхода: 0 — все файлы приняты, 1 — есть возвращенные или
    нечитаемые файлы, 2 — ошибка в параметрах.
    """
    # The library's light part only: the run starts its second process before pandas is imported.
    from consolidator.outputs.lock import LockBusy
    from consolidator.run import Settings, SettingsError, Ui, main

    if inbox is None:
        from pathlib import Path

        inbox = Path("sample_inputs") / (profile_name or DEFAULT_PROFILE)
    try:
        settings = Settings.make(inbox, out, day(run_date), profile_name, org, journal, subdivisions, calendar_file,
                                 max_unpacked_mb, jobs)
    except SettingsError as exc:
        raise UsageError(str(exc)) from exc
    with Progress() as progress:
        try:
            batch = main(settings, Ui(progress, progress.say))
        except LockBusy as exc:
            raise UsageError(str(exc)) from exc
    warn_unknown_years(settings.calendar, [f.fix_deadline for f in batch.files if f.fix_deadline])
    _print_summary(batch)
    ok = all(f.verdict in ("accepted", "skipped", "superseded") for f in batch.files)
    sys.exit(EXIT_OK if ok else EXIT_RETURNED)


def _print_summary(batch) -> None:
    from consolidator.model import VERDICT_RU
    from consolidator.outputs.consolidated import completeness_line
    from consolidator.run import PROTOCOL, REPORT

    headers = ["Файл", "Подразделение", "Решение", "Строк", "Ошибок", "Предупр."]
    # The folder already names the subdivision; the file column shows the rest of the path.
    rows = [[f.path.split("/", 1)[1] if f.path.startswith(f.subdivision + "/") else f.path, f.subdivision,
             VERDICT_RU[f.verdict], str(f.rows), str(f.errors), str(f.warnings)] for f in batch.files]
    print_table(headers, rows)
    counts = {v: sum(f.verdict == v for f in batch.files) for v in VERDICT_RU}
    click.echo("")
    click.echo(f"Профиль: {batch.profile.name}. Дата проверки: {batch.run_date.strftime('%d.%m.%Y')}.")
    click.echo("Файлов: " + ", ".join(f"{VERDICT_RU[v]} — {n}" for v, n in counts.items() if n) + ".")
    if batch.consolidated:
        n = batch.consolidated["rows"]
        # «строк: N», as «Файлов: …» above: no plural form to choose (babel and its Russian data would
        # cost this process 60 ms for one word).
        click.echo(f"Сводный перечень: {batch.out / batch.consolidated['path']} (строк: {n}).")
        line = completeness_line(batch)
        if "НЕПОЛНЫЙ" in line or "пуст" in line:
            click.echo("Внимание: " + line.replace("(список — ниже)", "(список — на листе «Сводка»)"), err=True)
    if batch.order:
        click.echo(f"Проект приказа: {batch.out / batch.order['path']}.")
    click.echo(f"Отчет: {batch.out / REPORT}; протокол: {batch.out / PROTOCOL}.")
