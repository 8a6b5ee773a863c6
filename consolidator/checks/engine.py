"""Validate a whole batch as one frame with a pandera schema built from the profile.

A rule becomes a pandera check on each column its remarks point at; all rows of all files are
validated in one lazy call, so every failure is found in one pass. A rule judges the whole frame
once (`_Validation`: it reads other columns than its own), and each of its column checks takes its
column of that result. The failure table is then turned into remarks, a rule's failing cells of one
column at a time: the check type fills its message's fields for them (checks.base).
"""
from __future__ import annotations

import string
import warnings
from typing import Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from consolidator import checks
from consolidator.checks.base import FileCheck, ListCheck, RowCheck, reset_cache
from consolidator.model import FileResult, Remark
from consolidator.profile.form import Table, cell_address
from consolidator.profile.schema import Profile, ProfileError, Rule
from consolidator.profile.text import fix_mixed_script, match_key

META = ["file", "sheet", "row", "subdivision"]


class _Message(string.Formatter):
    """Fills a rule's message; a placeholder with no value stays visible instead of crashing."""

    def get_value(self, key, args, kwargs):
        return kwargs.get(key, "{" + str(key) + "}")


_FORMAT = _Message()


def build_frame(profile: Profile, tables: dict[int, Table], results: list[FileResult] | None = None) -> pd.DataFrame:
    """One frame with every data row of every readable file, in file order: `file` (index into the
    batch's files), `sheet`, `row`, `subdivision` (the file's author) and the profile's columns.

    Built column by column, with no intermediate row tuples (the run has already made equal texts one
    object as the tables arrived: see run.check). Each table's rows are used up as they go into the
    frame (`rows` emptied): a region's 600,000 rows are not held twice; what the remarks need of a table
    (its sheet, columns, merged cells) stays."""
    files, sheets, rows, authors = [], [], [], []
    columns: list[list[str]] = [[] for _ in profile.keys]
    for i, table in tables.items():
        n = len(table.rows)
        files.extend([i] * n)
        sheets.extend([table.sheet] * n)
        authors.extend([results[i].subdivision if results is not None else ""] * n)
        rows.extend(r for r, _ in table.rows)
        for j, column in enumerate(columns):
            column.extend(v[j] for _, v in table.rows)
        table.rows = []
    data = {"file": np.array(files, dtype=np.int64), "sheet": _objects(sheets), "row": np.array(rows, dtype=np.int64),
            "subdivision": _objects(authors)}
    data.update((key, _objects(column)) for key, column in zip(profile.keys, columns))
    return pd.DataFrame(data, columns=[*META, *profile.keys])


def _objects(values: list) -> np.ndarray:
    """A column of Python strings kept as objects (pandas would otherwise choose its string dtype)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _row_checks(profile: Profile) -> list[tuple[Rule, RowCheck]]:
    return [(rule, check) for rule in profile.rules if isinstance(check := checks.get(rule.check), RowCheck)]


class _Validation:
    """The batch frame being validated, and each rule's `fails` over it, computed once per rule."""

    def __init__(self, profile: Profile):
        self.profile = profile
        self.df: pd.DataFrame | None = None
        self.fails: dict[str, pd.DataFrame] = {}

    def __enter__(self) -> _Validation:
        reset_cache()
        return self

    def __exit__(self, *exc) -> None:
        self.df, self.fails = None, {}
        reset_cache()

    def passes(self, rule: Rule, check: RowCheck, column: str):
        """The pandera check function of `rule` on `column`."""
        def passes(series: pd.Series) -> pd.Series:
            fails = self.fails.get(rule.code)
            if fails is None:
                fails = self.fails[rule.code] = check.fails(self.df, rule, self.profile)
                extra = set(fails.columns) - set(check.marks(rule))
                if extra:
                    raise ProfileError(f"{self.profile.source}: правило {rule.code} отмечает графы {sorted(extra)}, "
                                       f"не названные в его параметрах.")
            if column not in fails.columns:
                return pd.Series(True, index=series.index)
            return ~fails[column].reindex(series.index, fill_value=False)
        return passes

    def schema(self) -> pa.DataFrameSchema:
        columns: dict[str, list[pa.Check]] = {key: [] for key in self.profile.keys}
        for rule, check in _row_checks(self.profile):
            for column in check.marks(rule):
                columns[column].append(pa.Check(self.passes(rule, check, column), name=rule.code, error=rule.code,
                                                ignore_na=False))
        return pa.DataFrameSchema(columns={key: pa.Column(nullable=False, checks=columns[key])
                                           for key in self.profile.keys})

    def failures(self, df: pd.DataFrame, parts: list[slice] | None = None) -> pd.DataFrame:
        """(code, index, column) of every failing cell, rule by rule in the profile's order, each
        rule's cells by row and then column. `parts`: the frame's slices validated one at a time."""
        found = [self._failures(df.iloc[part]) for part in parts] if parts else [self._failures(df)]
        found = [f for f in found if len(f)]
        if not found:
            return pd.DataFrame(columns=["code", "index", "column"])
        out = pd.concat(found, ignore_index=True) if len(found) > 1 else found[0]
        codes = [rule.code for rule, _ in _row_checks(self.profile)]
        order = {c: n for n, c in enumerate(codes)}
        cols = {k: n for n, k in enumerate(self.profile.keys)}
        out = out.assign(_r=out["code"].map(order), _c=out["column"].map(cols))
        return out.sort_values(["_r", "index", "_c"], kind="stable")[["code", "index", "column"]]

    def _failures(self, df: pd.DataFrame) -> pd.DataFrame:
        empty = pd.DataFrame(columns=["code", "index", "column"])
        if df.empty:
            return empty
        self.df, self.fails = df, {}
        reset_cache()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.schema().validate(df, lazy=True)
        except SchemaErrors as exc:
            fc = exc.failure_cases
            codes = {rule.code for rule, _ in _row_checks(self.profile)}
            fc = fc[fc["check"].isin(codes)]
            return pd.DataFrame({"code": fc["check"].to_numpy(), "index": fc["index"].astype(int).to_numpy(),
                                 "column": fc["column"].to_numpy()})
        finally:
            self.df, self.fails = None, {}
        return empty


