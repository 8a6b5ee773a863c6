"""The inbox: its files, and each workbook read, in the form of a profile or in the form it fits best.

Light to import (no pandas): the second process surveys a small inbox with it while the main one
imports pandas and pandera, and pool workers read with it.
"""
from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

from consolidator.detect import Score, best_form, score_forms
from consolidator.model import UNREADABLE, FileResult
from consolidator.parallel import context as parallel_context
from consolidator.parallel import run_map
from consolidator.profile import Profile
from consolidator.read import Book, Table, UnreadableError, read_table, reraise_fatal
from consolidator.safety import Limits, Source, inspect
from consolidator.text import match_key

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}

# progress(label, total) starts a stage of `total` steps and returns step(name), called per file.
Progress = Callable[[str, int], Callable[[str], None]]


def no_progress(label: str, total: int) -> Callable[[str], None]:
    return lambda name: None


def discover(inbox: Path) -> list[FileResult]:
    """Every file under the inbox, in a stable order; folders name the subdivision."""
    inbox = inbox.resolve()
    found = []
    for root, dirs, names in os.walk(inbox):
        dirs.sort()
        # A folder that is a link is not entered: it may lead out of the inbox.
        dirs[:] = [d for d in dirs if not (Path(root) / d).is_symlink()]
        for name in sorted(names):
            path = Path(root) / name
            rel = PurePosixPath(*path.relative_to(inbox).parts)
            folder = rel.parts[0] if len(rel.parts) > 1 else None
            found.append(FileResult(path=str(rel), source=path, subdivision=folder or ""))
    return found


def skip_reason(f: FileResult, inbox: Path) -> str | None:
    name = f.source.name
    if f.source.is_symlink():
        target = f.source.resolve()
        if not target.is_relative_to(inbox.resolve()):
            return "Ссылка на файл вне папки входящих: такие ссылки не открываются."
        if target.exists():
            # The file it points to is in the inbox and is checked itself: its rows count once.
            rel = PurePosixPath(*target.relative_to(inbox.resolve()).parts)
            return f"Ссылка на файл «{rel}» этой же папки входящих: файл проверяется один раз, под своим именем."
    try:
        mode = f.source.stat().st_mode
    except OSError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        return "Это не обычный файл (устройство или канал): такие файлы не открываются."
    if name.startswith("~$"):
        return "Служебный файл блокировки Excel (~$…), создается при открытии книги; это не перечень."
    if f.source.suffix.lower() not in WORKBOOK_SUFFIXES:
        ext = f.source.suffix or "без расширения"
        return f"Файл {ext} не является книгой Excel или OpenDocument (.xlsx, .xlsm, .xls, .xlsb, .ods)."
    return None


def _looks_foreign(table: Table, profile: Profile) -> bool:
    """A table that lacks columns, or whose groups are mostly not this profile's, may be another form."""
    if table.missing or not table.rows:
        return True
    groups = {match_key(g) for g in profile.groups}
    col = profile.keys.index(profile.group_column)
    known = sum(1 for _, values in table.rows if match_key(values[col]) in groups)
    return known < len(table.rows) / 2


def _other_form(path: Path | Source, profile: Profile, alternatives: list[Profile],
                scores: dict[str, Score] | None = None, limits: Limits | None = None) -> str | None:
    """The name of another profile whose form fits the file strictly better than this profile's.
    `scores` are the file's `score_forms` for these profiles, when the survey has them already."""
    if scores is None or not all(p.key in scores for p in (profile, *alternatives)):
        try:
            scores = score_forms(path, [profile, *alternatives], limits)
        except Exception:  # the file was read once already; a second look that fails names no form
            return None
    best = best_form(scores)
    if best is None or best == profile.key or scores[best].key <= scores[profile.key].key:
        return None
    return next(p.name for p in alternatives if p.key == best)


Read = tuple[str | None, str | None, Table | None]  # (verdict, reason, table) of one file


