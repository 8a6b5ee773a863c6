"""The form's table in a grid of cells, the way subdivisions really fill it.

A grid is a sheet's rows from row 1 and column A, as any reader gives them (inbox.workbook). Here:
the header on any of the first rows, its text differing in case, line breaks, ё/е or footnote
asterisks, another column order, the column-numbering row, blank rows inside the table, footnotes
and signatures below it, vertically merged cells filled down. Every value keeps its Excel row; the
column index gives the cell address. Nothing here knows a file format.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import Indel

from consolidator.profile.schema import Profile
from consolidator.profile.text import clean, header_key

# Below this similarity a header cell is not taken for a column of the form.
HEADER_SIMILARITY = 0.85
# A sheet's row is the header when it names at least this many columns of the form.
MIN_HEADER_COLUMNS = 3
_FOOTNOTE = re.compile(r"^\s*(\*|примечани|сноск)", re.IGNORECASE)
_INTEGER = re.compile(r"^\d{1,6}\.?$")
# The table ends after this many rows in a row with nothing in its columns: a sheet whose used range
# runs to row 1 048 576 (a column formatted or a formula filled down) is not read to its end.
BLANK_RUN = 1000


@dataclass
class Table:
    sheet: str
    header_row: int  # 1-based Excel row of the header
    columns: dict[str, int]  # profile column key -> 0-based column index
    missing: list[str]  # profile column keys not found in the header
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (Excel row, values by key)
    subdivision: str | None = None  # from a «Структурное подразделение: …» title line
    # Set by the pipeline when the workbook is in another profile's form: that profile's name.
    other_form: str | None = None
    # Cells filled down from a vertical merge -> the merge's top cell, as (Excel row, 0-based column):
    # a remark on such a value points at the cell the author actually typed it in.
    origin: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    # Excel rows of data rows hidden in the workbook, and whether the table's sheet is hidden.
    hidden_rows: list[int] = field(default_factory=list)
    sheet_hidden: bool = False
    # What the file really is (inbox.safety.Source.kind: xlsx, xls, xlsb, ods, csv, html, xml2003).
    source_kind: str | None = None
    # Excel row -> the text of the author's «Основание» column (profile.amendments), where filled.
    reasons: dict[int, str] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return bool(self.columns)


def _header_candidates(profile: Profile) -> list[tuple[str, list[str]]]:
    return _candidates(tuple((c.key, c.header, *c.variants) for c in profile.columns))


@lru_cache(maxsize=64)
def _candidates(columns: tuple[tuple[str, ...], ...]) -> list[tuple[str, list[str]]]:
    return [(key, sorted({header_key(v) for v in texts})) for key, *texts in columns]


@lru_cache(maxsize=64)
def _exact_names(columns: tuple[tuple[str, ...], ...]) -> frozenset[str]:
    """Every name of every column (header_key), as a set."""
    return frozenset(v for _, variants in _candidates(columns) for v in variants)


@lru_cache(maxsize=64)
def _names(columns: tuple[tuple[str, ...], ...]) -> tuple[list[str], list[str]]:
    """Every name of every column, flat: (column keys, names)."""
    pairs = [(key, v) for key, variants in _candidates(columns) for v in variants]
    return [k for k, _ in pairs], [v for _, v in pairs]


def _similar(cells: set[str], profile: Profile) -> dict[str, dict[str, float]]:
    """{cell: {column key: difflib's best ratio of the cell to the column's names}} for the pairs
    that can reach HEADER_SIMILARITY. The Indel similarity (longest common subsequence) bounds
    difflib's ratio from above and is computed in C for a cell and all names at once; difflib then
    compares only the few pairs it lets through, not every cell with every name letter by letter;
    and a cell seen before (the forms of a region repeat their headers and groups, file after file)
    is not compared again (_SIMILAR)."""
    columns = tuple((c.key, c.header, *c.variants) for c in profile.columns)
    keys, names = _names(columns)
    cells = sorted(c for c in cells if c)
    if not cells or not names:
        return {}
    seen = _SIMILAR.setdefault(columns, {})
    new = [c for c in cells if c not in seen]
    if new:
        if len(seen) + len(new) > _SIMILAR_MOST:
            seen.clear()
            new = cells
        for cell in new:
            best = None
            # One cell against every name (extract, not cdist over all cells: cdist's matrix would make
            # every helper process import numpy, 11 MiB each, for a few cells a file).
            for name, _, j in process.extract(cell, names, scorer=Indel.normalized_similarity,
                                              score_cutoff=HEADER_SIMILARITY - 1e-3, limit=None):
                s = 1.0 if name == cell else difflib.SequenceMatcher(None, cell, name).ratio()
                best = best if best is not None else {}
                if s > best.get(keys[j], 0.0):
                    best[keys[j]] = s
            seen[cell] = best
    return {c: seen[c] for c in cells if seen[c] is not None}


# Each profile's comparisons of the cells seen so far (None: like none of its names), by its columns'
# names; forgotten past _SIMILAR_MOST cells (a helper process reads thousands of files).
_SIMILAR: dict[tuple, dict[str, dict[str, float] | None]] = {}
_SIMILAR_MOST = 50_000


def match_header(cells: list[object], profile: Profile,
                 similar: dict[str, dict[str, float]] | None = None) -> dict[str, int]:
    """Map profile column keys to the 0-based indexes of the header cells that name them.
    `similar` is `_similar` of these cells (or of more), when the caller has it already."""
    return _match_keys([header_key(c) for c in cells], profile, similar)


def _match_keys(keys: list[str], profile: Profile, similar: dict[str, dict[str, float]] | None) -> dict[str, int]:
    candidates = _header_candidates(profile)
    # Exact names first; only columns still unnamed are looked for letter by letter among the rest.
    taken_keys, taken_cols, out = set(), set(), {}
    for key, variants in candidates:
        for i, cell in enumerate(keys):
            if i not in taken_cols and cell in variants:
                out[key] = i
                taken_keys.add(key)
                taken_cols.add(i)
                break
    if len(taken_keys) == len(candidates):
        return out
    if similar is None:
        similar = _similar({k for i, k in enumerate(keys) if i not in taken_cols}, profile)
    pairs = [(s, key, i) for i, cell in enumerate(keys) if cell and i not in taken_cols
             for key, s in similar.get(cell, {}).items() if key not in taken_keys and s >= HEADER_SIMILARITY]
    # Best similarity first; equal ones by column, then in the form's order of columns.
    order = {key: n for n, (key, _) in enumerate(candidates)}
    pairs.sort(key=lambda p: (-p[0], p[2], order[p[1]]))
    for s, key, i in pairs:
        if key not in taken_keys and i not in taken_cols:
            out[key] = i
            taken_keys.add(key)
            taken_cols.add(i)
    return out


def header_keys(grid: list[list], rows: int) -> list[list[str]]:
    """`header_key` of every cell of the grid's first rows."""
    return [[header_key(c) for c in cells] for cells in grid[:rows]]