def build_schema(profile: Profile) -> pa.DataFrameSchema:
    """The profile's pandera schema (its checks judge the frame they are validating)."""
    return _Validation(profile).schema()


def check_batch(profile: Profile, files: list[FileResult], tables: dict[int, Table]) -> pd.DataFrame:
    """Add every remark to its file and return the batch frame with vocabulary values made canonical."""
    batch = BatchCheck(profile, files)
    for i, table in tables.items():
        batch.add(i, table)
    return batch.frame()


class BatchCheck:
    """A batch's tables checked as they come (`add`), _PART_ROWS rows at a time (whole files), so that
    the run checks the rows read so far while its helpers read the rest; `frame` checks what is left
    and gives the batch frame (check_batch), in the files' order whatever order they came in. A profile
    with a rule that compares rows of different files (RowCheck.whole_batch) has all of them checked at
    once, at the end. `checked(frame, files)` is told of each part checked: its frame (in the files'
    order) and its files' indices."""

    def __init__(self, profile: Profile, files: list[FileResult],
                 checked: Callable[[pd.DataFrame, list[int]], None] | None = None):
        checks.validate_profile(profile)
        self.profile, self.files, self.checked = profile, files, checked
        self.whole = any(check.whole_batch for _, check in _row_checks(profile))
        self.pending: dict[int, Table] = {}
        self.pending_rows = 0
        self.frames: list[pd.DataFrame] = []

    def add(self, i: int, table: Table) -> None:
        self.pending[i] = table
        self.pending_rows += len(table.rows)
        if not self.whole and self.pending_rows >= _PART_ROWS:
            self._check_pending()

    def frame(self) -> pd.DataFrame:
        if self.pending or not self.frames:
            self._check_pending()
        # A part of files without rows adds none (and would make the columns objects, not strings).
        frames = [f for f in self.frames if len(f)] or self.frames[:1]
        self.frames = []
        df = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        files = df["file"].to_numpy()
        if len(files) > 1 and (files[1:] < files[:-1]).any():  # a file added after a later one's part
            df = df.sort_values("file", kind="stable", ignore_index=True)
        return df

    def _check_pending(self) -> None:
        tables, self.pending, self.pending_rows = dict(sorted(self.pending.items())), {}, 0
        self.frames.append(_check_tables(self.profile, self.files, tables, parts=not self.whole))
        if self.checked is not None:
            self.checked(self.frames[-1], list(tables))


def _check_tables(profile: Profile, files: list[FileResult], tables: dict[int, Table], parts: bool) -> pd.DataFrame:
    """Add every remark to the files of `tables` and return their frame, vocabulary values made canonical
    (`parts`: validated _PART_ROWS rows at a time)."""
    for i, table in tables.items():
        _file_remarks(profile, files[i], table)
    df = build_frame(profile, tables, files)
    with _Validation(profile) as validation:
        failures = validation.failures(df, _parts(df) if parts else None)
        _row_remarks(profile, files, tables, df, failures)
    other_form = {r.code for r in profile.rules if r.check == "other_form"}
    for i, table in tables.items():
        if table.other_form:
            # A file in another region's form: one remark saying so, not a remark on every cell.
            files[i].remarks = [r for r in files[i].remarks if r.code in other_form]
    order = {k: n for n, k in enumerate(profile.keys)}
    for i in tables:
        files[i].remarks.sort(key=lambda r: (r.row is not None, r.row or 0, order.get(_key_of(profile, r.column), 99),
                                             r.code))
    _canonicalise(profile, df)
    return df


