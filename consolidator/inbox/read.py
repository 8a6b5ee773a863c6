"""Each workbook of the inbox read: in the form of a profile, or in the form it fits best (the survey
that chooses the profile). Whatever goes wrong with a file is that file's verdict.

Untrusted bytes are read only in helper processes (speed.pool workers, or the second process for a
small inbox): a reader that aborts, crashes or runs out of memory there ends that file («не
прочитан», `read_death`, `survey_death`), not the batch. Each verdict keeps the technical detail
(the exception, what the reader printed, how its process ended) for the log of the results folder;
the reason the author reads is plain Russian.

Light to import (no pandas): the second process surveys a small inbox with it while the main one
imports pandas and pandera, and pool workers read with it.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Callable

from consolidator.inbox.files import discover, skip_reason
from consolidator.inbox.safety import SAVE_AS_XLSX, Limits, Source, UnreadableError, inspect, technical
from consolidator.inbox.workbook import (MEMORY_REASON, Book, hidden_sheets, ods_merged_ranges, reraise_fatal,
                                         unreadable_reason)
from consolidator.model import UNREADABLE, FileResult, Progress, no_progress
from consolidator.profile.detect import Score, best_form, rows_to_score, score_grid
from consolidator.profile.form import Table, find_header, table_of, until_blank_run
from consolidator.profile.load import available_profiles, load_profile
from consolidator.profile.schema import Profile
from consolidator.profile.text import match_key
from consolidator.speed import child
from consolidator.speed.pool import Death, Started, Workers
from consolidator.speed.pool import context as parallel_context


def read_table(path: Path | Source | Book, profile: Profile, limits: Limits | None = None) -> Table | None:
    """The form's table from the best-matching sheet, or None when no sheet has the form's header.

    Each sheet's first rows are searched for the header; only a sheet with the header is read on,
    and only to the table's end (BLANK_RUN empty rows). A Book given is read on, not closed."""
    if isinstance(path, Book):
        return _read_table(path, profile)
    with Book(path if isinstance(path, Source) else inspect(Path(path), limits)) as book:
        return _read_table(book, profile)


def _read_table(book: Book, profile: Profile) -> Table | None:
    src, wb = book.src, book.wb
    best: tuple[str, int, dict[str, int], list, list] | None = None
    ods_merges = None
    hidden = hidden_sheets(wb)
    for name in book.sheet_names:
        try:
            sheet = book.sheet(name)
            rows = book.rows(name)
            head = list(islice(rows, profile.header_search_rows))
            found = find_header(head, profile, book.header_keys(name, profile.header_search_rows))
            if found is None:
                continue
            header_row, columns = found
            if best is not None and len(columns) <= len(best[2]):
                continue
            grid = head + until_blank_run(rows, columns)
            if src.kind == "ods":
                ods_merges = ods_merges if ods_merges is not None else ods_merged_ranges(src.path)
                merged = ods_merges.get(name, [])
            else:
                merged = sheet.merged_cell_ranges or []
        except UnreadableError:
            raise
        except BaseException as exc:
            reraise_fatal(exc)
            raise UnreadableError(unreadable_reason(exc, f"Лист «{name}» не удалось прочитать")) from exc
        best = (name, header_row, columns, grid, merged)
    if best is None:
        if src.text:
            # A text table under a workbook's extension is read only when it is the form.
            raise UnreadableError(f"Файл с расширением {src.path.suffix.lower() or '(нет)'} на самом деле — "
                                  f"{src.actual}, и таблицы по форме Перечня в нем нет. Направьте Перечень "
                                  f"в формате .xlsx.")
        return None
    name, header_row, columns, grid, merged = best
    table = table_of(name, grid, header_row, columns, merged, profile)  # the Book's rows are left as they are
    table.sheet_hidden = name in hidden
    table.source_kind = src.kind
    info = src.info(table.sheet)
    if info.hidden:
        table.hidden_rows = [r for r, _ in table.rows if info.row_hidden(r)]
    return table


