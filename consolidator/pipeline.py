"""The main job, stage by stage: find files, read, check as one batch, return, consolidate, report."""
from __future__ import annotations

import dataclasses
import json
import shutil
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Callable

from consolidator.annotate import RETURNED_DIR, write_returned
from consolidator.atomic import write_text
from consolidator.consolidate import FILE_NAME as CONSOLIDATED
from consolidator.eml import write_draft
from consolidator.inbox import Progress, Read, Survey, discover, intern_rows, no_progress, read_one, skip_reason, with_form
from consolidator.engine import check_batch
from consolidator.journal import FILE_NAME as JOURNAL
from consolidator.journal import Journal
from consolidator.lock import out_lock
from consolidator.model import ACCEPTED, RETURNED, SKIPPED, Batch, FileResult, as_columns
from consolidator.parallel import context as parallel_context
from consolidator.parallel import Started, run_map
from consolidator.profile import Profile
from consolidator.protocol import FILE_NAME as PROTOCOL
from consolidator.read import Table
from consolidator.safety import Limits
from consolidator.sideprocess import SideProcess
from consolidator.tracking import Subdivision, record, track
from consolidator.workdays import Calendar

REPORT = "report.json"
ORDER = "Проект приказа.docx"  # order.FILE_NAME, named here so that python-docx is imported only to write it

def run(profile: Profile, inbox: Path, out: Path, run_date: date, progress: Progress | None = None,
        journal_path: Path | None = None, registry: list[Subdivision] | None = None,
        calendar: Calendar | None = None, alternatives: list[Profile] | None = None,
        limits: Limits | None = None, lock_timeout: float | None = None,
        on_lock_wait: Callable[[str], None] | None = None, jobs: int | None = None,
        side_process: SideProcess | None = None, surveyed: Survey | None = None) -> Batch:
    """The whole job: check every file, sort out versions against the journal, then write returned
    copies with e-mail drafts, the consolidated list, the order draft, the protocol and report.json.
    `surveyed`: the inbox as `survey` read it to choose the profile (its files are not read again).

    One run at a time per `out` (lock.out_lock): a second run waits for the first, then refuses."""
    progress = progress or no_progress
    calendar = calendar or Calendar()
    registry = registry or []
    with out_lock(out, lock_timeout, on_lock_wait):
        _sweep_temporary(out)
        batch = check(profile, inbox, out, run_date, progress, calendar, alternatives, limits, jobs, surveyed)
        with Journal(journal_path or out / JOURNAL) as journal:
            with _phase(batch, "journal"):
                track(batch, journal, registry, calendar)
            # The returned copies are written by the pool while this process writes the consolidated
            # list and the order; the protocol and report.json name the copies, so they come last.
            with _phase(batch, "annotate"):
                copies = _ReturnedCopies(batch, progress, {s.name: s.email for s in registry}, jobs)
            try:
                order = _write_list_and_start_order(batch, side_process)
            except BaseException:
                copies.cancel()
                raise
            with _phase(batch, "annotate"):
                copies.finish()
            with _phase(batch, "protocol"):
                from consolidator.protocol import write_protocol

                write_protocol(batch, batch.out / PROTOCOL)
            with _phase(batch, "docx"):
                order()
            with _phase(batch, "protocol"):
                write_text(batch.out / REPORT, json.dumps(report(batch), ensure_ascii=False, indent=2))
            with _phase(batch, "journal"):
                record(batch, journal)
    return batch