# Rows validated at a time (whole files). The working arrays of pandera and of the checks over a region's
# 600,000 rows took 140 MiB more than over 100,000, and the process kept most of it to the end of the run;
# a pandera call costs about 20 ms, six of them nothing against the 4 s the rows take to check.
_PART_ROWS = 100_000


def _parts(df: pd.DataFrame, most: int | None = None) -> list[slice]:
    """Slices of the batch frame of about `most` rows each, every file's rows in one of them."""
    most = most or _PART_ROWS
    files = df["file"].to_numpy()
    starts = np.flatnonzero(files[1:] != files[:-1]) + 1  # where each file but the first begins
    parts, start, n = [], 0, len(files)
    while start < n:
        end = start + most
        if end >= n:
            end = n
        else:
            at = np.searchsorted(starts, end)  # the first file beginning at or after `end`
            end = int(starts[at]) if at < len(starts) else n
        parts.append(slice(start, end))
        start = end
    return parts or [slice(0, 0)]


def _key_of(profile: Profile, header: str | None) -> str | None:
    for c in profile.columns:
        if profile.header(c.key) == header:
            return c.key
    return None


def _file_remarks(profile: Profile, f: FileResult, table: Table) -> None:
    for rule in profile.rules:
        check = checks.get(rule.check)
        if not isinstance(check, FileCheck):
            continue
        extra = check.remark(table, rule, profile)
        if extra is None:
            continue
        message = _FORMAT.format(rule.message, sheet=table.sheet, **extra)
        f.remarks.append(Remark(rule.code, rule.severity, table.sheet, None, None, None, None, message, rule.clause))


def _row_remarks(profile, files, tables, df, failures) -> None:
    if failures.empty:
        return
    by_code = {r.code: r for r in profile.rules}
    seen: set[tuple[int, str, str]] = set()
    missing = {i: set(table.missing) for i, table in tables.items() if table.missing}
    # A remark's row read from plain arrays: a frame row per remark (df.loc) cost 0.3 ms, seconds for the
    # thousands of remarks a large survey gets.
    arrays = {c: df[c].to_numpy() for c in ("file", "row", *profile.keys)}
    for (code, key), cells in failures.groupby(["code", "column"], sort=False):
        rule: Rule = by_code[code]
        check = checks.get(rule.check)
        # A rule reading a column the file lacks would only repeat the file-level remark.
        reads = set(check.reads(rule))
        lacking = {i for i, columns in missing.items() if columns & reads}
        index = pd.Index([i for i in cells["index"] if not lacking or int(df.at[i, "file"]) not in lacking])
        positions = df.index.get_indexer(index)
        for p, extra in zip(positions, check.remark_fields(df, index, key, rule, profile)):
            row = {c: values[p] for c, values in arrays.items()}
            file_i = int(row["file"])
            table = tables[file_i]
            excel_row, col = table.origin.get((int(row["row"]), table.columns[key]),
                                              (int(row["row"]), table.columns[key]))
            cell = cell_address(excel_row, col)
            if (file_i, code, cell) in seen:
                continue  # one merged cell read into several rows: one remark
            seen.add((file_i, code, cell))
            value = row[key]
            fields = {"cell": cell, "value": value, "column": profile.header(key), "sheet": table.sheet,
                      **{k: row[k] for k in profile.keys if k != key}, **extra}
            message = _FORMAT.format(rule.message, **fields)
            files[file_i].remarks.append(Remark(
                code=rule.code, severity=rule.severity, sheet=table.sheet, cell=cell, row=excel_row,
                column=profile.header(key), value=value, message=message, clause=rule.clause,
                key="|".join(match_key(row[k]) for k in profile.keys if k != profile.number_column),
            ))


def check_list(profile: Profile, rows: pd.DataFrame) -> list[Remark]:
    """The remarks on the consolidated list as a whole (`rows`: Batch.accepted_rows())."""
    out = []
    for rule in profile.rules:
        check = checks.get(rule.check)
        if not isinstance(check, ListCheck):
            continue
        fields = check.remark(rows, rule, profile)
        if fields is not None:
            out.append(Remark(rule.code, rule.severity, None, None, None, None, None,
                              _FORMAT.format(rule.message, **fields), rule.clause))
    return out


def _canonicalise(profile: Profile, df: pd.DataFrame) -> None:
    """Values as the check saw them: «онлайн» becomes «Онлайн-точка» in the consolidated list, and
    Latin look-alikes inside Russian words become Russian letters (the author is warned of them)."""
    for key in profile.keys:
        col = df[key]
        uniq = col.unique()
        fixed = {v: fix_mixed_script(v) for v in uniq}
        if any(k != v for k, v in fixed.items()):
            df[key] = col.map(fixed)
    for rule in profile.rules:
        if rule.check != "in_vocabulary":
            continue
        voc = profile.vocabulary(rule.params["vocabulary"])
        col = df[rule.column]
        uniq = col.unique()
        mapping = {v: voc.get(match_key(v), v) for v in uniq}
        df[rule.column] = col.map(mapping)