def score_forms(path: Path | Source | Book, profiles: list[Profile], limits: Limits | None = None) -> dict[str, Score]:
    """The best score of each profile's form over the workbook's sheets (profile.detect). A Book given
    is read on, not closed: the table is then read from the rows already read here."""
    if not isinstance(path, Book):
        with Book(path if isinstance(path, Source) else inspect(Path(path), limits)) as book:
            return score_forms(book, profiles)
    best = {p.key: Score(0, 0) for p in profiles}
    n = rows_to_score(profiles)
    for name in path.sheet_names:
        keyed = path.header_keys(name, max(p.header_search_rows for p in profiles))
        for key, s in score_grid(list(islice(path.rows(name), n)), profiles, keyed).items():
            if s.key > best[key].key:
                best[key] = s
    return best


def _looks_foreign(table: Table, profile: Profile) -> bool:
    """A table that lacks columns, or whose groups are mostly not this profile's, may be another form."""
    if table.missing or not table.rows:
        return True
    groups = {match_key(g) for g in profile.groups}
    col = profile.keys.index(profile.group_column)
    known = sum(1 for _, values in table.rows if match_key(values[col]) in groups)
    return known < len(table.rows) / 2


def _other_form(path: Path | Source, profile: Profile, alternatives: list[Profile],
                scores: dict[str, Score] | None = None, limits: Limits | None = None,
                may_read: bool = True) -> str | None:
    """The name of another profile whose form fits the file strictly better than this profile's.
    `scores` are the file's `score_forms` for these profiles, when the survey has them already;
    without them the file is read again, unless `may_read` is False (the main process reads no file)."""
    if scores is None or not all(p.key in scores for p in (profile, *alternatives)):
        if not may_read:
            return None
        try:
            scores = score_forms(path, [profile, *alternatives], limits)
        except Exception:  # the file was read once already; a second look that fails names no form
            return None
    best = best_form(scores)
    if best is None or best == profile.key or scores[best].key <= scores[profile.key].key:
        return None
    return next(p.name for p in alternatives if p.key == best)


# (verdict, reason, table, detail) of one file; detail is the technical one, for the log.
Read = tuple[str | None, str | None, Table | None, str | None]


def read_one(source: Path) -> Read:
    """Read one workbook (in a helper process: see read_death)."""
    profile, alternatives, limits = parallel_context()
    try:
        table = read_table(source, profile, limits)
    except UnreadableError as exc:
        return UNREADABLE, str(exc), None, exc.detail
    except BaseException as exc:  # one odd file must not stop the batch (a panic is a BaseException)
        reraise_fatal(exc)
        return _unreadable(exc)
    if table is not None:
        intern_rows(table, {})  # a file repeats its groups and kinds: sent to the main process once each
    return None, None, with_form(table, source, profile, alternatives, limits=limits), None



def take_read(f: FileResult, read: Read) -> Table | None:
    """Put what reading a file gave on its result: the verdict and reason of a file without a table,
    or the table's sheet, rows and columns (and the reasons given for changes); the table, or None."""
    verdict, reason, table, f.detail = read
    if table is None:
        f.verdict, f.reason = verdict, reason
        return None
    f.sheet, f.rows, f.column_index = table.sheet, len(table.rows), table.columns
    f.reasons = table.reasons
    if "/" not in f.path:  # a file at the inbox's root: the form's own title line names its author
        f.subdivision = table.subdivision or f.subdivision
    return table


def _unreadable(exc: BaseException) -> Read:
    return UNREADABLE, unreadable_reason(exc, "Файл не удалось прочитать"), None, technical(exc)


def death_reason(death: Death) -> str:
    """The author's reason when the process reading the file died on it."""
    if death.out_of_memory:
        return f"Файл не удалось прочитать: {MEMORY_REASON}"
    return ("Файл не удалось прочитать: программа чтения книг аварийно завершилась на этом файле — он поврежден "
            "или записан программой, которая сохранила его с ошибками. " + SAVE_AS_XLSX)


