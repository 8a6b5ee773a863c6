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

from consolidator.profile import Profile, ProfileError, Rule
from consolidator.read import Table
from consolidator.text import latin_letters, match_key, mixed_script_words


class _OnFirstUse:
    """A module imported when a check first runs: commands that only read a profile (rules, status)
    validate its check names here without importing pandas (about 0.5 s)."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr: str):
        import importlib

        module = importlib.import_module(self._name)
        globals()["np" if self._name == "numpy" else "pd"] = module
        return getattr(module, attr)


np = _OnFirstUse("numpy")
pd = _OnFirstUse("pandas")

Fails = Callable[["pd.DataFrame", Rule, Profile], "pd.DataFrame"]
Details = Callable[["pd.Series", str, Rule, Profile], dict]


def validate_profile(profile: Profile) -> None:
    """Every rule of the profile names a known check."""
    for rule in profile.rules:
        if rule.check not in ROW_CHECKS and rule.check not in FILE_CHECKS:
            known = ", ".join(sorted([*ROW_CHECKS, *FILE_CHECKS]))
            raise ProfileError(
                f"{profile.source}: правило {rule.code}: неизвестная проверка «{rule.check}». Известные: {known}."
            )


@dataclass(frozen=True)
class RowCheck:
    fails: Fails
    details: Details | None = None

    @staticmethod
    def columns(rule: Rule) -> list[str]:
        """Every column the rule reads: a remark is meaningless when one of them is missing."""
        cols = list(rule.params.get("columns", []))
        for k in ("column", "point_column", "item_column"):
            if k in rule.params:
                cols.append(rule.params[k])
        return cols + list(rule.params.get("within", []))

    @staticmethod
    def reports(rule: Rule) -> list[str]:
        """The columns whose cells the rule's remarks point at (the columns of its `fails` frame)."""
        return list(rule.params["columns"]) if "columns" in rule.params else [rule.params["column"]]


# A batch column's distinct values, found once and shared by every check that reads the column
# (hashing 60,000 strings again for each rule was most of the checks' time). Keyed by the column's
# memory; the engine empties it around each validation.
_FACTORS: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}


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


def per_value(series: pd.Series, fn) -> pd.Series:
    """fn over a column, computed once per distinct value (values repeat a lot)."""
    codes, uniques = _factorize(series)
    results = np.empty(len(uniques), dtype=object)
    results[:] = [fn(v) for v in uniques]
    return pd.Series(results[codes], index=series.index, name=series.name)


def per_value_bool(series: pd.Series, fn) -> np.ndarray:
    codes, uniques = _factorize(series)
    return np.fromiter((bool(fn(v)) for v in uniques), dtype=bool, count=len(uniques))[codes]


def _keys(series: pd.Series) -> pd.Series:
    """match_key over a column, computed once per distinct value."""
    return per_value(series, match_key)


def _point_types(series: pd.Series, profile: Profile) -> pd.Series:
    return per_value(series, profile.point_type)


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
    return _frame(rule, pd.Series(per_value_bool(df[rule.column], lambda v: _lacks_name(v, profile)), index=df.index))


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


def _sequence_context(df) -> pd.Series:
    """(expected number, the file's last table row) per row: renumbering runs to the table's end."""
    last = df.groupby("file")["row"].transform("max")
    return pd.Series(list(zip(_sequence_expected(df), last)), index=df.index)


def _sequence_details(row, col, rule, profile):
    expected, last_row = row["_expected"]
    return {"expected": expected, "last_row": last_row}


# --- known_point -------------------------------------------------------------------------------

def _known_point(df, rule, profile):
    col = df[rule.column]
    return _frame(rule, (col != "") & _point_types(col, profile).isna())


# --- mixed_script ------------------------------------------------------------------------------

def _mixed_script(df, rule, profile):
    out = {}
    for c in rule.params["columns"]:
        out[c] = per_value_bool(df[c], mixed_script_words)
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
    "sequence": lambda df, rule: ("_expected", _sequence_context(df)),
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




# --- multi-valued cells and groups of rows ---------------------------------------------------------
# items_in_vocabulary: every item listed in a cell («1) …; 2) …») is a value of a vocabulary.
#   params: column, vocabulary, allow_refinement (an item may go on after the value's words to
#   narrow it down; default false), split (regex of separators; default consolidator.items.DEFAULT_SPLIT).
# group_requires: within each group of rows (e.g. one process: rows equal in `within`), at least one
#   row has a value of `values` in `column` (canonical through `vocabulary`, if given). The remark goes
#   on `column` of the group's first row. Groups with a row whose value is empty or not in the
#   vocabulary are left to the rules on that value.
#   params: within, column, values, vocabulary (optional).
# group_not_only: within each group of rows, the items of `column` are not all among `values` (the
#   group lists something beyond them). Same remark placement; items outside the vocabulary count as
#   beyond (another rule names them), a group with an empty cell is left to the rule on empty cells.
#   params: within, column, vocabulary, values, allow_refinement, split.
# Both group checks fill {rows} (the group's rows, «6–9») and {first_row}.

