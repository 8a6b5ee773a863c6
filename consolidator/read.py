"""Find the form's table in a workbook the way subdivisions really send it, with python-calamine.

Title rows above the header, the header on any of the first rows, header text that differs in case,
line breaks, ё/е or footnote asterisks, another column order, the column-numbering row, blank rows
inside the table, footnotes and signatures below it, vertically merged cells, .xlsx/.xlsm/.xls/.ods.
Every value keeps its sheet and Excel row; the column index gives the cell address.
"""
from __future__ import annotations

import difflib
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine
from defusedxml import ElementTree

_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"

from consolidator.profile import Profile
from consolidator.text import clean, header_key

# Below this similarity a header cell is not taken for a column of the form.
HEADER_SIMILARITY = 0.85
# A sheet's row is the header when it names at least this many columns of the form.
MIN_HEADER_COLUMNS = 3
_FOOTNOTE = re.compile(r"^\s*(\*|примечани|сноск)", re.IGNORECASE)
_INTEGER = re.compile(r"^\d{1,6}\.?$")


class UnreadableError(Exception):
    """The file cannot be opened as a workbook; the message is the Russian reason."""


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

    @property
    def found(self) -> bool:
        return bool(self.columns)


def _header_candidates(profile: Profile) -> list[tuple[str, list[str]]]:
    return [(c.key, list({header_key(v) for v in (c.header, *c.variants)})) for c in profile.columns]


def _score(cell: str, variants: list[str]) -> float:
    if not cell:
        return 0.0
    if cell in variants:
        return 1.0
    return max(difflib.SequenceMatcher(None, cell, v).ratio() for v in variants)


def match_header(cells: list[object], profile: Profile) -> dict[str, int]:
    """Map profile column keys to the 0-based indexes of the header cells that name them."""
    keys = [header_key(c) for c in cells]
    pairs = []
    for key, variants in _header_candidates(profile):
        for i, cell in enumerate(keys):
            s = _score(cell, variants)
            if s >= HEADER_SIMILARITY:
                pairs.append((s, key, i))
    pairs.sort(key=lambda p: (-p[0], p[2]))
    taken_keys, taken_cols, out = set(), set(), {}
    for s, key, i in pairs:
        if key not in taken_keys and i not in taken_cols:
            out[key] = i
            taken_keys.add(key)
            taken_cols.add(i)
    return out


def open_workbook(path: Path) -> python_calamine.CalamineWorkbook:
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several error types for broken files
        raise UnreadableError(
            f"Файл не удалось открыть как книгу Excel: он поврежден, зашифрован или не является "
            f"таблицей ({type(exc).__name__}: {str(exc)[:200]})."
        ) from exc


def read_table(path: Path, profile: Profile) -> Table | None:
    """The form's table from the best-matching sheet, or None when no sheet has the form's header."""
    wb = open_workbook(path)
    best: tuple[int, int, Table, list, list] | None = None
    ods_merges = None
    try:
        for order, name in enumerate(wb.sheet_names):
            try:
                sheet = wb.get_sheet_by_name(name)
                grid = sheet.to_python(skip_empty_area=False)
                if path.suffix.lower() == ".ods":
                    ods_merges = ods_merges if ods_merges is not None else ods_merged_ranges(path)
                    merged = ods_merges.get(name, [])
                else:
                    merged = sheet.merged_cell_ranges or []
            except Exception as exc:
                raise UnreadableError(f"Лист «{name}» не удалось прочитать ({type(exc).__name__}: {str(exc)[:200]}).") from exc
            found = _find_header(grid, profile)
            if found is None:
                continue
            header_row, columns = found
            if best is None or len(columns) > len(best[2].columns):
                missing = [k for k in profile.keys if k not in columns]
                best = (order, header_row, Table(name, header_row + 1, columns, missing), grid, merged)
    finally:
        close = getattr(wb, "close", None)
        if close:
            close()
    if best is None:
        return None
    _, header_row, table, grid, merged = best
    table.origin = _fill_merged_down(grid, merged)
    table.subdivision = _subdivision_line(grid[:header_row], profile)
    table.rows = list(_data_rows(grid, header_row, table.columns, profile))
    return table


def _find_header(grid: list[list], profile: Profile) -> tuple[int, dict[str, int]] | None:
    best = None
    for r, cells in enumerate(grid[: profile.header_search_rows]):
        if sum(1 for c in cells if c not in ("", None)) < MIN_HEADER_COLUMNS:
            continue
        columns = match_header(cells, profile)
        if len(columns) >= MIN_HEADER_COLUMNS and (best is None or len(columns) > len(best[1])):
            best = (r, columns)
    return best


def ods_merged_ranges(path: Path) -> dict[str, list]:
    """Merged ranges of every sheet of an .ods, as calamine gives them for .xlsx and .xls
    (python-calamine reports none for .ods): {sheet: [((r1, c1), (r2, c2)), ...]}, 0-based."""
    t = f"{{{_ODS_TABLE}}}"
    with zipfile.ZipFile(path) as z:
        root = ElementTree.fromstring(z.read("content.xml"))
    out = {}
    for table in root.iter(f"{t}table"):
        merges, r = [], 0
        for row in table.iter(f"{t}table-row"):
            c = 0
            for cell in row:
                if cell.tag not in (f"{t}table-cell", f"{t}covered-table-cell"):
                    continue
                rows = int(cell.get(f"{t}number-rows-spanned", 1))
                cols = int(cell.get(f"{t}number-columns-spanned", 1))
                if rows > 1 or cols > 1:
                    merges.append(((r, c), (r + rows - 1, c + cols - 1)))
                c += int(cell.get(f"{t}number-columns-repeated", 1))
            r += int(row.get(f"{t}number-rows-repeated", 1))
        out[table.get(f"{t}name")] = merges
    return out


def _fill_merged_down(grid: list[list], merged: list) -> dict[tuple[int, int], tuple[int, int]]:
    """A value written once in a vertically merged cell belongs to every row of the merge.

    Only the merge's first column is filled: a title merged across columns stays one value.
    Returns the filled cells with the cell each value came from.
    """
    origin = {}
    for (r1, c1), (r2, _c2) in merged:
        if r2 <= r1 or r1 >= len(grid):
            continue
        top = grid[r1][c1] if c1 < len(grid[r1]) else ""
        for r in range(r1 + 1, min(r2, len(grid) - 1) + 1):
            row = grid[r]
            if c1 < len(row) and row[c1] in ("", None):
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
    for r in range(start, len(grid)):
        cells = grid[r]
        values = [clean(cells[columns[k]]) if k in columns and columns[k] < len(cells) else "" for k in keys]
        filled = sum(1 for v in values if v)
        if filled == 0:
            # A blank row, or a note outside the table's columns: not data.
            after_gap = True
            continue
        first_text = next((clean(c) for c in cells if clean(c)), "")
        if _FOOTNOTE.match(first_text):
            break
        numbered = number_col is not None and number_col < len(cells) and _INTEGER.match(clean(cells[number_col]) or "-")
        if after_gap and not numbered and filled < MIN_HEADER_COLUMNS:
            # A signature or an executor's line below the table, after a blank row.
            break
        yield r + 1, values
