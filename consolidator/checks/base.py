"""What a check type is, and the helpers the check types share.

A row check (`RowCheck`) judges the batch frame: one row per data row of every readable file, with
`file` (index into the batch's files), `sheet`, `row` (1-based Excel row) and one column per profile
column key holding the cleaned text. `fails` returns a boolean frame over the columns its remarks
point at, True where the rule fails; `remark_fields` gives, for the failing rows of one such column,
what the rule's message needs beyond the row's own values.

A file check (`FileCheck`) looks at one file's table as read (columns found, rows present, hidden
rows, the form it is in) and returns the message's fields when the rule fails, None otherwise.

A list check (`ListCheck`) looks at the consolidated list as a whole (the rows of every accepted file
and of the approved edition kept), for what no single file can show.

The values of a column repeat a great deal (a region's batch repeats its groups, kinds and points
hundreds of thousands of times), so checks work per distinct value (`per_value`): each column's
distinct values are found once and shared by every check that reads the column.
"""
from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Any, Callable

from consolidator.profile.form import Table
from consolidator.profile.schema import Profile, Rule
from consolidator.profile.text import match_key
from consolidator.speed.imports import on_first_use

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:  # imported when a check first runs: `rules`, `status` and `--help` never need them
    np = on_first_use("numpy")
    pd = on_first_use("pandas")

# Parameters that name columns of the form (profile.load checks that the columns exist).
COLUMN_PARAMS = ("column", "point_column", "item_column")
COLUMN_LIST_PARAMS = ("columns", "within")


class RowCheck:
    """A check over the batch frame. `required` and `optional` name the rule parameters it takes."""

    required: tuple[str, ...] = ("column",)
    optional: tuple[str, ...] = ()
    # True for a check that compares rows of different files: a profile with it has its batch validated
    # as one frame (else the engine validates it some files at a time, checks.engine._PART_ROWS).
    whole_batch: bool = False

    def reads(self, rule: Rule) -> list[str]:
        """Every column the rule reads: a remark is meaningless when one of them is missing."""
        cols = list(rule.params.get("columns", []))
        for k in COLUMN_PARAMS:
            if k in rule.params:
                cols.append(rule.params[k])
        return cols + list(rule.params.get("within", []))

    def marks(self, rule: Rule) -> list[str]:
        """The columns whose cells the rule's remarks point at (the columns of its `fails` frame)."""
        return list(rule.params["columns"]) if "columns" in rule.params else [rule.params["column"]]

    def fails(self, frame: pd.DataFrame, rule: Rule, profile: Profile) -> pd.DataFrame:
        raise NotImplementedError

    def remark_fields(self, frame: pd.DataFrame, failing: pd.Index, column: str, rule: Rule,
                      profile: Profile) -> list[dict[str, Any]]:
        """The message's fields for each failing row of `column`, beyond the row's own values."""
        return [{} for _ in failing]


class FileCheck:
    """A check of one file's table as read."""

    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    def remark(self, table: Table, rule: Rule, profile: Profile) -> dict[str, Any] | None:
        raise NotImplementedError


class ListCheck:
    """A check of the consolidated list as a whole."""

    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    def remark(self, rows: pd.DataFrame, rule: Rule, profile: Profile) -> dict[str, Any] | None:
        raise NotImplementedError


# --- values of a column ------------------------------------------------------------------------------

# A batch column's distinct values, found once and shared by every check that reads the column
# (hashing 60,000 strings again for each rule was most of the checks' time). Keyed by the column's
# memory; the engine empties it around each validation.
_FACTORS: dict[tuple, tuple] = {}


def reset_cache() -> None:
    _FACTORS.clear()


