"""The values every stage passes on: remarks, per-file results and the batch.

Every output (returned workbook, protocol, report.json, terminal) is a view of the same remarks;
no output invents its own wording.
"""
from __future__ import annotations

import dataclasses
from array import array
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from consolidator.profile.schema import SEVERITY_RU, Profile  # noqa: F401 - SEVERITY_RU is every output's

if TYPE_CHECKING:
    import pandas as pd

ACCEPTED, RETURNED, UNREADABLE, SKIPPED = "accepted", "returned", "unreadable", "skipped"
SUPERSEDED = "superseded"  # an older version of a subdivision's file: never consolidated
NOT_SUBMITTED = "не представлен"  # the status of an expected subdivision with no list (journal.tracking)

VERDICT_RU = {
    ACCEPTED: "принят",
    RETURNED: "возвращен на доработку",
    UNREADABLE: "не прочитан",
    SKIPPED: "пропущен",
    SUPERSEDED: "заменен новой версией",
}

# progress(label, total) starts a stage of `total` steps and returns step(name), called per file.
Progress = Callable[[str, int], Callable[[str], None]]


def no_progress(label: str, total: int) -> Callable[[str], None]:
    return lambda name: None


Columns = dict  # {column key: its values, row by row}: a list's rows without pandas


class Coded(SequenceABC):
    """A column as its distinct values and each row's number among them (4 bytes a row): how the list's
    rows go to the process that writes the order. A region's list repeats its groups, services, points
    and subdivisions in hundreds of thousands of rows; as Python lists the 420,000 rows of 10,000 files
    took that process 65 MiB, coded 12. A slice gives the values themselves."""

    __slots__ = ("values", "codes")

    def __init__(self, values: list, codes: array):
        self.values, self.codes = values, codes

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, at):
        if isinstance(at, slice):
            values = self.values
            return [values[c] for c in self.codes[at]]
        return self.values[self.codes[at]]

    def __iter__(self):
        return map(self.values.__getitem__, self.codes)


def coded_columns(rows: pd.DataFrame, only: Sequence[str]) -> Columns:
    """`as_columns` of these columns, a column of texts `Coded` (a column numbered 1..N as a range)."""
    import numpy as np
    import pandas as pd

    out: Columns = {}
    for key in dict.fromkeys(only):
        if key not in rows:
            continue
        column = rows[key]
        n = len(column)
        if n and pd.api.types.is_integer_dtype(column.dtype):
            numbers = column.to_numpy()
            if numbers[0] + n - 1 == numbers[-1] and (np.diff(numbers) == 1).all():
                out[key] = range(int(numbers[0]), int(numbers[0]) + n)
                continue
        try:
            codes, uniques = pd.factorize(column, use_na_sentinel=False)
        except TypeError:  # an unhashable value
            codes, uniques = None, []
        values = pd.Series(uniques, dtype=object).tolist()
        if codes is not None and all(type(v) is str or _missing(v, pd.NA) for v in values):
            out[key] = Coded([None if _missing(v, pd.NA) else v for v in values],
                             array("i", codes.astype(np.int32).tobytes()))
        else:  # numbers or other values: 1, 1.0 and True are one value to factorize, three texts to the order
            out.update(as_columns(rows, [key]))
    return out


def _missing(value: object, na: object) -> bool:
    return value is None or value is na or (isinstance(value, float) and value != value)


def as_columns(rows: pd.DataFrame | Columns, only: Sequence[str] | None = None) -> Columns:
    """The rows as {column: values} (`only` those of these columns it has), missing values (NaN, NA) as
    None; a dict is taken as it is. The order's writer takes this, so that the process that writes it
    need not import pandas."""
    if isinstance(rows, dict):
        return rows
    if only is not None:
        rows = rows[[c for c in dict.fromkeys(only) if c in rows]]
    plain = rows.astype(object).where(rows.notna(), None)
    return {c: plain[c].tolist() for c in plain.columns}


def _taken(frame: pd.DataFrame, positions, consume: bool) -> pd.DataFrame:
    """frame.take(positions) with a fresh index; `consume`: each column is popped from `frame` as its
    rows are taken, so that the two frames are not both held whole."""
    import pandas as pd

    if not consume:
        return frame.take(positions)
    index = pd.RangeIndex(len(positions))
    columns = {}
    for c in list(frame.columns):
        columns[c] = frame.pop(c).take(positions)  # its dtype kept, as DataFrame.take keeps it
        columns[c].index = index
    return pd.DataFrame(columns, copy=False)