def _item_vocabulary(rule: Rule, profile: Profile):
    from consolidator.items import ItemVocabulary

    return ItemVocabulary.of(profile.vocabulary(rule.params["vocabulary"]),
                             bool(rule.params.get("allow_refinement", False)))


_per_value = per_value


def _items_in_vocabulary(df, rule, profile):
    from consolidator.items import unknown_items

    voc, split = _item_vocabulary(rule, profile), rule.params.get("split")
    col = df[rule.column]
    return _frame(rule, _per_value(col, lambda v: bool(unknown_items(v, voc, split))).astype(bool))


def _items_in_vocabulary_details(row, col, rule, profile):
    from consolidator.items import unknown_items

    voc = profile.vocabulary(rule.params["vocabulary"])
    unknown = unknown_items(row[col], _item_vocabulary(rule, profile), rule.params.get("split"))
    allowed = "; ".join(f"{n}) {v}" for n, v in enumerate(dict.fromkeys(voc.values()), 1))
    hints = "".join(_suggestion(u, voc) for u in unknown[:3])
    return {"unknown": ", ".join(f"«{u}»" for u in unknown), "count": len(unknown), "allowed": allowed,
            "hint": hints}


def _group_keys(df, rule) -> tuple[pd.Series, pd.Series]:
    """Each row's group (file and the `within` values as compared, as one string) and whether it
    has one at all (rows with an empty `within` value get their own remark, they are no group)."""
    within = rule.params["within"]
    complete = (df[within] != "").all(axis=1)
    key = df["file"].astype(str)
    for c in within:
        key = key + "\x1f" + _keys(df[c])
    return key, complete


# Row states of the group checks.
_SATISFIES, _FAILS, _UNSURE = 1, 0, -1


def _group_fails(df, rule, state: pd.Series) -> pd.DataFrame:
    """Mark the first row of every group where no row satisfies and no row is unsure."""
    key, complete = _group_keys(df, rule)
    state = state.astype(int)[complete]
    key = key[complete]
    mask = pd.Series(False, index=df.index)
    if not len(key):
        return _frame(rule, mask)
    best = state.groupby(key, sort=False).transform(lambda s: (s != _FAILS).any())
    first = ~key.duplicated(keep="first")
    hit = first & ~best.astype(bool)
    mask.loc[hit[hit].index] = True
    return _frame(rule, mask)


def _group_requires(df, rule, profile):
    wanted = {match_key(v) for v in rule.params["values"]}
    name = rule.params.get("vocabulary")
    voc = profile.vocabulary(name) if name else None

    def state(value: str) -> int:
        if not value:
            return _UNSURE  # empty: another rule speaks of it
        if voc is not None:
            canonical = voc.get(match_key(value))
            if canonical is None:
                return _UNSURE  # not in the vocabulary: another rule speaks of it
            value = canonical
        return _SATISFIES if match_key(value) in wanted else _FAILS

    return _group_fails(df, rule, _per_value(df[rule.column], state))


def _group_not_only(df, rule, profile):
    from consolidator.items import item_values

    voc, split = _item_vocabulary(rule, profile), rule.params.get("split")
    only = {match_key(v) for v in rule.params["values"]}

    def state(value: str) -> int:
        values = item_values(value, voc, split)
        if not values:
            return _UNSURE  # nothing listed: the empty cell has its own rule
        return _SATISFIES if any(v is None or match_key(v) not in only for v in values) else _FAILS

    return _group_fails(df, rule, _per_value(df[rule.column], state))


def _row_ranges(rows: list[int]) -> str:
    """«6–9», «6, 8–9»: Excel rows of a group."""
    out, start, prev = [], None, None
    for r in sorted(set(rows)):
        if start is None:
            start = prev = r
        elif r == prev + 1:
            prev = r
        else:
            out.append(f"{start}–{prev}" if prev > start else str(start))
            start = prev = r
    if start is not None:
        out.append(f"{start}–{prev}" if prev > start else str(start))
    return ", ".join(out)