def find_header(grid: list[list], profile: Profile,
                keyed: list[list[str]] | None = None) -> tuple[int, dict[str, int]] | None:
    """(0-based row, {column key: 0-based column}) of the form's header among the sheet's first rows.
    `keyed` is `header_keys` of the grid (to at least profile.header_search_rows rows), when the
    caller has it already."""
    keyed = header_keys(grid, profile.header_search_rows) if keyed is None else keyed
    rows = [(r, keys) for r, keys in enumerate(keyed[: profile.header_search_rows])
            if len(keys) - keys.count("") >= MIN_HEADER_COLUMNS]
    # Most headers name several columns exactly: find that row cheaply first, and compare letter by
    # letter only there; the fuzzy search of every row is left for headers that are all typed
    # differently from the form.
    exact = _exact_names(tuple((c.key, c.header, *c.variants) for c in profile.columns)).__contains__
    counted = [(sum(map(exact, keys)), r, keys) for r, keys in rows]
    n, r, keys = max(counted, default=(0, 0, []), key=lambda t: (t[0], -t[1]))
    if n >= MIN_HEADER_COLUMNS:
        return r, _match_keys(keys, profile, None)
    best = None
    similar = _similar({k for _, keys in rows for k in keys}, profile)
    for r, keys in rows:
        if sum(1 for k in keys if k in similar) < MIN_HEADER_COLUMNS:
            continue  # fewer cells like any column's name than a header has
        columns = _match_keys(keys, profile, similar)
        if len(columns) >= MIN_HEADER_COLUMNS and (best is None or len(columns) > len(best[1])):
            best = (r, columns)
    return best


def until_blank_run(rows, columns: dict[str, int]) -> list[list]:
    """Rows up to the first run of BLANK_RUN rows with nothing in the table's columns."""
    cols = sorted(set(columns.values()))
    out: list[list] = []
    blank = 0
    for cells in rows:
        out.append(cells)
        if any(c < len(cells) and cells[c] not in ("", None) and clean(cells[c]) for c in cols):
            blank = 0
            continue
        blank += 1
        if blank >= BLANK_RUN:
            del out[-blank:]
            break
    return out


