"""Command line: parses, dispatches to the library, prints. Everything a user reads is in Russian."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from consolidator import __version__
from consolidator.click_ru import install as _russian_click

_russian_click()

EXIT_OK = 0  # every file accepted
EXIT_RETURNED = 1  # some file returned for rework or unreadable
EXIT_USAGE = 2  # wrong options, unknown profile, unusable paths

DEFAULT_PROFILE = "udmurt"


class UsageError(click.UsageError):
    exit_code = EXIT_USAGE


_loaded: dict[tuple[str, Path | None], object] = {}


def _profile(name: str, org: Path | None = None):
    """The profile, loaded and validated once per command (choosing the profile loads them all)."""
    from consolidator.checks import validate_profile
    from consolidator.profile import ProfileError, load_profile

    if (name, org) not in _loaded:
        try:
            profile = load_profile(name, org)
            validate_profile(profile)
        except ProfileError as exc:
            raise UsageError(str(exc)) from exc
        _loaded[name, org] = profile
    return _loaded[name, org]


@click.group(options_metavar="[ПАРАМЕТРЫ]", subcommand_metavar="КОМАНДА [ПАРАМЕТРЫ]...",
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, message="consolidator %(version)s", help="Показать версию и выйти.")
def main() -> None:
    """Проверка и сведение перечней точек взаимодействия с клиентом.

    Проверяет файлы структурных подразделений по Порядку региона, возвращает файлы с замечаниями,
    сводит принятые в сводный перечень и готовит проект приказа о его утверждении.
    """
    for stream in (sys.stdout, sys.stderr):
        # A Windows console may not be UTF-8; never crash on a Russian letter.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    _loaded.clear()  # a command sees the profile files as they are now


def _tracking_options(fn):
    fn = click.option("--calendar", "calendar_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
                      default=None, help="Файл YAML с переносами выходных дней на год, которого еще нет "
                                         "в производственном календаре программы.")(fn)
    fn = click.option("--subdivisions", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None,
                      help="Файл YAML со списком подразделений, которые должны представить перечни "
                           "(name, aliases, head, email).")(fn)
    fn = click.option("--journal", type=click.Path(path_type=Path, dir_okay=False), default=None,
                      help="Журнал представлений (SQLite). По умолчанию — журнал.sqlite в папке результатов.")(fn)
    return fn


def _registry_and_calendar(subdivisions: Path | None, calendar_file: Path | None):
    from consolidator.tracking import RegistryError, load_registry
    from consolidator.workdays import Calendar, CalendarError

    try:
        return load_registry(subdivisions), Calendar.load(calendar_file)
    except (RegistryError, CalendarError) as exc:
        raise UsageError(str(exc)) from exc


def _warn_unknown_years(calendar, days) -> None:
    years = sorted({d.year for d in days if calendar.unknown_year(d)})
    if years:
        click.echo(f"Внимание: переносы выходных дней на {', '.join(map(str, years))} г. программе неизвестны; "
                   f"сроки посчитаны без них. Добавьте переносы из постановления Правительства в файл "
                   f"--calendar.", err=True)


@main.command("run", options_metavar="[ПАРАМЕТРЫ]")
@click.argument("inbox", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option("--profile", "profile_name", default=None,
              help="Профиль региона (файл в папке rules/) или путь к своему файлу профиля .yaml. "
                   "Если не указан, определяется по заголовкам и группам в файлах.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("output"),
              show_default=True, help="Папка для результатов.")
@click.option("--date", "run_date", type=click.DateTime(formats=["%Y-%m-%d", "%d.%m.%Y"]),
              default=None, metavar="ДАТА",
              help="Дата проверки (ГГГГ-ММ-ДД или ДД.ММ.ГГГГ), от нее считаются сроки. По умолчанию — сегодня.")
@click.option("--org", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None,
              help="Файл YAML с реквизитами организации для проекта приказа (заменяет значения профиля).")
@click.option("--max-unpacked-mb", type=click.FloatRange(min=1), default=None,
              help="Предел объема книги в распакованном виде, МБ: файл больше отклоняется как «zip-бомба» "
                   "(по умолчанию 200 или значение переменной среды CONSOLIDATOR_MAX_UNPACKED_MB).")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Сколько процессов читают файлы и пишут копии с замечаниями (по умолчанию — по числу "
                   "ядер; проект приказа пишет еще один процесс; 1 — все в одном процессе). На результат "
                   "не влияет.")
@_tracking_options
def run_command(inbox: Path | None, profile_name: str, out: Path, run_date, org: Path | None,
                journal: Path | None, subdivisions: Path | None, calendar_file: Path | None,
                max_unpacked_mb: float | None = None, jobs: int | None = None) -> None:
    """Проверить файлы в папке INBOX, вернуть несоответствующие с замечаниями, свести принятые.

    INBOX — папка с файлами подразделений (можно по папке на подразделение). По умолчанию —
    sample_inputs/<профиль>/. Код выхода: 0 — все файлы приняты, 1 — есть возвращенные или
    нечитаемые файлы, 2 — ошибка в параметрах.
    """
    if inbox is None:
        inbox = Path("sample_inputs") / (profile_name or DEFAULT_PROFILE)
    if not inbox.is_dir():
        raise UsageError(f"Папка входящих «{inbox}» не найдена.")
    if not any(p.is_file() for p in inbox.rglob("*")):
        raise UsageError(f"В папке входящих «{inbox}» нет ни одного файла: проверять нечего.")
    # Everything that can be checked without reading the files is checked first.
    inbox_r, out_r = inbox.resolve(), out.resolve()
    if out_r == inbox_r or out_r.is_relative_to(inbox_r):
        raise UsageError(f"Папка результатов «{out}» находится внутри папки входящих «{inbox}»: "
                         f"входящие файлы не изменяются, укажите другую папку --out.")
    if journal is not None and journal.resolve().is_relative_to(inbox_r):
        raise UsageError(f"Журнал «{journal}» находится внутри папки входящих «{inbox}»: входящие файлы не "
                         f"изменяются, укажите другое место --journal.")
    # Started before the heavy imports below: on the other core meanwhile, it works out the working days,
    # reads a small inbox and imports python-docx.
    from consolidator.safety import Limits

    limits = Limits.from_env(max_unpacked_mb)
    year = (run_date.date() if run_date else date.today()).year
    side_process = None
    if jobs != 1:
        side_process = _start_side_process([year - 1, year, year + 1], inbox, profile_name, limits)
    try:
        _run(inbox, profile_name, out, run_date, org, journal, subdivisions, calendar_file, limits, jobs,
             side_process)
    finally:
        if side_process is not None:
            side_process.close()


def _start_side_process(years: list[int], inbox: Path, profile_name: str | None, limits):
    from consolidator.sideprocess import SideProcess

    try:
        return SideProcess(years, inbox, profile_name, limits)
    except Exception:  # no second process on this machine: its work is done in this one
        return None


def _run(inbox, profile_name, out, run_date, org, journal, subdivisions, calendar_file, limits, jobs,
         side_process) -> None:
    from consolidator.importing import heavy_imports

    with heavy_imports():  # pandas and pandera
        from consolidator.lock import LockBusy
        from consolidator.pipeline import run
        from consolidator.profile import available_profiles

    if profile_name is not None:
        _profile(profile_name, org)
    elif org is not None:
        _profile(DEFAULT_PROFILE, org)  # a broken --org file is reported before the files are read
    day = run_date.date() if run_date else date.today()
    registry, calendar = _registry_and_calendar(subdivisions, calendar_file)
    with _Progress() as progress:
        surveyed = side_process.survey() if side_process is not None else None
        if profile_name is None:
            surveyed, profile_name = _detect(inbox, limits, jobs, progress, surveyed)
        profile = _profile(profile_name, org)
        alternatives = [_profile(n) for n in available_profiles() if n != profile.key]
        if side_process is not None:
            from consolidator import workdays

            try:
                workdays.preload(side_process.working_days.result(timeout=30))
            except Exception:  # this process imports `holidays` itself when it needs a date
                pass
        try:
            batch = run(profile, inbox, out, day, progress, journal, registry, calendar, alternatives, limits=limits,
                        on_lock_wait=lambda message: click.echo(message, err=True), jobs=jobs,
                        side_process=side_process, surveyed=surveyed)
        except LockBusy as exc:
            raise UsageError(str(exc)) from exc
    _warn_unknown_years(calendar, [f.fix_deadline for f in batch.files if f.fix_deadline])
    _print_summary(batch)
    ok = all(f.verdict in ("accepted", "skipped", "superseded") for f in batch.files)
    sys.exit(EXIT_OK if ok else EXIT_RETURNED)


def _detect(inbox: Path, limits, jobs, progress, surveyed=None):
    """Read the inbox's files in the forms they fit (unless the second process has: `surveyed`), choose
    the profile by them and say which and why: (the survey, the profile's key)."""
    from consolidator.detect import choose_profile
    from consolidator.inbox import survey
    from consolidator.profile import available_profiles

    profiles = [_profile(n) for n in available_profiles()]
    if surveyed is None:
        surveyed = survey(inbox, profiles, progress, limits, jobs)
        progress.close()
    profile, reason = choose_profile(surveyed.forms(), profiles)
    if profile is None:
        click.echo(f"Профиль не определен: {reason}. Используется профиль по умолчанию «{DEFAULT_PROFILE}».",
                   err=True)
        return surveyed, DEFAULT_PROFILE
    click.echo(f"Профиль определен автоматически: «{profile.key}»: {reason}. "
               f"Чтобы задать его явно: --profile {profile.key}.", err=True)
    return surveyed, profile.key


class _Progress:
    """A progress bar per stage on stderr; click draws it only on a terminal."""

    def __init__(self):
        self.bar = None

    def __call__(self, label: str, total: int):
        self.close()
        if total == 0:
            return lambda name: None
        self.bar = click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True,
                                     item_show_func=lambda name: (name or "")[-50:])
        self.bar.__enter__()
        return lambda name: self.bar.update(1, name)

    def close(self):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [min(48, max(len(r[i]) for r in [headers, *rows])) for i in range(len(headers))]

    def line(cells):
        return "  ".join((c if len(c) <= w else c[: w - 1] + "…").ljust(w) for c, w in zip(cells, widths))

    click.echo(line(headers))
    click.echo("  ".join("-" * w for w in widths))
    for r in rows:
        click.echo(line(r))


