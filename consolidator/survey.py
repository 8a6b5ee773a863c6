"""The survey job (`consolidator survey run`), stage by stage, from one validated `SurveySettings`:

    make        the options checked, the approved list read (--list)           inbox.read, profile.survey
    run         under the results folder's lock (one run at a time)            outputs.lock
      check     read every answers file (workbooks and CSV exports), in the    inbox
                pool for many; check all answers of all files as one frame     checks.engine
      count     the answers of rows without errors, tallied                    stats.survey
      compare   the sources with the points of the approved list               profile.survey
      write     returned copies with e-mail drafts (as `run` returns lists),   outputs.returned, outputs.eml
                Итоги опроса.xlsx, Мониторинг удовлетворенности.docx,          outputs.survey_results,
                report.json                                                    outputs.survey_report

Nothing is lost: every answer row is either counted or under an error remark (a row with an error is
left out of the results, the rest of its file is counted, and the file is returned); a file that
cannot be read gets a verdict and a reason. The answers folder is only read.
"""
from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from consolidator.checks import checked_profile
from consolidator.inbox.files import discover, skip_reason
from consolidator.inbox.read import read_death, read_one, take_read
from consolidator.inbox.safety import Limits, UnreadableError
from consolidator.model import ACCEPTED, RETURNED, SKIPPED, Batch, FileResult, Remark, no_progress
from consolidator.outputs.atomic import write_text
from consolidator.outputs.lock import out_lock
from consolidator.profile.form import Table, cell_address
from consolidator.profile.load import available_profiles
from consolidator.profile.schema import Profile, ProfileError
from consolidator.profile.survey import Period, in_quotes, points_of
from consolidator.run import SettingsError, Ui, _phase, _ReturnedCopies, _sweep_temporary
from consolidator.run import report as list_report
from consolidator.speed.imports import heavy_imports, no_collection
from consolidator.speed.pool import MIN_PARALLEL, run_map
from consolidator.speed.side import EarlyProcess

# outputs.survey_results.FILE_NAME and outputs.survey_report.FILE_NAME, named here: openpyxl and
# python-docx are imported only to write them.
RESULTS = "Итоги опроса.xlsx"
MONITORING = "Мониторинг удовлетворенности.docx"
QUOTED = 3  # outputs.survey_report.EXAMPLES: the open answers the report quotes for a resource
REPORT = "report.json"
# Answers come as workbooks, and as CSV exports of the feedback platform.
ALSO_READ = (".csv",)
# Files this large in all are worth the pool however few they are (an export of tens of thousands of
# answers takes seconds to read or to copy with its remarks).
POOL_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class ApprovedPoints:
    """The approved list given with --list: its points, read in the list form it is in."""
    path: Path
    form: str  # the list profile whose form the file is in
    sheet: str
    points: list[str]


@dataclass(frozen=True)
class SurveySettings:
    """What a survey run is asked to do; `make` builds it from a user's options and checks them."""
    profile: Profile
    inbox: Path
    out: Path
    run_date: date
    period: Period | None = None  # None: answers dated up to run_date
    approved: ApprovedPoints | None = None
    limits: Limits | None = None
    jobs: int | None = None
    lock_timeout: float | None = None

    @classmethod
    def make(cls, inbox: Path, out: Path, run_date: date, profile: str, period: str | None = None,
             approved_list: Path | None = None, org: Path | None = None, max_unpacked_mb: float | None = None,
             jobs: int | None = None) -> SurveySettings:
        if not inbox.is_dir():
            raise SettingsError(f"Папка с ответами «{inbox}» не найдена.")
        if not any(p.is_file() for p in inbox.rglob("*")):
            raise SettingsError(f"В папке с ответами «{inbox}» нет ни одного файла: проверять нечего.")
        inbox_r, out_r = inbox.resolve(), out.resolve()
        if out_r == inbox_r or out_r.is_relative_to(inbox_r):
            raise SettingsError(f"Папка результатов «{out}» находится внутри папки с ответами «{inbox}»: файлы "
                                f"ответов не изменяются, укажите другую папку --out.")
        try:
            chosen = checked_profile(profile, org)
        except ProfileError as exc:
            raise SettingsError(str(exc)) from exc
        if chosen.survey is None:
            surveys = ", ".join(available_profiles("survey")) or "нет"
            raise SettingsError(f"Профиль «{chosen.key}» описывает перечень точек взаимодействия, а не опрос: "
                                f"его проверяет consolidator run. Профили опросов: {surveys}.")
        try:
            chosen_period = Period.parse(period) if period else None
        except ValueError as exc:
            raise SettingsError(f"--period: {exc}") from exc
        limits = Limits.from_env(max_unpacked_mb)
        approved = read_approved_list(approved_list, chosen, limits) if approved_list is not None else None
        return cls(chosen, inbox, out, run_date, chosen_period, approved, limits, jobs)

    @property
    def window(self) -> Period:
        """The dates answers may bear: the period given, or up to the date of the check."""
        return self.period or Period(None, self.run_date, given=False)