def table_of(sheet: str, grid: list[list], header_row: int, columns: dict[str, int], merged: list,
             profile: Profile) -> Table:
    """The table whose header is row `header_row` (0-based) of the grid; `merged` are the sheet's
    merged ranges ((r1, c1), (r2, c2)), 0-based. The grid's rows are not changed (a row a merge fills
    is copied first)."""
    missing = [k for k in profile.keys if k not in columns]
    table = Table(sheet, header_row + 1, columns, missing)
    table.origin = _fill_merged_down(grid, merged)
    table.subdivision = _subdivision_line(grid[:header_row], profile)
    table.rows = list(_data_rows(grid, header_row, table.columns, profile))
    reason = _reason_column(grid[header_row], columns, profile)
    if reason is not None:
        for r, _ in table.rows:
            cells = grid[r - 1]
            text = clean(cells[reason]) if reason < len(cells) else ""
            if text:
                table.reasons[r] = text
    return table


def _reason_column(header: list, columns: dict[str, int], profile: Profile) -> int | None:
    """The column where an author gives the reason of a change, when the form carries one beside
    the profile's columns (profile.amendments.reason_header and its variants)."""
    amendments = profile.amendments
    if amendments is None:
        return None
    names = {header_key(v) for v in (amendments.reason_header, *amendments.reason_variants)}
    taken = set(columns.values())
    return next((i for i, cell in enumerate(header) if i not in taken and header_key(cell) in names), None)


def cell_address(row: int, col0: int) -> str:
    """Excel address from a 1-based row and a 0-based column index: (12, 3) -> «D12»."""
    letters, col = "", col0 + 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


def _fill_merged_down(grid: list[list], merged: list) -> dict[tuple[int, int], tuple[int, int]]:
    """A value written once in a vertically merged cell belongs to every row of the merge.

    Only the merge's first column is filled: a title merged across columns stays one value.
    Returns the filled cells with the cell each value came from.
    """
    origin = {}
    copied = set()  # the grid's rows may be a Book's: a row is copied before its first change
    for (r1, c1), (r2, _c2) in merged:
        if r2 <= r1 or r1 >= len(grid):
            continue
        top = grid[r1][c1] if c1 < len(grid[r1]) else ""
        for r in range(r1 + 1, min(r2, len(grid) - 1) + 1):
            row = grid[r]
            if c1 < len(row) and row[c1] in ("", None):
                if r not in copied:
                    grid[r] = row = list(row)
                    copied.add(r)
                row[c1] = top
                origin[(r + 1, c1)] = (r1 + 1, c1)
    return origin


def _subdivision_line(rows: list[list], profile: Profile) -> str | None:
    """The author named in a title line: «Структурное подразделение: Управление …», or the label in
    one cell and the name in the next."""
    labels = [lbl.lower().replace("ё", "е") for lbl in profile.subdivision_labels]
    for cells in rows:
        texts = [clean(c) for c in cells]
        for i, text in enumerate(texts):
            folded = text.lower().replace("ё", "е")
            label = next((lbl for lbl in labels if folded.startswith(lbl)), None)
            if label is None:
                continue
            rest = text[len(label):].strip(" :–—-_")
            if rest:
                return rest
            after = [t.strip(" _") for t in texts[i + 1:] if t.strip(" _")]
            if after:
                return after[0]
    return None


def _is_numbering_row(cells: list[object], columns: dict[str, int]) -> bool:
    """The row «1 2 3 4 5 6» under the header: consecutive integers across the form's columns."""
    values = [clean(cells[i]) if i < len(cells) else "" for i in sorted(columns.values())]
    values = [v.rstrip(".") for v in values if v]
    if len(values) < MIN_HEADER_COLUMNS or not all(_INTEGER.match(v) for v in values):
        return False
    first = int(values[0])
    return [int(v) for v in values] == list(range(first, first + len(values)))


def _data_rows(grid: list[list], header_row: int, columns: dict[str, int], profile: Profile):
    keys = profile.keys
    number_col = columns.get(profile.number_column)
    start = header_row + 1
    if start < len(grid) and _is_numbering_row(grid[start], columns):
        start += 1
    after_gap = False
    where = [columns.get(k, -1) for k in keys]
    for r in range(start, len(grid)):
        cells = grid[r]
        n = len(cells)
        values = [clean(cells[c]) if 0 <= c < n else "" for c in where]
        filled = len(values) - values.count("")
        if filled == 0:
            # A blank row, or a note outside the table's columns: not data.
            after_gap = True
            continue
        first_text = next((text for text in map(clean, cells) if text), "")
        if _FOOTNOTE.match(first_text):
            break
        numbered = number_col is not None and number_col < len(cells) and _INTEGER.match(clean(cells[number_col]) or "-")
        if after_gap and not numbered and filled < MIN_HEADER_COLUMNS:
            # A signature or an executor's line below the table, after a blank row.
            break
        yield r + 1, values