def _group_rows(df, rule) -> pd.Series:
    key, complete = _group_keys(df, rule)
    rows = df["row"].astype(int).groupby(key).agg(list)
    return key.map({k: _row_ranges(v) for k, v in rows.items()}).where(complete, "")


def _group_details(row, col, rule, profile):
    return {"rows": row["_group_rows"], "first_row": row["row"]}


ROW_CHECKS["items_in_vocabulary"] = RowCheck(_items_in_vocabulary, _items_in_vocabulary_details)
ROW_CHECKS["group_requires"] = RowCheck(_group_requires, _group_details)
ROW_CHECKS["group_not_only"] = RowCheck(_group_not_only, _group_details)
ROW_CONTEXT["group_requires"] = lambda df, rule: ("_group_rows", _group_rows(df, rule))
ROW_CONTEXT["group_not_only"] = lambda df, rule: ("_group_rows", _group_rows(df, rule))


# --- vocabulary numbers, mentions and stand-ins ----------------------------------------------------
# number_agrees: the number in `column` is one of the numbers the vocabulary gives the item named in
#   `item_column` (vocabularies.groups: {value, numbers: ["5а", "5"]}; the first number is the one to
#   write). Rows whose item is empty or not in the vocabulary, and items without numbers, are left
#   to other rules. «5 а)», «5а.», «5a» (Latin a) read as «5а».
#   params: column, item_column, vocabulary. Fills {expected} (the item's first number) and {item}.
# mentions_vocabulary: a free text in `column` names at least one item of the vocabulary, found by
#   the item's `keywords` (regular expressions searched in the lower-cased text, ё read as е) or, for
#   an item without keywords, by its value or aliases inside the text.
#   params: column, vocabulary. Fills {allowed} («1) …; 2) …», numbered as the vocabulary numbers them).
# not_placeholder: the cell holds content, not a stand-in for it («-», «нет», «отсутствуют»): a value
#   that fully matches one of `placeholders` (regular expressions over the lower-cased text, ё read
#   as е, surrounding spaces and punctuation stripped) fails.
#   params: column, placeholders, point_column and hint (optional). Fills {hint}: the rule's `hint`
#   with {point} and {kind} (the kind of the row's point from vocabularies.points) when that kind is
#   known, else empty.

import re  # noqa: E402  (this block's own imports: parallel additions to the file stay apart)

from consolidator.profile import ProfileError  # noqa: E402
from consolidator.text import clean  # noqa: E402

_NUMBER_LOOKALIKES = str.maketrans("aceopxykmthb", "асеорхукмтнв")


_each_value = per_value


def _number_key(value: object) -> str:
    """A number as compared: «5 а)» -> «5а», «1.» -> «1», «№ 2» -> «2», «5.1» stays «5.1»."""
    text = clean(value).lower().replace("ё", "е").translate(_NUMBER_LOOKALIKES)
    text = re.sub(r"\s+", "", text).lstrip("№")
    text = re.sub(r"(?<=\d)[.\-)]+(?=[а-я])", "", text)
    return text.rstrip(".)")


def _numbers_by_value(rule: Rule, profile: Profile) -> dict[str, tuple[str, ...]]:
    return {i.value: i.numbers for i in profile.items(rule.params["vocabulary"]) if i.numbers}


def _number_agrees(df, rule, profile):
    numbers = {v: {_number_key(n) for n in ns} for v, ns in _numbers_by_value(rule, profile).items()}
    voc = profile.vocabulary(rule.params["vocabulary"])
    items = _keys(df[rule.params["item_column"]]).map(voc)
    given = _each_value(df[rule.column], _number_key)
    fails = [bool(n) and isinstance(item, str) and item in numbers and n not in numbers[item]
             for n, item in zip(given, items)]
    return _frame(rule, pd.Series(fails, index=df.index, dtype=bool))


def _number_agrees_details(row, col, rule, profile):
    voc = profile.vocabulary(rule.params["vocabulary"])
    item = voc[match_key(row[rule.params["item_column"]])]
    return {"expected": _numbers_by_value(rule, profile)[item][0], "item": item}


def _mentions(value: str, items) -> bool:
    text = match_key(value, fold_spaces_only=True)
    folded = match_key(value)
    for item in items:
        if item.keywords:
            if any(rx.search(text) for rx in item.keywords):
                return True
        elif any(match_key(v) and match_key(v) in folded for v in (item.value, *item.aliases)):
            return True
    return False


def _mentions_vocabulary(df, rule, profile):
    items = profile.items(rule.params["vocabulary"])
    col = df[rule.column]
    return _frame(rule, (col != "") & ~_each_value(col, lambda v: _mentions(v, items)).astype(bool))