def read_approved_list(path: Path, profile: Profile, limits: Limits | None = None) -> ApprovedPoints:
    """The points of an approved list (a consolidated list, or any list in a known list form)."""
    from consolidator.inbox.read import read_table, score_forms
    from consolidator.profile.detect import best_form
    from consolidator.profile.load import load_profile

    spec = profile.survey.approved_list
    if spec is None:
        raise SettingsError(f"В профиле «{profile.key}» не описана сверка с утвержденным перечнем "
                            f"(survey.approved_list): --list не с чем сверять.")
    if not path.is_file():
        raise SettingsError(f"Файл перечня «{path}» (--list) не найден.")
    forms = [load_profile(n) for n in available_profiles()]
    try:
        best = best_form(score_forms(path, forms, limits))
        table = read_table(path, next(p for p in forms if p.key == best), limits) if best else None
    except UnreadableError as exc:
        raise SettingsError(f"Файл перечня «{path}» (--list) не прочитан: {exc}") from exc
    if table is None or spec.column not in table.columns:
        raise SettingsError(f"В файле «{path}» (--list) не найдена таблица перечня точек взаимодействия с графой "
                            f"«Точка взаимодействия»: укажите сводный перечень (например, «Сводный перечень.xlsx», "
                            f"который пишет consolidator run).")
    form = next(p for p in forms if p.key == best)
    column = form.keys.index(spec.column)
    return ApprovedPoints(path, best, table.sheet, [values[column] for _, values in table.rows if values[column]])


@dataclass
class SurveyRun:
    """What a survey run found and wrote: the checked files (as `run`'s batch), the counted answers'
    tally, the sources against the approved list, and report.json's content."""
    batch: Batch
    counted: dict[int, int]  # file index -> rows counted
    window: Period  # the dates answers may bear
    approved: ApprovedPoints | None = None
    tally: object = None  # stats.survey.Tally
    sources: list[dict] = field(default_factory=list)  # the --list comparison
    list_remarks: list[Remark] = field(default_factory=list)
    results: dict | None = None
    monitoring: dict | None = None
    # Set on the copy sent to the second process, which gets no open answers (there may be a hundred
    # thousand): how many each resource got, and the ones the report quotes.
    open_counts: dict[int, int] | None = None
    open_common: dict[int, list[str]] | None = None

    @property
    def answers(self) -> int:
        return sum(f.rows for f in self.batch.files)

    @property
    def counted_total(self) -> int:
        return sum(self.counted.values())


def run_survey(settings: SurveySettings, ui: Ui | None = None) -> SurveyRun:
    """Check every answers file, return the ones with errors, tally the rest and write the results."""
    ui = ui or Ui()
    side = _start_side(settings)
    try:
        with heavy_imports():
            import consolidator.checks.engine  # noqa: F401 - pandas and pandera
        with out_lock(settings.out, settings.lock_timeout, ui.say), no_collection():
            _sweep_temporary(settings.out)
            result = check(settings, ui)
            _write(result, settings, ui, side)
    finally:
        if side is not None:
            side.close()
    return result