@contextmanager
def _phase(batch: Batch, name: str):
    """Add the time spent in a stage to batch.timings (the benchmark prints them)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        batch.timings[name] = batch.timings.get(name, 0.0) + time.perf_counter() - start


def _sweep_temporary(out: Path) -> None:
    """Temporary files a killed run left beside the outputs (atomic.atomic_path names them .~tmp-…)."""
    for p in out.glob(".~tmp-*"):
        if p.is_file() and not p.is_symlink():
            p.unlink(missing_ok=True)


def check(profile: Profile, inbox: Path, out: Path, run_date: date, progress: Progress | None = None,
          calendar: Calendar | None = None, alternatives: list[Profile] | None = None,
          limits: Limits | None = None, jobs: int | None = None, surveyed: Survey | None = None) -> Batch:
    """Read and check every file; set verdicts, remarks and deadlines. Writes nothing.
    With `surveyed`, the files it read in this profile's form (or found unreadable) are not read again;
    the survey is used up."""
    started = time.perf_counter()
    files = discover(inbox)
    tables: dict[int, Table] = {}
    fix_days = profile.deadlines["fix"].days if "fix" in profile.deadlines else None
    reads: dict[int, Read] = {}
    to_read = []
    for i, f in enumerate(files):
        reason = skip_reason(f, inbox)
        f.subdivision = f.subdivision or f.source.stem  # refined from the form's title line when read
        # Taken out of the survey: its tables are then the batch's alone, freed with it.
        known = surveyed.files.pop(f.source, None) if surveyed and not reason else None
        if reason:
            f.verdict, f.reason = SKIPPED, reason
        elif known is not None and known.stands_for(profile):
            if known.verdict is None:
                reads[i] = (None, None, with_form(known.table, f.source, profile, alternatives, known.scores))
            else:
                reads[i] = (known.verdict, known.reason, None)
        else:
            to_read.append(i)
    step = (progress or no_progress)("Чтение файлов", len(to_read))
    ctx = (profile, alternatives, limits)
    texts = surveyed.texts if surveyed else {}
    for i, read in zip(to_read, run_map(read_one, [files[i].source for i in to_read], ctx, jobs)):
        step(files[i].path)
        if read[2] is not None:
            intern_rows(read[2], texts)
        reads[i] = read
    if surveyed:
        surveyed.texts.clear()
    for i, (verdict, reason, table) in sorted(reads.items()):
        f = files[i]
        if table is None:
            f.verdict, f.reason = verdict, reason
            continue
        tables[i] = table
        f.sheet, f.rows, f.column_index = table.sheet, len(table.rows), table.columns
        if "/" not in f.path:  # a file at the inbox's root: the form's own title line names its author
            f.subdivision = table.subdivision or f.subdivision
    read_done = time.perf_counter()
    data = check_batch(profile, files, tables)
    batch = Batch(profile=profile, run_date=run_date, inbox=inbox, out=out, files=files, data=data, limits=limits)
    batch.timings.update(read=read_done - started + (surveyed.seconds if surveyed else 0.0),
                         check=time.perf_counter() - read_done)
    for f in files:
        if f.verdict == ACCEPTED and f.errors:
            f.verdict = RETURNED
            if fix_days is not None:
                f.fix_deadline = (calendar or Calendar()).add_working_days(run_date, fix_days)
    return batch


def _return_one(item: tuple[FileResult, str | None]) -> str:
    """The returned copy and its e-mail draft for one file (in a worker process for a large batch)."""
    batch, staging = parallel_context()
    f, email = item
    f.returned_copy = write_returned(batch, f, staging)
    write_draft(batch, f, email, staging)
    return f.returned_copy


class _ReturnedCopies:
    """All returned copies, written into a fresh folder that is then swapped in: copies from an
    earlier run of a file that is now accepted do not linger. A large batch's copies are started
    in the pool at once and collected by finish()."""

    def __init__(self, batch: Batch, progress: Progress, emails: dict[str, str | None], jobs: int | None = None):
        self.batch = batch
        self.final = batch.out / RETURNED_DIR
        self.staging = batch.out / f".{RETURNED_DIR}.new"
        shutil.rmtree(self.staging, ignore_errors=True)
        self.returned = [f for f in batch.files if f.verdict == RETURNED]
        self.step = progress("Копии с замечаниями", len(self.returned))
        # Workers need the profile, date and limits, not every file's rows.
        ctx = (dataclasses.replace(batch, files=[], data=batch.data.iloc[0:0]), self.staging)
        items = [(f, emails.get(f.subdivision)) for f in self.returned]
        self.started = Started(_return_one, items, ctx, jobs)

    def cancel(self) -> None:
        self.started.cancel()
        shutil.rmtree(self.staging, ignore_errors=True)

    def finish(self) -> None:
        try:
            for f, rel in zip(self.returned, self.started.results()):
                self.step(f.path)
                f.returned_copy = rel
        except BaseException:
            # The earlier copies stay as they were; nothing half-written is left beside them.
            self.cancel()
            raise
        out, staging, final = self.batch.out, self.staging, self.final
        old = out / f".{RETURNED_DIR}.old"
        shutil.rmtree(old, ignore_errors=True)
        if final.exists():
            final.rename(old)
        nested = staging / RETURNED_DIR
        if nested.exists():
            nested.rename(final)
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


def _write_list_and_start_order(batch: Batch, side_process: SideProcess | None) -> Callable[[], None]:
    """Write the consolidated list; start the order (in the order process, if there is one) and
    return what finishes it."""
    # Looked up at call time, so that a test can stand in for a writer (a run killed midway).
    from consolidator.consolidate import write_consolidated

    with _phase(batch, "consolidate"):
        rows = batch.accepted_rows()
    path = batch.out / ORDER
    pending = None
    if len(rows) and side_process is not None:
        # The worker needs the profile and the rows, not the batch's frame, and no pandas to read them.
        pending = side_process.write(dataclasses.replace(batch, data=None), as_columns(rows), path)
    with _phase(batch, "consolidate"):
        consolidated_rows = write_consolidated(batch, rows, batch.out / CONSOLIDATED)
        batch.consolidated = {"path": CONSOLIDATED, "rows": consolidated_rows}

    def finish() -> None:
        if not len(rows):
            path.unlink(missing_ok=True)
            batch.order = None
            return
        try:
            if pending is None:
                raise LookupError
            pending.result()
        except Exception:
            # No order process, or it could not write the order: written here, as a serial run does
            # (an error in the order itself is then raised here). python-docx is imported only then.
            from consolidator.order import write_order

            write_order(batch, rows, path)
        batch.order = {"path": ORDER}

    return finish


def report(batch: Batch) -> dict:
    """report.json: a public contract read by other systems (see README)."""
    return {
        "profile": batch.profile.key,
        "run_date": batch.run_date.isoformat(),
        "files": [
            {
                "path": f.path,
                "subdivision": f.subdivision,
                "verdict": f.verdict,
                "reason": f.reason,
                "sheet": f.sheet,
                "rows": f.rows,
                "remarks": [r.to_json() for r in f.remarks],
                "returned_copy": f.returned_copy,
                "fix_deadline": f.fix_deadline.isoformat() if f.fix_deadline else None,
                **({"resolved": f.resolved} if f.resolved is not None else {}),
            }
            for f in batch.files
        ],
        "consolidated": batch.consolidated,
        "order": batch.order,
        "subdivisions": batch.subdivisions or [],
    }