def read_death(source: Path, death: Death) -> Read:
    """The verdict of a file whose reading process died (speed.pool's on_death)."""
    return UNREADABLE, death_reason(death), None, death.describe()


def survey_death(source: Path, death: Death) -> Surveyed:
    return Surveyed(UNREADABLE, death_reason(death), detail=death.describe())


def with_detail(detail: str | None, note: str | None) -> str | None:
    """The technical detail of a file with what its reader printed on stderr (a panic's message)."""
    if not note:
        return detail
    note = f"stderr of the reader:\n{note}"
    return f"{detail}\n{note}" if detail else note


def with_form(table: Table | None, source: Path | Source, profile: Profile, alternatives: list[Profile] | None,
              scores: dict[str, Score] | None = None, limits: Limits | None = None, may_read: bool = True) -> Table:
    """The table (an empty one when the form's header was not found), with the other form it may be in."""
    if table is None:
        table = Table(sheet=None, header_row=0, columns={}, missing=list(profile.keys))
    if alternatives and _looks_foreign(table, profile):
        try:
            table.other_form = _other_form(source, profile, alternatives, scores, limits, may_read)
        except Exception:  # the form could not be compared: the file's own remarks stand
            table.other_form = None
    return table


@dataclass
class Surveyed:
    """One file as the survey saw it: read in the form it fits best (`form`, a profile key), or
    unreadable (in that form; with no form, in any)."""
    verdict: str | None
    reason: str | None
    form: str | None = None
    table: Table | None = None
    scores: dict[str, Score] = field(default_factory=dict)
    detail: str | None = None  # the technical detail of a reading that failed, for the log
    taken: bool = False  # its table was checked as the survey went (run._Guess): `table` is gone

    def stands_for(self, profile: Profile) -> bool:
        """Whether this is what reading the file with `profile` gives: it was read in that form, or
        it could not be opened at all (and its table is still here)."""
        return not self.taken and (self.form == profile.key or (self.verdict is not None and self.form is None))


@dataclass
class Survey:
    """Every workbook of an inbox, read once, in whichever known form it fits best. Choosing the
    profile needs each file's form, and reading a file costs little more than finding its form: so the
    files are read in their own forms now, and `check` reads again only the files in another form
    than the one chosen."""
    files: dict[Path, Surveyed]
    texts: dict[str, str] = field(default_factory=dict)  # the texts of the tables, each held once
    seconds: float = 0.0  # time spent reading
    # The forms of files not read again: their form as the survey of an earlier run found it (the
    # stored checks keep it), None for a file no known form was looked for in; by file.
    known: dict[Path, tuple[bool, str | None]] = field(default_factory=dict)
    # Every file of the inbox as found (discover), for the check not to look through it again.
    found: list | None = None
    # The profile guessed while the files were read, and the files checked with it (run._Guess).
    guess: object = None

    def forms(self) -> list[str | None]:
        """The form of each file whose form could be looked for (None: no known form)."""
        return ([s.form for s in self.files.values() if s.scores]
                + [form for looked, form in self.known.values() if looked])