def _start_side(settings: SurveySettings) -> EarlyProcess | None:
    """The second process (speed.side), started before the heavy imports: it imports matplotlib and
    python-docx meanwhile, and later writes the report for the minister. None with --jobs 1."""
    if settings.jobs == 1:
        return None
    try:
        side = EarlyProcess()
        side.submit("consolidator.outputs.survey_charts:prepare", preload=("consolidator.outputs.survey_report",))
        return side
    except Exception:  # no second process on this machine: the report is written here
        return None


def _write(result: SurveyRun, settings: SurveySettings, ui: Ui, side: EarlyProcess | None) -> None:
    """Tally the counted answers; write the returned copies (in the pool), the results workbook (here)
    and the report (in the second process, or here), then report.json."""
    batch = result.batch
    with _phase(batch, "count"):
        from consolidator.stats.survey import tally

        result.tally = tally(batch.profile, counted_answers(result), [f.path for f in batch.files], settings.period)
    result.sources, result.list_remarks = compare_sources(batch.profile, settings.approved)
    with _phase(batch, "annotate"):
        returned = [f.source for f in batch.files if f.verdict == RETURNED]
        copies = _ReturnedCopies(batch, ui.progress, {}, settings.jobs, _min_parallel(returned))
    try:
        monitoring = settings.out / MONITORING
        pending = None
        if side is not None:
            # The report needs the files and the tally, not the frame of answers nor every open answer.
            tally_ = result.tally
            low = batch.profile.survey.question(batch.profile.survey.tally.score)
            low = low.open.low if low.open else ()
            light = dataclasses.replace(
                result, batch=dataclasses.replace(batch, data=None),
                tally=dataclasses.replace(tally_, open_answers={}), open_counts=tally_.open_counts(),
                open_common={n: tally_.common_open(n, low, QUOTED) for n in tally_.below_good()})
            pending = side.submit("consolidator.outputs.survey_report:write_report", light, monitoring)
        with _phase(batch, "results"):
            from consolidator.outputs.survey_results import write_results

            write_results(result, settings.out / RESULTS)
            result.results = {"path": RESULTS, "answers": result.answers, "counted": result.counted_total}
        with _phase(batch, "docx"):
            if EarlyProcess.result(pending) is None:  # no second process, or it failed: written here
                from consolidator.outputs.survey_report import write_report

                write_report(result, monitoring)
            result.monitoring = {"path": MONITORING}
    except BaseException:
        copies.cancel()
        raise
    with _phase(batch, "annotate"):
        copies.finish()
    write_text(settings.out / REPORT, json.dumps(report(result, settings), ensure_ascii=False, indent=2))


def _min_parallel(paths: list[Path]) -> int:
    """How many files are worth the pool: any number of large ones, else as for lists."""
    size = 0
    for path in paths:
        try:
            size += path.stat().st_size
        except OSError:
            pass
    return 2 if size >= POOL_BYTES else MIN_PARALLEL


def _run_profile(settings: SurveySettings, files: list[FileResult]) -> Profile:
    """The profile with what only the run knows put into its rules: the period of the dates, and the
    files' names for a repeated row's remark."""
    window = settings.window
    rules = []
    for rule in settings.profile.rules:
        params = dict(rule.params)
        if rule.check == "date_in_period" and "start" not in params and "end" not in params:
            params.update(start=window.start, end=window.end)
        if rule.check == "duplicate_row":
            params["file_names"] = [f.path for f in files]
        rules.append(dataclasses.replace(rule, params=params))
    return dataclasses.replace(settings.profile, rules=tuple(rules))