def _factorize(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    arr = series.to_numpy()
    key = (series.name, len(arr), arr.__array_interface__["data"][0] if arr.dtype == object else id(arr))
    hit = _FACTORS.get(key)
    if hit is None or hit[2] is not arr and not np.shares_memory(hit[2], arr):
        codes, uniques = pd.factorize(arr, use_na_sentinel=False)
        hit = (codes, np.asarray(uniques, dtype=object), arr)  # arr is kept so its memory is not reused
        _FACTORS[key] = hit
    return hit[0], hit[1]


def per_value(series: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """fn over a column, computed once per distinct value (values repeat a lot)."""
    codes, uniques = _factorize(series)
    results = np.empty(len(uniques), dtype=object)
    results[:] = [fn(v) for v in uniques]
    return pd.Series(results[codes], index=series.index, name=series.name)


def per_value_bool(series: pd.Series, fn: Callable[[Any], Any]) -> np.ndarray:
    codes, uniques = _factorize(series)
    return np.fromiter((bool(fn(v)) for v in uniques), dtype=bool, count=len(uniques))[codes]


def keys(series: pd.Series) -> pd.Series:
    """match_key over a column, computed once per distinct value."""
    return per_value(series, match_key)


def point_types(series: pd.Series, profile: Profile) -> pd.Series:
    return per_value(series, profile.point_type)


def mark(rule: Rule, mask: pd.Series) -> pd.DataFrame:
    """The `fails` frame of a rule that marks its one column."""
    return pd.DataFrame({rule.params["column"]: mask.to_numpy(dtype=bool)}, index=mask.index)


def mark_each(frame: pd.DataFrame, rule: Rule, fn: Callable[[Any], Any]) -> pd.DataFrame:
    """The `fails` frame of a rule over `columns`: a cell fails where fn(value) is true."""
    return pd.DataFrame({c: per_value_bool(frame[c], fn) for c in rule.params["columns"]}, index=frame.index)


def suggestion(value: str, vocabulary: dict[str, str]) -> str:
    """« Возможно, имелось в виду «…».» for the vocabulary value closest to `value`, or nothing."""
    close = difflib.get_close_matches(match_key(value), list(vocabulary), n=1, cutoff=0.75)
    return f" Возможно, имелось в виду «{vocabulary[close[0]]}»." if close else ""


def nearest_values(value: str, names: dict[str, str], most: int = 2) -> list[str]:
    """The values nearest to `value` in meaning, best first, among `names` (each value's own wording and
    its aliases -> the value): by the word stems shared, else by spelling. Never empty when `names` is
    not: the author is always shown where to look."""
    def stems(text: str) -> set[str]:
        return {w[:5] for w in re.findall(r"[^\W\d_]+", match_key(text, fold_spaces_only=True)) if len(w) > 3}

    mine = stems(value)
    best: dict[str, float] = {}
    for name, canonical in names.items():
        theirs = stems(name)
        if mine and theirs:
            best[canonical] = max(best.get(canonical, 0.0), 2 * len(mine & theirs) / (len(mine) + len(theirs)))
    ranked = sorted((v for v in best if best[v] > 0), key=lambda v: -best[v])
    if ranked:
        # The runners-up only when nearly as near: one clear answer is easier to act on.
        return [v for v in ranked[:most] if best[v] >= 0.6 * best[ranked[0]]]
    close = difflib.get_close_matches(match_key(value), [match_key(n) for n in names], n=1, cutoff=0)
    by_key = {match_key(n): v for n, v in names.items()}
    return [by_key[close[0]]] if close else []


def row_ranges(rows: list[int]) -> str:
    """«7, 9–12» for rows 7, 9, 10, 11, 12."""
    parts, rows = [], sorted(set(rows))
    i = 0
    while i < len(rows):
        j = i
        while j + 1 < len(rows) and rows[j + 1] == rows[j] + 1:
            j += 1
        parts.append(str(rows[i]) if i == j else f"{rows[i]}–{rows[j]}")
        i = j + 1
    return ", ".join(parts)


# --- groups of rows (one process: rows equal in `within`) ----------------------------------------------

# Row states of the group checks.
SATISFIES, FAILS, UNSURE = 1, 0, -1


def group_keys(frame: pd.DataFrame, rule: Rule) -> tuple[pd.Series, pd.Series]:
    """Each row's group (file and the `within` values as compared, as one string) and whether it
    has one at all (rows with an empty `within` value get their own remark, they are no group)."""
    within = rule.params["within"]
    complete = (frame[within] != "").all(axis=1)
    key = frame["file"].astype(str)
    for c in within:
        key = key + "\x1f" + keys(frame[c])
    return key, complete


def group_fails(frame: pd.DataFrame, rule: Rule, state: pd.Series) -> pd.DataFrame:
    """Mark the first row of every group where no row satisfies and no row is unsure."""
    key, complete = group_keys(frame, rule)
    state = state.astype(int)[complete]
    key = key[complete]
    failing = pd.Series(False, index=frame.index)
    if not len(key):
        return mark(rule, failing)
    best = state.groupby(key, sort=False).transform(lambda s: (s != FAILS).any())
    first = ~key.duplicated(keep="first")
    hit = first & ~best.astype(bool)
    failing.loc[hit[hit].index] = True
    return mark(rule, failing)


def group_remark_fields(frame: pd.DataFrame, failing: pd.Index, rule: Rule) -> list[dict[str, Any]]:
    """{rows} (the group's Excel rows, «6–9») and {first_row} of each failing group's first row."""
    key, complete = group_keys(frame, rule)
    rows = frame["row"].astype(int).groupby(key).agg(list)
    ranges = key.map({k: row_ranges(v) for k, v in rows.items()}).where(complete, "")
    return [{"rows": ranges.loc[i], "first_row": frame.at[i, "row"]} for i in failing]


def item_vocabulary(rule: Rule, profile: Profile):
    """The rule's vocabulary for matching the items listed in a cell (profile.items)."""
    from consolidator.profile.items import ItemVocabulary

    return ItemVocabulary.of(profile.vocabulary(rule.params["vocabulary"]),
                             bool(rule.params.get("allow_refinement", False)))
