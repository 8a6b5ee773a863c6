"""The registry of checks a profile names in its rules.

A row check takes the whole batch frame and returns a boolean frame over the columns it judges
(True where the rule fails); the engine wraps it in a pandera check named by the rule's code.
`details` fills the placeholders of the rule's message for one failing cell.
A file check looks at a file's table as read (columns found, rows present).
Adding a kind of check means adding a function here; adding a region means writing YAML.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Callable

import pandas as pd

from consolidator.profile import Profile, Rule
from consolidator.read import Table
from consolidator.text import latin_letters, match_key, mixed_script_words

Fails = Callable[[pd.DataFrame, Rule, Profile], pd.DataFrame]
Details = Callable[[pd.Series, str, Rule, Profile], dict]


@dataclass(frozen=True)
class RowCheck:
    fails: Fails
    details: Details | None = None

    @staticmethod
    def columns(rule: Rule) -> list[str]:
        """Every column the rule reads: a remark is meaningless when one of them is missing."""
        cols = list(rule.params.get("columns", []))
        for k in ("column", "point_column"):
            if k in rule.params:
                cols.append(rule.params[k])
        return cols + list(rule.params.get("within", []))


def _keys(series: pd.Series) -> pd.Series:
    """match_key over a column, computed once per distinct value (values repeat a lot)."""
    uniq = series.unique()
    return series.map(dict(zip(uniq, (match_key(v) for v in uniq))))


def _point_types(series: pd.Series, profile: Profile) -> pd.Series:
    uniq = series.unique()
    return series.map(dict(zip(uniq, (profile.point_type(v) for v in uniq))))


def _frame(rule: Rule, mask: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({rule.params["column"]: mask.to_numpy(dtype=bool)}, index=mask.index)


# --- not_empty ---------------------------------------------------------------------------------

def _not_empty(df, rule, profile):
    return _frame(rule, df[rule.column] == "")


# --- in_vocabulary -----------------------------------------------------------------------------

def _in_vocabulary(df, rule, profile):
    voc = profile.vocabulary(rule.params["vocabulary"])
    col = df[rule.column]
    return _frame(rule, (col != "") & ~_keys(col).isin(voc.keys()))


def _suggestion(value: str, vocabulary: dict[str, str]) -> str:
    close = difflib.get_close_matches(match_key(value), list(vocabulary), n=1, cutoff=0.75)
    return f" Возможно, имелось в виду «{vocabulary[close[0]]}»." if close else ""


def _in_vocabulary_details(row, col, rule, profile):
    voc = profile.vocabulary(rule.params["vocabulary"])
    allowed = "; ".join(f"«{v}»" for v in dict.fromkeys(voc.values()))
    return {"hint": _suggestion(row[col], voc), "allowed": allowed}


# --- kind_agrees -------------------------------------------------------------------------------

def _expected_kind(df, rule, profile) -> pd.Series:
    types = _point_types(df[rule.params["point_column"]], profile)
    return types.map(lambda t: t.kind if t is not None else None)


def _kind_agrees(df, rule, profile):
    kinds = _keys(df[rule.column]).map(profile.vocabulary("kinds"))
    expected = _expected_kind(df, rule, profile)
    return _frame(rule, kinds.notna() & expected.notna() & (kinds != expected))


def _kind_agrees_details(row, col, rule, profile):
    point = row[rule.params["point_column"]]
    kind = profile.point_type(point).kind
    return {"point": point, "point_kind": kind, "point_kind_lower": kind.lower()}


# --- name_required -----------------------------------------------------------------------------

def _lacks_name(value: str, profile: Profile) -> bool:
    ptype = profile.point_type(value)
    if ptype is None or not ptype.name_required:
        return False
    words = match_key(value, fold_spaces_only=True).replace("(", " ").replace(")", " ").split()
    words = [w.strip(".,;:-–—") for w in words]
    return all(not w or profile.generic_name_words.match(w) for w in words)


def _name_required(df, rule, profile):
    col = df[rule.column]
    uniq = col.unique()
    return _frame(rule, col.map(dict(zip(uniq, (_lacks_name(v, profile) for v in uniq)))))


# --- unique_within -----------------------------------------------------------------------------

def _dup_keys(df, rule) -> list[pd.Series]:
    return [df["file"]] + [_keys(df[c]) for c in (*rule.params["within"], rule.column)]


def _unique_within(df, rule, profile):
    keyframe = pd.concat(_dup_keys(df, rule), axis=1, keys=range(len(rule.params["within"]) + 2))
    # Rows with an empty service (or group) get their own remark; they are not one service.
    complete = (df[[rule.column, *rule.params["within"]]] != "").all(axis=1)
    return _frame(rule, complete & keyframe.duplicated(keep="first"))


def _first_rows(df, rule) -> pd.Series:
    keyframe = pd.concat(_dup_keys(df, rule), axis=1, keys=range(len(rule.params["within"]) + 2))
    return df["row"].groupby([keyframe[c] for c in keyframe.columns]).transform("first")


def _unique_within_details(row, col, rule, profile):
    # The first occurrence is recomputed only for failing rows, from the row's own file.
    return {"first_row": row["_first_row"], **{k: row[k] for k in rule.params["within"]}}


# --- sequence ----------------------------------------------------------------------------------

def _sequence_expected(df) -> pd.Series:
    return df.groupby("file").cumcount() + 1


def _sequence(df, rule, profile):
    col = df[rule.column].str.rstrip(".")
    numbers = pd.to_numeric(col.where(col.str.fullmatch(r"\d{1,6}"), None), errors="coerce")
    broken = numbers.ne(_sequence_expected(df))
    first_break = broken & (broken.astype(int).groupby(df["file"]).cumsum() == 1)
    return _frame(rule, first_break)


def _sequence_details(row, col, rule, profile):
    return {"expected": row["_expected"]}


# --- known_point -------------------------------------------------------------------------------

def _known_point(df, rule, profile):
    col = df[rule.column]
    return _frame(rule, (col != "") & _point_types(col, profile).isna())


# --- mixed_script ------------------------------------------------------------------------------

def _mixed_script(df, rule, profile):
    out = {}
    for c in rule.params["columns"]:
        uniq = df[c].unique()
        out[c] = df[c].map(dict(zip(uniq, (bool(mixed_script_words(v)) for v in uniq)))).to_numpy(dtype=bool)
    return pd.DataFrame(out, index=df.index)


def _mixed_script_details(row, col, rule, profile):
    word = mixed_script_words(row[col])[0]
    return {"word": word, "latin": ", ".join(dict.fromkeys(latin_letters(word)))}


ROW_CHECKS: dict[str, RowCheck] = {
    "not_empty": RowCheck(_not_empty),
    "in_vocabulary": RowCheck(_in_vocabulary, _in_vocabulary_details),
    "kind_agrees": RowCheck(_kind_agrees, _kind_agrees_details),
    "name_required": RowCheck(_name_required),
    "unique_within": RowCheck(_unique_within, _unique_within_details),
    "sequence": RowCheck(_sequence, _sequence_details),
    "known_point": RowCheck(_known_point),
    "mixed_script": RowCheck(_mixed_script, _mixed_script_details),
}

# Extra per-row values some details need, computed once over the batch (not per failing cell).
ROW_CONTEXT: dict[str, Callable[[pd.DataFrame, Rule], tuple[str, pd.Series]]] = {
    "unique_within": lambda df, rule: ("_first_row", _first_rows(df, rule)),
    "sequence": lambda df, rule: ("_expected", _sequence_expected(df)),
}


# --- file checks -------------------------------------------------------------------------------

def _columns_present(table: Table, rule: Rule, profile: Profile) -> dict | None:
    if not table.missing:
        return None
    missing = ", ".join(
        f"графа {profile.keys.index(k) + 1} «{profile.header(k)}»" for k in table.missing
    )
    return {"missing": missing}


def _table_not_empty(table: Table, rule: Rule, profile: Profile) -> dict | None:
    return {} if table.found and not table.rows else None


def _other_form(table: Table, rule: Rule, profile: Profile) -> dict | None:
    return {"other": table.other_form, "expected": profile.name} if table.other_form else None


FILE_CHECKS: dict[str, Callable[[Table, Rule, Profile], dict | None]] = {
    "columns_present": _columns_present,
    "table_not_empty": _table_not_empty,
    "other_form": _other_form,
}


def known(check: str) -> bool:
    return check in ROW_CHECKS or check in FILE_CHECKS
