"""`consolidator survey`: the satisfaction survey of a procedure (a survey profile): the blank to enter
answers and the questionnaire to print (`template`), and the answers checked, returned and tallied
(`run`)."""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from consolidator.cli.common import DATE, EXIT_OK, EXIT_RETURNED, PathArg, UsageError, day, profile
from consolidator.cli.console import Progress, print_table

if TYPE_CHECKING:
    from pathlib import Path

# The survey profile used when none is given (rules/nso-econ.yaml: the one survey the procedures give).
DEFAULT_SURVEY = "nso-econ"
PROFILE_HELP = "Профиль опроса (файл в папке rules/) или путь к своему файлу профиля .yaml."


@click.group("survey", options_metavar="[ПАРАМЕТРЫ]", subcommand_metavar="КОМАНДА [ПАРАМЕТРЫ]...",
             short_help="Опрос удовлетворенности: бланк, анкета, проверка ответов и итоги.")
def command() -> None:
    """Опрос удовлетворенности внешних клиентов: бланк и анкета, проверка ответов, итоги и справка.

    consolidator survey template — бланк для ввода ответов и анкета для печати;
    consolidator survey run ОТВЕТЫ — проверить ответы, вернуть файлы с ошибками, подвести итоги.
    """


def _survey_profile(name: str):
    chosen = profile(name)
    if chosen.survey is None:
        from consolidator.profile.load import available_profiles

        raise UsageError(f"Профиль «{chosen.key}» описывает перечень точек взаимодействия, а не опрос. "
                         f"Профили опросов: {', '.join(available_profiles('survey')) or 'нет'}.")
    return chosen


@command.command("template", options_metavar="[ПАРАМЕТРЫ]")
@click.option("--profile", "profile_name", default=DEFAULT_SURVEY, show_default=True, help=PROFILE_HELP)
@click.option("--out", type=PathArg(dir_okay=False), default="Бланк ввода ответов.xlsx", show_default=True,
              help="Бланк для ввода ответов (.xlsx).")
@click.option("--questionnaire", type=PathArg(dir_okay=False), default=None,
              help="Анкета для печати (.docx). По умолчанию — «Анкета опроса.docx» рядом с бланком.")
@click.option("--rows", type=click.IntRange(1, 100000), default=300, show_default=True,
              help="Сколько пустых строк (анкет) подготовить в бланке.")
def template(profile_name: str, out: Path, questionnaire: Path | None, rows: int) -> None:
    """Записать бланк для ввода ответов (.xlsx: строка — анкета, графа — код формы, списки ответов,
    проверка оценок 1–5, лист «Инструкция») и анкету для печати на одной странице (.docx, с кодами для
    внесения ответов с бумажных анкет)."""
    from consolidator.outputs.survey_blank import write_blank
    from consolidator.outputs.survey_questionnaire import write_questionnaire

    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"Бланк записывается в формате .xlsx: укажите имя файла с расширением .xlsx, а не «{out.name}».")
    questionnaire = questionnaire or out.with_name("Анкета опроса.docx")
    if questionnaire.suffix.lower() != ".docx":
        raise UsageError(f"Анкета записывается в формате .docx, а не «{questionnaire.name}».")
    chosen = _survey_profile(profile_name)
    write_blank(chosen, out, rows)
    write_questionnaire(chosen, questionnaire)
    click.echo(f"Бланк для ввода ответов: {out} (строк для анкет: {rows}).")
    click.echo(f"Анкета для печати: {questionnaire}.")


@command.command("run", options_metavar="[ПАРАМЕТРЫ]")
@click.argument("answers", type=PathArg(file_okay=False), metavar="ОТВЕТЫ")
@click.option("--profile", "profile_name", default=DEFAULT_SURVEY, show_default=True, help=PROFILE_HELP)
@click.option("--out", type=PathArg(file_okay=False), default="результаты опроса", show_default=True,
              help="Папка для результатов.")
@click.option("--period", default=None, metavar="ПЕРИОД",
              help="Период мониторинга: 2025-01..2025-03 (месяцы), 01.01.2025..31.03.2025 (даты), 2025-04 (месяц), "
                   "2025 (год). Анкета с датой вне периода — ошибка. По умолчанию — любые даты не позже даты "
                   "проверки.")