def _print_summary(batch) -> None:
    from consolidator.consolidate import completeness_line
    from consolidator.model import VERDICT_RU

    headers = ["Файл", "Подразделение", "Решение", "Строк", "Ошибок", "Предупр."]
    # The folder already names the subdivision; the file column shows the rest of the path.
    rows = [[f.path.split("/", 1)[1] if f.path.startswith(f.subdivision + "/") else f.path, f.subdivision,
             VERDICT_RU[f.verdict], str(f.rows), str(f.errors), str(f.warnings)] for f in batch.files]
    _print_table(headers, rows)
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
    from consolidator.pipeline import PROTOCOL, REPORT

    click.echo(f"Отчет: {batch.out / REPORT}; протокол: {batch.out / PROTOCOL}.")


@main.command("status", options_metavar="[ПАРАМЕТРЫ]")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("output"), show_default=True,
              help="Папка результатов, где лежит журнал и куда пишется Журнал.xlsx.")
@click.option("--date", "run_date", type=click.DateTime(formats=["%Y-%m-%d", "%d.%m.%Y"]),
              default=None, metavar="ДАТА",
              help="Дата, на которую показать статусы. По умолчанию — сегодня.")
@click.option("--profile", "profile_name", default=None,
              help="Профиль, чьи перечни показать, если в журнале их несколько. По умолчанию — профиль "
                   "последнего полученного файла.")