def _merge_across_subdivisions(df: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """One row for rows of different subdivisions equal in `columns`: the first in the list's order
    stays, the others go, and the kept row's `merged` lists them as (subdivision, path, sheet, row)."""
    from consolidator.profile.text import match_key

    keys = list(zip(*(df[c].map(match_key).tolist() for c in columns)))
    subdivisions, paths = df["subdivision"].tolist(), df["path"].tolist()
    sheets, rows = df["sheet"].tolist(), df["row"].tolist()
    first: dict[tuple, int] = {}
    keep, merged = [], [[] for _ in keys]
    for i, key in enumerate(keys):
        j = first.setdefault(key, i)
        if j == i or subdivisions[j] == subdivisions[i]:
            keep.append(True)  # the subdivision's own repeat is a row of its own (another rule speaks of it)
        else:
            keep.append(False)
            merged[j].append((subdivisions[i], paths[i], sheets[i], rows[i]))
    if all(keep):
        return df
    df = df.assign(merged=merged)
    return df[keep].reset_index(drop=True)


def path_in_folder(path: str, subdivision: str) -> str:
    """A file's path below its subdivision's folder («Отдел/перечень.xlsx» -> «перечень.xlsx»), where
    the subdivision is shown beside it: the folder would only repeat it."""
    return path.split("/", 1)[1] if path.startswith(subdivision + "/") else path


def row_count(columns: Columns) -> int:
    return len(next(iter(columns.values()), ()))


@dataclass
class Remark:
    code: str
    severity: str  # "error" | "warning"
    sheet: str | None
    cell: str | None  # Excel address in the original file, None for a file-level remark
    row: int | None
    column: str | None  # the form's column header, as the author reads it
    value: str | None
    message: str
    clause: str
    # The flagged row's content (its values but the number), to find the same remark in a later
    # version of the file even when rows move; None for a file-level remark.
    key: str | None = None
    # For a resubmitted file: «не устранено» (the earlier version had it) or «новое».
    resolution: str | None = None

    def to_json(self) -> dict:
        out = {
            "code": self.code, "severity": self.severity, "sheet": self.sheet, "cell": self.cell,
            "row": self.row, "column": self.column, "value": self.value, "message": self.message,
            "clause": self.clause,
        }
        if self.resolution is not None:
            out["resolution"] = self.resolution
        return out


@dataclass
class FileResult:
    path: str  # relative to the inbox, "/" separators
    source: Path  # absolute path of the file in the inbox
    subdivision: str
    verdict: str = ACCEPTED
    reason: str | None = None
    sheet: str | None = None
    rows: int = 0
    remarks: list[Remark] = field(default_factory=list)
    returned_copy: str | None = None  # relative to OUT, "/" separators
    fix_deadline: date | None = None
    # Column key -> 0-based column index in the sheet, for addressing cells (None if unread).
    column_index: dict[str, int] | None = None
    # For a resubmitted file: the earlier version's remarks that are gone («устранено»).
    resolved: list[dict] | None = None
    # Set by tracking: the journal's version of this file, and the verdict its own check gave
    # before it was superseded by a newer version.
    version: object = None
    checked_verdict: str | None = None
    # The technical side of a reading that failed or fell back (an exception, what the reader printed,
    # how its process ended): for the log of the results folder, never for the author.
    detail: str | None = None

    # Excel row -> the reason the author gave for changing that row (an «Основание» column), if any.
    reasons: dict[int, str] = field(default_factory=dict)
    # The file's bytes (SHA-256 and size, read once for the journal and the stored checks) and the key
    # its check is kept under (journal.checked); None for a file not read.
    sha256: str | None = None
    size: int | None = None
    check_key: str | None = None
    # True when the check was not run again but taken from the stored checks (journal.checked).
    from_store: bool = False
    # What the survey that chose the profile found of the file: whether a known form was looked for in
    # it, and which it is in (kept with its check, to choose the profile again without reading it).
    form: tuple[bool, str | None] | None = None
    # True: a regular file, not a link, when the inbox was listed (inbox.files.discover: the listing
    # says so without a system call a file); skip_reason then needs no stat of its own.
    regular: bool | None = None

    def outline(self) -> FileResult:
        """The file as the order's process needs it (the note on an incomplete list): its place,
        subdivision and verdict, without its remarks and details."""
        return FileResult(self.path, self.source, self.subdivision, self.verdict)

    @property
    def errors(self) -> int:
        return sum(r.severity == "error" for r in self.remarks)

    @property
    def warnings(self) -> int:
        return sum(r.severity == "warning" for r in self.remarks)


@dataclass
class Batch:
    profile: Profile
    run_date: date
    inbox: Path
    out: Path
    files: list[FileResult]
    # Every data row of every readable file: `file` (index into files), `sheet`, `row` (1-based
    # Excel row), then one column per profile column key holding the cleaned text. (A file whose check
    # was taken from the stored checks brings its rows only when it is accepted: the rows of a
    # returned file go into no output.)
    data: pd.DataFrame
    # What report.json says of the consolidated list and the order, once they are written.
    consolidated: dict | None = None
    order: dict | None = None
    # Statuses of the subdivisions (expected and seen), set by tracking.
    subdivisions: list[dict] | None = None
    # Subdivisions whose last list (an earlier run's) was returned or not read, with no list in this run
    # and no rows in the approved edition: the list lacks them (journal.tracking). Each: name, path.
    owing: list[dict] = field(default_factory=list)
    # Their returned copies (and of those whose approved rows stand in for them): kept in «на доработку»
    # though their files are not in this run's inbox (results-relative paths).
    owed_copies: list[str] = field(default_factory=list)
    # Seconds spent in each stage (read, check, annotate, consolidate, docx, protocol, journal).
    timings: dict[str, float] = field(default_factory=dict)
    # What an untrusted file may cost (safety.Limits) in this run; None: the defaults.
    limits: object = None
    # The approved edition in force (journal.store.Edition), the rows of it carried into this run's
    # list (subdivisions with no newer accepted list: profile columns plus `subdivision`, `path`,
    # `sheet`, `row`, `version`), and the changes against it (journal.changes.Change).
    edition: object = None
    carried: pd.DataFrame | None = None
    changes: list | None = None
    # The day the remarks are sent to the authors (--sent); None: the check date.
    sent: date | None = None
    # Remarks on the consolidated list as a whole (list checks: a key point no subdivision lists).
    list_remarks: list[Remark] = field(default_factory=list)
    # With a process registry (profile.registry): its processes no row names, and the processes added
    # to and removed from it since the approved edition's registry (as the journal keeps them).
    registry_unlisted: list = field(default_factory=list)
    registry_added: list[dict] = field(default_factory=list)
    registry_removed: list[dict] = field(default_factory=list)
    # The checks of the files read this time, to keep for the next run (journal.checked: key -> entry).
    fresh_checks: dict = field(default_factory=dict)
    # What makes `data` when every file's check came from the store (`data` is None until then): a run
    # that writes no output again never makes it.
    data_later: Callable[[], pd.DataFrame] | None = None
    # The consolidated list's rows once the run has made them (list_rows): `data` is let go then.
    listed: pd.DataFrame | None = None

    def for_helpers(self, **changes) -> Batch:
        """The batch as a helper process gets it: the profile, dates and limits, without the frame of
        every row and the checks to keep."""
        return dataclasses.replace(self, data=None, data_later=None, listed=None, fresh_checks={}, **changes)

    def frame(self) -> pd.DataFrame:
        """`data`, made now if it is made later."""
        if self.data is None and self.data_later is not None:
            self.data, self.data_later = self.data_later(), None
        return self.data

    @property
    def remarks_sent(self) -> date:
        """The day the deadline to fix counts from: the remarks reach the authors then."""
        return self.sent or self.run_date

    def not_submitted(self) -> list[str]:
        """Expected subdivisions whose rows the list lacks: no list in this run, and none in the
        approved edition in force."""
        approved = {r.subdivision for r in self.edition.rows} if self.edition is not None else set()
        return [s["name"] for s in self.subdivisions or []
                if s["status"] == NOT_SUBMITTED and s["name"] not in approved]

    def carried_subdivisions(self) -> list[str]:
        """Subdivisions whose rows come from the approved edition (no newer accepted list)."""
        if self.carried is None or not len(self.carried):
            return []
        return sorted(set(self.carried["subdivision"]))

    def list_rows(self) -> pd.DataFrame:
        """accepted_rows(), made once, when the verdicts and the rows carried are settled: the frame of
        every row read (`data`) is let go then, as nothing after needs it (50 MiB at 10,000 files)."""
        if self.listed is None:
            self.listed = self.accepted_rows(consume=True)
            self.data = self.data_later = None
        return self.listed

    def accepted_rows(self, consume: bool = False) -> pd.DataFrame:
        """Rows of accepted files as they go into the consolidated list, with the rows carried from
        the approved edition (`carried`, `file` -1); once made by list_rows, those.

        Ordered by the profile's groups in their order, then by subdivision, keeping each file's
        row order; the number column is renumbered 1..N (unless the profile says `renumber: false`);
        `list_no` (1..N), `subdivision` and `path` (relative path) are added for tracing.
        `consume`: each column of `data` is let go as soon as its rows are taken (list_rows), so that
        the list's rows and all the rows read are not both held whole.
        """
        if self.listed is not None:
            return self.listed
        import numpy as np
        import pandas as pd

        p = self.profile
        accepted = [i for i, f in enumerate(self.files) if f.verdict == ACCEPTED]
        data = self.frame()
        # The rows are taken once, in their final order (the order found from the sorting columns alone):
        # a filter, a sort and a reset each copied all the columns of 420,000 rows at 10,000 files.
        at = np.flatnonzero(data["file"].isin(accepted).to_numpy())
        numbers = data["file"].to_numpy()[at]
        # Each file's subdivision and path taken for its rows at once, not looked up a row at a time.
        subdivision = np.array([f.subdivision for f in self.files], dtype=object)[numbers.astype(np.intp)]
        path = np.array([f.path for f in self.files], dtype=object)[numbers.astype(np.intp)]
        carried = self.carried is not None and len(self.carried)
        order = {g: n for n, g in enumerate(p.groups)}
        groups, source_rows = data[p.group_column].to_numpy()[at], data["row"].to_numpy()[at]
        if not carried and source_rows.dtype.kind in "iu":
            # Sorted by numbers alone: the group's place in the form (unknown ones last), the file's place
            # among the files by subdivision and path (a file's rows share them), the row, then the
            # order read; as the sort below, without comparing 420,000 texts at 10,000 files.
            codes, uniques = pd.factorize(groups)  # a missing group: -1, the last place
            group_place = np.array([order.get(g, len(order)) for g in uniques] + [len(order)])[codes]
            taken = set(numbers.tolist())
            ranked = {pair: k for k, pair in enumerate(sorted({(self.files[i].subdivision, self.files[i].path)
                                                                 for i in taken}))}
            file_place = np.zeros(len(self.files), dtype=np.int64)
            for i in taken:  # files of one subdivision and path (not met in an inbox) share their place
                file_place[i] = ranked[self.files[i].subdivision, self.files[i].path]
            sort = np.lexsort((np.arange(len(at)), source_rows, file_place[numbers], group_place))
        else:
            keys = pd.DataFrame({"group": groups, "subdivision": subdivision, "path": path, "row": source_rows})
            if carried:
                keys = pd.concat([keys, self.carried[["subdivision", "path", "row"]].assign(
                    group=self.carried[p.group_column])], ignore_index=True)
            keys["group"] = keys["group"].map(order).fillna(len(order))
            sort = keys.sort_values(["group", "subdivision", "path", "row"], kind="stable").index.to_numpy()
        if carried:
            df = data.take(at)
            df["subdivision"], df["path"] = subdivision, path
            df = pd.concat([df, self.carried.assign(file=-1)], ignore_index=True).take(sort)
        else:
            df = _taken(data, at[sort], consume)
            df["subdivision"], df["path"] = subdivision[sort], path[sort]
        df.index = pd.RangeIndex(len(df))
        if p.merge_columns and len(df):
            df = _merge_across_subdivisions(df, p.merge_columns)
        # The running number in the consolidated list; the number column is renumbered too unless
        # it holds a vocabulary number (a group's number), which stays as checked.
        df["list_no"] = range(1, len(df) + 1)
        if p.renumber is True:
            df[p.number_column] = df["list_no"]
        elif p.renumber == "groups":
            df[p.number_column] = (~df[p.group_column].duplicated()).cumsum()
        return df