@click.option("--list", "approved_list", type=PathArg(dir_okay=False), default=None, metavar="ФАЙЛ",
              help="Утвержденный (сводный) перечень точек взаимодействия: источники опроса сверяются с его точками.")
@click.option("--date", "run_date", type=DATE, default=None, metavar="ДАТА",
              help="Дата проверки (ГГГГ-ММ-ДД или ДД.ММ.ГГГГ). По умолчанию — сегодня.")
@click.option("--org", type=PathArg(dir_okay=False, exists=True), default=None,
              help="Файл YAML с реквизитами для справки (кому, должность и фамилия подписывающего).")
@click.option("--max-unpacked-mb", type=click.FloatRange(min=1), default=None,
              help="Предел объема книги в распакованном виде, МБ (по умолчанию 200).")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Сколько процессов читают файлы (по умолчанию — по числу ядер); на результат не влияет.")
def run(answers: Path, profile_name: str, out: Path, period: str | None, approved_list: Path | None, run_date,
        org: Path | None, max_unpacked_mb: float | None, jobs: int | None) -> None:
    """Проверить ответы опроса в папке ОТВЕТЫ (книги .xlsx, .xls, .ods и выгрузки .csv), вернуть
    файлы с ошибками с замечаниями, подвести итоги: «Итоги опроса.xlsx» с диаграммами и справку
    «Мониторинг удовлетворенности.docx».

    Код выхода: 0 — все файлы приняты, 1 — есть возвращенные или нечитаемые файлы, 2 — ошибка в
    параметрах.
    """
    from consolidator.outputs.lock import LockBusy
    from consolidator.run import SettingsError, Ui
    from consolidator.survey import SurveySettings, run_survey

    try:
        settings = SurveySettings.make(answers, out, day(run_date), profile_name, period, approved_list, org,
                                       max_unpacked_mb, jobs)
    except SettingsError as exc:
        raise UsageError(str(exc)) from exc
    with Progress() as progress:
        try:
            result = run_survey(settings, Ui(progress, progress.say))
        except LockBusy as exc:
            raise UsageError(str(exc)) from exc
    _print_summary(result, settings)
    ok = all(f.verdict in ("accepted", "skipped") for f in result.batch.files)
    sys.exit(EXIT_OK if ok else EXIT_RETURNED)


def _print_summary(result, settings) -> None:
    from consolidator.model import VERDICT_RU
    from consolidator.survey import MONITORING, REPORT, RESULTS

    batch = result.batch
    headers = ["Файл", "Источник ответов", "Решение", "Анкет", "Учтено", "Ошибок", "Предупр."]
    rows = [[f.path.split("/", 1)[1] if f.path.startswith(f.subdivision + "/") else f.path, f.subdivision,
             VERDICT_RU[f.verdict], str(f.rows), str(result.counted.get(i, 0)), str(f.errors), str(f.warnings)]
            for i, f in enumerate(batch.files)]
    print_table(headers, rows)
    counts = {v: sum(f.verdict == v for f in batch.files) for v in VERDICT_RU}
    share = result.tally.overall.satisfied
    click.echo("")
    click.echo(f"Профиль: {batch.profile.name}. Период: {result.window.text()}. "
               f"Дата проверки: {batch.run_date.strftime('%d.%m.%Y')}.")
    click.echo("Файлов: " + ", ".join(f"{VERDICT_RU[v]} — {n}" for v, n in counts.items() if n) + ".")
    click.echo(f"Анкет: {result.answers}, учтено в итогах: {result.counted_total}.")
    if share.n:
        low, high = share.interval

        def pct(value: float) -> str:
            return f"{value * 100:.1f}".replace(".", ",")

        click.echo(f"Доля удовлетворенных: {pct(share.value)} % (95-процентный интервал Уилсона: {pct(low)}–{pct(high)} %; "
                   f"ответили на вопрос: {share.n}).")
    for remark in result.list_remarks:
        click.echo(f"Внимание: {remark.message} ({remark.clause})", err=True)
    out = settings.out
    click.echo(f"Итоги: {out / RESULTS}; справка: {out / MONITORING}; отчет: {out / REPORT}.")