def check(settings: SurveySettings, ui: Ui | None = None) -> SurveyRun:
    """Read and check every answers file; set verdicts and remarks, and count each file's rows without
    errors. Writes nothing."""
    from consolidator.checks.engine import check_batch

    ui = ui or Ui()
    inbox = settings.inbox
    started = time.perf_counter()
    files = discover(inbox)
    to_read = []
    for i, f in enumerate(files):
        reason = skip_reason(f, inbox, ALSO_READ)
        f.subdivision = f.subdivision or f.source.stem
        if reason:
            f.verdict, f.reason = SKIPPED, reason
        else:
            to_read.append(i)
    profile = _run_profile(settings, files)
    step = (ui.progress or no_progress)("Чтение файлов ответов", len(to_read))
    tables: dict[int, Table] = {}
    ctx = (profile, None, settings.limits)
    sources = [files[i].source for i in to_read]
    reads = run_map(read_one, sources, ctx, settings.jobs, on_death=read_death, min_parallel=_min_parallel(sources))
    for i, read in zip(to_read, reads):
        step(files[i].path)
        table = take_read(files[i], read)
        if table is not None:
            tables[i] = table
    read_done = time.perf_counter()
    data = check_batch(profile, files, tables)
    batch = Batch(profile=profile, run_date=settings.run_date, inbox=inbox, out=settings.out, files=files, data=data,
                  limits=settings.limits)
    for f in files:
        if f.verdict == ACCEPTED and f.errors:
            f.verdict = RETURNED
    result = SurveyRun(batch, {}, settings.window, settings.approved)
    _mark_counted(result, tables)
    batch.timings.update(read=read_done - started, check=time.perf_counter() - read_done)
    return result


def _mark_counted(result: SurveyRun, tables: dict[int, Table]) -> None:
    """Which rows are counted: those of a readable file with no error on any of their cells. A cell
    merged over several rows carries its remark on its top cell only: its other rows are left out too."""
    import numpy as np

    batch = result.batch
    df = batch.data
    keep = np.ones(len(df), dtype=bool)
    file_col, row_col = df["file"].to_numpy(), df["row"].to_numpy()
    for i, f in enumerate(batch.files):
        if i not in tables:
            continue
        errors = {r.cell for r in f.remarks if r.severity == "error" and r.cell}
        if f.errors and any(r.cell is None and r.severity == "error" for r in f.remarks):
            keep[file_col == i] = False  # a file-level error (a missing column): none of its rows can be counted
        elif errors:
            table = tables[i]
            bad_rows = {r.row for r in f.remarks if r.severity == "error" and r.row is not None}
            if table.origin:
                for (row, col), (r0, c0) in table.origin.items():
                    if cell_address(r0, c0) in errors:
                        bad_rows.add(row)
            keep[(file_col == i) & np.isin(row_col, list(bad_rows))] = False
        result.counted[i] = int(keep[file_col == i].sum())
    df["counted"] = keep


def counted_answers(result: SurveyRun):
    df = result.batch.data
    return df[df["counted"]].drop(columns="counted") if "counted" in df else df


def compare_sources(profile: Profile, approved: ApprovedPoints | None) -> tuple[list[dict], list[Remark]]:
    """Each source of the survey against the points of the approved list (п. 3: interaction happens in
    the approved points): the points that are it, and a remark for a source that has none."""
    if approved is None:
        return [], []
    survey, spec = profile.survey, profile.survey.approved_list
    per_source = [q for q in survey.questions if q.per_source]
    out, remarks = [], []
    for s in survey.sources:
        codes = ", ".join(survey.code(q, s) for q in per_source)
        found = points_of(s, approved.points)
        out.append({"number": s.number, "source": s.name, "codes": codes, "points": found})
        if not found:
            message = spec.message.format(source=in_quotes(s.name)[1:-1], codes=codes.replace(", ", "), ("), list=approved.path.name)
            remarks.append(Remark(spec.code, spec.severity, approved.sheet, None, None, None, s.name, message,
                                  spec.clause))
    return out, remarks


def report(result: SurveyRun, settings: SurveySettings) -> dict:
    """report.json: the files as `run` reports them (the same fields, and `counted`: the file's rows
    counted in the results), the results written and the comparison with the approved list."""
    batch = result.batch
    files = list_report(batch)["files"]
    for i, entry in enumerate(files):
        entry["counted"] = result.counted.get(i, 0)
    window = settings.window
    return {
        "profile": batch.profile.key,
        "run_date": batch.run_date.isoformat(),
        "period": {"start": window.start.isoformat() if window.start else None,
                   "end": window.end.isoformat() if window.end else None, "given": settings.period is not None},
        "files": files,
        "results": result.results,
        "monitoring": result.monitoring,
        "approved_list": None if settings.approved is None else {
            "path": str(settings.approved.path), "form": settings.approved.form,
            "points": len(settings.approved.points), "sources": result.sources,
            "remarks": [r.to_json() for r in result.list_remarks],
        },
    }