def read_one(source: Path) -> Read:
    """Read one workbook (in a worker process when the batch is large)."""
    profile, alternatives, limits = parallel_context()
    try:
        table = read_table(source, profile, limits)
    except UnreadableError as exc:
        return UNREADABLE, str(exc), None
    except Exception as exc:  # one odd file must not stop the batch
        return _unreadable(exc)
    if table is not None:
        intern_rows(table, {})  # a file repeats its groups and kinds: sent to the main process once each
    return None, None, with_form(table, source, profile, alternatives, limits=limits)


def _unreadable(exc: Exception) -> Read:
    return UNREADABLE, f"Файл не удалось прочитать: {type(exc).__name__}: {str(exc)[:200]}.", None


def with_form(table: Table | None, source: Path | Source, profile: Profile, alternatives: list[Profile] | None,
              scores: dict[str, Score] | None = None, limits: Limits | None = None) -> Table:
    """The table (an empty one when the form's header was not found), with the other form it may be in."""
    if table is None:
        table = Table(sheet=None, header_row=0, columns={}, missing=list(profile.keys))
    if alternatives and _looks_foreign(table, profile):
        try:
            table.other_form = _other_form(source, profile, alternatives, scores, limits)
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

    def stands_for(self, profile: Profile) -> bool:
        """Whether this is what reading the file with `profile` gives: it was read in that form, or
        it could not be opened at all."""
        return self.form == profile.key or (self.verdict is not None and self.form is None)


@dataclass
class Survey:
    """Every workbook of an inbox, read once, in whichever known form it fits best. Choosing the
    profile needs each file's form, and reading a file costs little more than finding its form: so the
    files are read in their own forms now, and `check` reads again only the files in another form
    than the one chosen."""
    files: dict[Path, Surveyed]
    texts: dict[str, str] = field(default_factory=dict)  # the texts of the tables, each held once
    seconds: float = 0.0  # time spent reading

    def forms(self) -> list[str | None]:
        """The form of each file whose form could be looked for (None: no known form)."""
        return [s.form for s in self.files.values() if s.scores]


def _survey_one(source: Path) -> Surveyed:
    """Find the form of one workbook and read it in that form, from the same rows (in a worker
    process when the batch is large). Whatever goes wrong is this file's verdict, or leaves the file
    to be read again with the profile chosen; nothing stops the batch."""
    profiles, limits = parallel_context()
    try:
        book = Book(inspect(source, limits))
    except UnreadableError as exc:  # no profile could read it
        return Surveyed(UNREADABLE, str(exc))
    except BaseException as exc:  # a Rust panic in python-calamine is a BaseException
        reraise_fatal(exc)
        return Surveyed(*_unreadable(exc)[:2])
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
            return Surveyed(UNREADABLE, str(exc), form, None, scores)
        except BaseException as exc:
            reraise_fatal(exc)
            return Surveyed(*_unreadable(exc)[:2], form, None, scores)
    if table is not None:
        intern_rows(table, {})  # a file repeats its groups and kinds: sent to the main process once each
    return Surveyed(None, None, form, table, scores)


def survey(inbox: Path, profiles: list[Profile], progress: Progress | None = None, limits: Limits | None = None,
           jobs: int | None = None) -> Survey:
    """Read every workbook of the inbox in the known form it fits best (to choose the profile by)."""
    started = time.perf_counter()
    files = [f for f in discover(inbox) if skip_reason(f, inbox) is None]
    step = (progress or no_progress)("Чтение файлов", len(files))
    result = Survey({})
    for f, surveyed in zip(files, run_map(_survey_one, [f.source for f in files], (profiles, limits), jobs)):
        step(f.path)
        if surveyed.table is not None:
            intern_rows(surveyed.table, result.texts)
        result.files[f.source] = surveyed
    result.seconds = time.perf_counter() - started
    return result


def intern_rows(table: Table, texts: dict[str, str]) -> None:
    """Equal texts become one object: a region's batch repeats its groups, points and kinds hundreds
    of thousands of times, and each file's copies would stay alive. Done in a worker too, per file:
    pickle sends an object once, so a file's table reaches the main process in a fifth of the bytes
    and is unpacked in a third of the time."""
    intern = texts.setdefault
    table.rows = [(r, [intern(v, v) for v in values]) for r, values in table.rows]