@_tracking_options
def status_command(out: Path, run_date, journal: Path | None, subdivisions: Path | None,
                   calendar_file: Path | None, profile_name: str | None) -> None:
    """Показать статус каждого подразделения по журналу: представлен ли перечень, принят ли, сроки,
    просрочка; записать Журнал.xlsx в папку результатов."""
    from consolidator.journal import FILE_NAME as JOURNAL
    from consolidator.journal import Journal
    from consolidator.journal_report import FILE_NAME, write_journal_xlsx
    from consolidator.tracking import statuses_from_journal

    path = journal or out / JOURNAL
    if not path.exists():
        raise UsageError(f"Журнал «{path}» не найден: сначала выполните consolidator run.")
    registry, calendar = _registry_and_calendar(subdivisions, calendar_file)
    day = run_date.date() if run_date else date.today()
    with Journal(path) as j:
        known = j.profiles()
        profile = profile_name or (known[-1] if known else None)
        if len(known) > 1:
            click.echo(f"В журнале перечни по нескольким профилям ({', '.join(known)}); показан «{profile}». "
                       f"Другой: --profile.", err=True)
        statuses = statuses_from_journal(j, registry, day, calendar, profile)
        write_journal_xlsx(statuses, j.versions(profile=profile), day, out / FILE_NAME)
    headers = ["Подразделение", "Статус", "Текущая версия", "Получена", "Срок устранения", "Просрочка"]
    def ru(iso: str | None) -> str:
        return date.fromisoformat(iso).strftime("%d.%m.%Y") if iso else "—"

    rows = [[s["name"], s["status"], s["current"] or "—", ru(s["received"]), ru(s["fix_deadline"]),
             str(s["overdue_days"]) if s["overdue_days"] else ""] for s in statuses]
    _print_table(headers, rows)
    click.echo(f"\nСтатусы на {day.strftime('%d.%m.%Y')}. Журнал: {out / FILE_NAME}.")
    _warn_unknown_years(calendar, [date.fromisoformat(s["fix_deadline"]) for s in statuses if s["fix_deadline"]])


