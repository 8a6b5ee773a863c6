"""Validate a whole batch as one frame with a pandera schema built from the profile.

One pandera call over all rows of all files (lazy, so every failure is found in one pass); the
failure table is then split back into remarks per file and cell.
"""
from __future__ import annotations

import string
import warnings

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from consolidator.checks import FILE_CHECKS, ROW_CHECKS, ROW_CONTEXT, RowCheck, reset_cache, validate_profile
from consolidator.model import FileResult, Remark
from consolidator.profile import Profile, ProfileError, Rule
from consolidator.read import Table
from consolidator.text import fix_mixed_script, match_key
from consolidator.xlsx import cell_address

META = ["file", "sheet", "row"]


class _Message(string.Formatter):
    """Fills a rule's message; a placeholder with no value stays visible instead of crashing."""

    def get_value(self, key, args, kwargs):
        return kwargs.get(key, "{" + str(key) + "}")


_FORMAT = _Message()


def build_frame(profile: Profile, tables: dict[int, Table]) -> pd.DataFrame:
    """One frame with every data row of every readable file, in file order.

    Built column by column, with no intermediate row tuples (the pipeline has already made equal
    texts one object as the tables arrived: see pipeline.check)."""
    files, sheets, rows = [], [], []
    columns: list[list[str]] = [[] for _ in profile.keys]
    for i, table in tables.items():
        n = len(table.rows)
        files.extend([i] * n)
        sheets.extend([table.sheet] * n)
        rows.extend(r for r, _ in table.rows)
        for j, column in enumerate(columns):
            column.extend(v[j] for _, v in table.rows)
    data = {"file": np.array(files, dtype=np.int64), "sheet": _objects(sheets), "row": np.array(rows, dtype=np.int64)}
    data.update((key, _objects(column)) for key, column in zip(profile.keys, columns))
    return pd.DataFrame(data, columns=[*META, *profile.keys])