def _mentions_vocabulary_details(row, col, rule, profile):
    items = profile.items(rule.params["vocabulary"])
    allowed = "; ".join(f"{i.numbers[0] if i.numbers else n}) {i.value[:1].lower() + i.value[1:]}"
                        for n, i in enumerate(items, 1))
    return {"allowed": allowed}


def _placeholder_patterns(rule: Rule) -> list[re.Pattern]:
    try:
        return [re.compile(p) for p in rule.params.get("placeholders", [])]
    except re.error as exc:
        raise ProfileError(f"правило {rule.code}: неверное регулярное выражение в placeholders: {exc}") from exc


def _is_placeholder(value: str, patterns: list[re.Pattern]) -> bool:
    text = match_key(value, fold_spaces_only=True).strip(" .,;:!?()«»\"'")
    return bool(value) and any(rx.fullmatch(text) for rx in patterns)


def _not_placeholder(df, rule, profile):
    patterns = _placeholder_patterns(rule)
    return _frame(rule, _each_value(df[rule.column], lambda v: _is_placeholder(v, patterns)).astype(bool))


def _not_placeholder_details(row, col, rule, profile):
    point_col, template = rule.params.get("point_column"), rule.params.get("hint", "")
    if not point_col or not template:
        return {"hint": ""}
    ptype = profile.point_type(row[point_col])
    if ptype is None or ptype.kind is None:
        return {"hint": ""}
    return {"hint": template.format(point=row[point_col], kind=ptype.kind)}


ROW_CHECKS["number_agrees"] = RowCheck(_number_agrees, _number_agrees_details)
ROW_CHECKS["mentions_vocabulary"] = RowCheck(_mentions_vocabulary, _mentions_vocabulary_details)
ROW_CHECKS["not_placeholder"] = RowCheck(_not_placeholder, _not_placeholder_details)


# --- values a workbook holds instead of text, and what the author cannot see -----------------------
# excel_error: the cell holds an Excel error value (#REF!, #N/A, Russian Excel's #ССЫЛКА!, #Н/Д …,
#   LibreOffice's Err:502) instead of a value. The reader puts back the error values calamine reads
#   as empty cells. params: columns.
# text_expected: a column of names or descriptions holds a bare number or a date. params: columns.
# hidden_rows (file): data rows of the table are hidden in the workbook. Fills {rows} («7, 9–12»)
#   and {count}.
# hidden_sheet (file): the table was found on a hidden sheet.

import re as _re  # noqa: E402  (this block's own imports: parallel additions to the file stay apart)

EXCEL_ERROR = _re.compile(
    r"^(?:#(?:REF!|N/A|VALUE!|DIV/0!|NAME\?|NUM!|NULL!|SPILL!|CALC!|GETTING_DATA|BLOCKED!|CONNECT!|FIELD!|"
    r"UNKNOWN!|BUSY!|Н/Д|ССЫЛКА!|ЗНАЧ!|ДЕЛ/0!|ИМЯ\?|ЧИСЛО!|ПУСТО!|ПЕРЕНОС!|ВЫЧИСЛ!|ОШИБКА)|Err:\d{3})$",
    _re.IGNORECASE)
NUMBER_OR_DATE = _re.compile(r"^(?=[^\d]*\d)[-+]?[\d\s.,:/]+$")


def _matching(rule: Rule, df: pd.DataFrame, pattern) -> pd.DataFrame:
    out = {}
    for c in rule.params["columns"]:
        out[c] = per_value_bool(df[c], pattern.match)
    return pd.DataFrame(out, index=df.index)


def _excel_error(df, rule, profile):
    return _matching(rule, df, EXCEL_ERROR)


def _text_expected(df, rule, profile):
    return _matching(rule, df, NUMBER_OR_DATE)


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


def _hidden_rows(table: Table, rule: Rule, profile: Profile) -> dict | None:
    rows = getattr(table, "hidden_rows", None)
    return {"rows": row_ranges(rows), "count": len(rows)} if rows else None


def _hidden_sheet(table: Table, rule: Rule, profile: Profile) -> dict | None:
    return {} if table.found and getattr(table, "sheet_hidden", False) else None


ROW_CHECKS["excel_error"] = RowCheck(_excel_error)
ROW_CHECKS["text_expected"] = RowCheck(_text_expected)
FILE_CHECKS["hidden_rows"] = _hidden_rows
FILE_CHECKS["hidden_sheet"] = _hidden_sheet