@main.command("rules", options_metavar="[ПАРАМЕТРЫ]")
@click.option("--profile", "profile_name", default=DEFAULT_PROFILE, show_default=True, help="Профиль региона.")
@click.option("--markdown", is_flag=True, help="Таблица в формате Markdown (для README).")
def rules_command(profile_name: str, markdown: bool) -> None:
    """Показать правила профиля: код, важность, пункт Порядка, что проверяется."""
    from consolidator.docs import rules_table

    click.echo(rules_table(_profile(profile_name), markdown=markdown))


@main.command("template", options_metavar="[ПАРАМЕТРЫ]")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--profile", "profile_name", default=DEFAULT_PROFILE, show_default=True,
              help="Профиль региона (файл в папке rules/) или путь к своему файлу профиля .yaml.")
@click.option("--subdivision", default=None,
              help="Наименование структурного подразделения для строки «Структурное подразделение:». "
                   "Без него строка остается пустой для заполнения.")
@click.option("--rows", type=click.IntRange(1, 10000), default=50, show_default=True,
              help="Сколько пустых строк для заполнения подготовить в таблице.")
def template_command(file: Path, profile_name: str, subdivision: str | None, rows: int) -> None:
    """Записать бланк формы для подразделения в FILE (.xlsx): заголовок формы, раскрывающиеся списки,
    лист «Инструкция» с правилами проверки и сроками."""
    from consolidator.template import write_template

    if file.suffix.lower() != ".xlsx":
        raise UsageError(f"Бланк записывается в формате .xlsx: укажите имя файла с расширением .xlsx, а не «{file.name}».")
    profile = _profile(profile_name)
    write_template(profile, file, subdivision=subdivision, rows=rows)
    click.echo(f"Бланк формы записан: {file} (профиль {profile.key}, строк для заполнения: {rows}).")


@main.command("profiles", options_metavar="[ПАРАМЕТРЫ]")
def profiles_command() -> None:
    """Показать доступные профили регионов."""
    from consolidator.profile import available_profiles, load_profile

    for name in available_profiles():
        click.echo(f"{name:12} {load_profile(name).name}")


def entry() -> None:
    """The `consolidator` command (and `python -m consolidator`): `main`, then an immediate exit.

    When a command has finished, every output is written, closed and renamed into place, the second
    process and the pools are shut down and the journal is closed. What is left is the interpreter's
    own clean-up of pandas and pandera, which took 0.3 s of a 1.5 s run: it is skipped once the
    streams are flushed. An unexpected error still ends the ordinary way, with its traceback."""
    import os

    try:
        main()
    except SystemExit as exc:
        code = exc.code
    else:
        code = EXIT_OK
    if code is not None and not isinstance(code, int):
        click.echo(code, err=True)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)