def _objects(values: list) -> np.ndarray:
    """A column of Python strings kept as objects (pandas would otherwise choose its string dtype)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


class _RuleResults:
    """Each rule's failing cells over the batch frame being validated, computed once per rule.

    pandera calls a column's checks with that column alone; a rule also reads other columns
    (a point's kind, the rows of its group), so it judges the whole frame, found here, and each
    column check takes its own column of the result. Column checks keep pandera's work per
    rule to one column instead of the whole frame."""

    def __init__(self):
        self.df: pd.DataFrame | None = None
        self.fails: dict[str, pd.DataFrame] = {}

    def start(self, df: pd.DataFrame) -> None:
        self.df, self.fails = df, {}
        reset_cache()

    def done(self) -> None:
        self.df, self.fails = None, {}
        reset_cache()

    def passes(self, check: RowCheck, rule: Rule, profile: Profile, column: str):
        def passes(series: pd.Series) -> pd.Series:
            fails = self.fails.get(rule.code)
            if fails is None:
                fails = self.fails[rule.code] = check.fails(self.df, rule, profile)
                extra = set(fails.columns) - set(RowCheck.reports(rule))
                if extra:
                    raise ProfileError(f"{profile.source}: правило {rule.code} отмечает графы {sorted(extra)}, "
                                       f"не названные в его параметрах.")
            if column not in fails.columns:
                return pd.Series(True, index=series.index)
            return ~fails[column].reindex(series.index, fill_value=False)
        return passes


def build_schema(profile: Profile, results: _RuleResults | None = None) -> pa.DataFrameSchema:
    results = results or _RuleResults()
    checks: dict[str, list[pa.Check]] = {key: [] for key in profile.keys}
    for rule in profile.rules:
        check = ROW_CHECKS.get(rule.check)
        if check is None:
            continue
        for column in RowCheck.reports(rule):
            checks[column].append(pa.Check(results.passes(check, rule, profile, column), name=rule.code,
                                           error=rule.code, ignore_na=False))
    columns = {key: pa.Column(nullable=False, checks=checks[key]) for key in profile.keys}
    return pa.DataFrameSchema(columns=columns)


def _failures(df: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """(code, index, column) of every failing cell, in the order of the profile's rules."""
    empty = pd.DataFrame(columns=["code", "index", "column"])
    if df.empty:
        return empty
    results = _RuleResults()
    schema = build_schema(profile, results)
    results.start(df)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            schema.validate(df, lazy=True)
    except SchemaErrors as exc:
        fc = exc.failure_cases
        codes = [r.code for r in profile.rules if r.check in ROW_CHECKS]
        fc = fc[fc["check"].isin(set(codes))]
        out = pd.DataFrame({"code": fc["check"].to_numpy(), "index": fc["index"].astype(int).to_numpy(),
                            "column": fc["column"].to_numpy()})
        # Rule by rule, each rule's cells by row and then column, as the frame checks gave them.
        order = {c: n for n, c in enumerate(codes)}
        cols = {k: n for n, k in enumerate(profile.keys)}
        out = out.assign(_r=out["code"].map(order), _c=out["column"].map(cols))
        return out.sort_values(["_r", "index", "_c"], kind="stable")[["code", "index", "column"]]
    finally:
        results.done()
    return empty


def check_batch(profile: Profile, files: list[FileResult], tables: dict[int, Table]) -> pd.DataFrame:
    """Add every remark to its file and return the batch frame with vocabulary values made canonical."""
    validate_profile(profile)
    for i, table in tables.items():
        _file_remarks(profile, files[i], table)
    df = build_frame(profile, tables)
    failures = _failures(df, profile)
    _row_remarks(profile, files, tables, df, failures)
    other_form = {r.code for r in profile.rules if r.check == "other_form"}
    for i, table in tables.items():
        if table.other_form:
            # A file in another region's form: one remark saying so, not a remark on every cell.
            files[i].remarks = [r for r in files[i].remarks if r.code in other_form]
    for f in files:
        order = {k: n for n, k in enumerate(profile.keys)}
        f.remarks.sort(key=lambda r: (r.row is not None, r.row or 0, order.get(_key_of(profile, r.column), 99), r.code))
    _canonicalise(profile, df)
    return df


def _key_of(profile: Profile, header: str | None) -> str | None:
    for c in profile.columns:
        if profile.header(c.key) == header:
            return c.key
    return None


def _file_remarks(profile: Profile, f: FileResult, table: Table) -> None:
    for rule in profile.rules:
        check = FILE_CHECKS.get(rule.check)
        if check is None:
            continue
        extra = check(table, rule, profile)
        if extra is None:
            continue
        message = _FORMAT.format(rule.message, sheet=table.sheet, **extra)
        f.remarks.append(Remark(rule.code, rule.severity, table.sheet, None, None, None, None, message, rule.clause))


def _row_remarks(profile, files, tables, df, failures) -> None:
    if failures.empty:
        return
    by_code = {r.code: r for r in profile.rules}
    contexts: dict[str, pd.Series] = {}
    for code in failures["code"].unique():
        rule = by_code[code]
        if rule.check in ROW_CONTEXT:
            name, series = ROW_CONTEXT[rule.check](df, rule)
            contexts[code] = series
            contexts[code].name = name
    seen: set[tuple[int, str, str]] = set()
    for code, index, key in failures.itertuples(index=False):
        rule: Rule = by_code[code]
        row = df.loc[index]
        file_i = int(row["file"])
        table = tables[file_i]
        # A rule reading a column the file lacks would only repeat the file-level remark.
        if any(c in table.missing for c in RowCheck.columns(rule)):
            continue
        if code in contexts:
            row = row.copy()
            row[contexts[code].name] = contexts[code].loc[index]
        check = ROW_CHECKS[rule.check]
        extra = check.details(row, key, rule, profile) if check.details else {}
        excel_row, col = table.origin.get((int(row["row"]), table.columns[key]), (int(row["row"]), table.columns[key]))
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