def _survey_one(source: Path) -> Surveyed:
    """Find the form of one workbook and read it in that form, from the same rows (in a helper
    process). Whatever goes wrong is this file's verdict, or leaves the file to be read again with
    the profile chosen; nothing stops the batch."""
    profiles, limits = parallel_context()
    try:
        book = Book(inspect(source, limits))
    except UnreadableError as exc:  # no profile could read it
        return Surveyed(UNREADABLE, str(exc), detail=exc.detail)
    except BaseException as exc:  # a Rust panic in python-calamine is a BaseException
        reraise_fatal(exc)
        verdict, reason, _, detail = _unreadable(exc)
        return Surveyed(verdict, reason, detail=detail)
    with book:
        try:
            scores = score_forms(book, profiles)
        except BaseException as exc:  # read with the profile chosen, which says what is wrong with the file
            reraise_fatal(exc)
            return Surveyed(None, None)
        form = best_form(scores)
        if form is None:
            return Surveyed(None, None, None, None, scores)
        try:
            table = read_table(book, next(p for p in profiles if p.key == form))
        except UnreadableError as exc:  # unreadable in its own form
            return Surveyed(UNREADABLE, str(exc), form, None, scores, exc.detail)
        except BaseException as exc:
            reraise_fatal(exc)
            verdict, reason, _, detail = _unreadable(exc)
            return Surveyed(verdict, reason, form, None, scores, detail)
    if table is not None:
        intern_rows(table, {})  # a file repeats its groups and kinds: sent to the main process once each
    return Surveyed(None, None, form, table, scores)


def survey(inbox: Path, profiles: list[Profile], progress: Progress | None = None, limits: Limits | None = None,
           jobs: int | None = None, here: bool = False, workers: Workers | None = None,
           known: dict[Path, tuple[bool, str | None]] | None = None, found: list | None = None,
           each: Callable[[int, Surveyed], None] | None = None) -> Survey:
    """Read every workbook of the inbox in the known form it fits best (to choose the profile by), in
    helper processes (the run's `workers`; `here`: in this one, which is a helper itself). `known`:
    files whose form an earlier run found (whether a form was looked for, and which), not read again.
    `each(i, surveyed)` is told of every file as it is read, in the files' order (`i`: its index in
    `found`)."""
    started = time.perf_counter()
    limits = limits or Limits.from_env()
    known = known or {}
    found = found if found is not None else discover(inbox)
    at = [i for i, f in enumerate(found) if skip_reason(f, inbox) is None and f.source not in known]
    files = [found[i] for i in at]
    step = (progress or no_progress)("Чтение файлов", len(files))
    result = Survey({}, known=dict(known), found=found)
    pool = Started(_survey_one, [f.source for f in files], (profiles, limits), jobs, on_death=survey_death,
                   here=here, memory_mb=limits.process_mb, workers=workers)
    for i, (f, surveyed) in enumerate(zip(files, pool.results())):
        step(f.path)
        if surveyed.table is not None:
            intern_rows(surveyed.table, result.texts)
        surveyed.detail = with_detail(surveyed.detail, pool.notes.get(i))
        result.files[f.source] = surveyed
        if each is not None:
            each(at[i], surveyed)
    result.seconds = time.perf_counter() - started
    return result


def survey_small(inbox: Path, profile: str | Path | None, limits: Limits | None, most: int) -> Survey | None:
    """The inbox surveyed in the known forms (the given profile's first, a name or a file), or None when
    it holds `most` workbooks or more: a large inbox is read by the main process's pool, on every core.
    (The run's second process makes it while the main one imports pandas: it reads the files itself,
    with its memory limited, as it is a helper process; if a file kills it, the main process surveys
    the inbox again in its pool, where that file is that file's verdict.)"""
    if sum(1 for f in discover(inbox) if skip_reason(f, inbox) is None) >= most:
        return None
    limits = limits or Limits.from_env()
    profiles = [load_profile(profile)] if profile is not None else []
    profiles += [load_profile(n) for n in available_profiles() if n not in {p.key for p in profiles}]
    with child.memory_limited(limits.process_mb):
        return survey(inbox, profiles, limits=limits, jobs=1, here=True)


def intern_rows(table: Table, texts: dict[str, str]) -> None:
    """Equal texts become one object: a region's batch repeats its groups, points and kinds hundreds
    of thousands of times, and each file's copies would stay alive. Done in a worker too, per file:
    pickle sends an object once, so a file's table reaches the main process in a fifth of the bytes
    and is unpacked in a third of the time."""
    intern = texts.setdefault
    table.rows = [(r, [intern(v, v) for v in values]) for r, values in table.rows]


