"""Small helpers for writing workbooks: cell texts and addresses, and the few openpyxl helpers the
template and the openpyxl fallback of the returned copy use.

openpyxl costs about 0.4 s to import, and a run writes its workbooks without it: it is imported
only when one of its helpers (THIN, BORDER, set_value on an openpyxl cell) is used.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell

_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Excel opens no workbook with a longer text in a cell.
MAX_CELL_TEXT = 32767


def fit_text(text: str) -> str:
    """A text that fits an Excel cell: a longer one is cut, and the cut is said in the cell itself."""
    if len(text) <= MAX_CELL_TEXT:
        return text
    note = (f" … [текст обрезан: в ячейке было {len(text)} символов, а в ячейку Excel помещается не более "
            f"{MAX_CELL_TEXT}]")
    return text[: MAX_CELL_TEXT - len(note)] + note


def __getattr__(name: str):
    """THIN and BORDER, the openpyxl styles of a thin black border, made on first use."""
    if name in ("THIN", "BORDER"):
        from openpyxl.styles import Border, Side

        thin = Side(style="thin", color="000000")
        globals().update(THIN=thin, BORDER=Border(left=thin, right=thin, top=thin, bottom=thin))
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def set_value(cell: Cell, value: object) -> None:
    """Write a value so that it stays what it is: text from a workbook never becomes a formula.

    openpyxl turns any string starting with "=" into a formula; forcing the string type keeps it
    literal in Excel, LibreOffice and R7-Office.
    """
    if value is None:
        cell.value = None
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        # Characters XML 1.0 cannot hold make the file unreadable; drop them.
        cell.value = fit_text(_XML_ILLEGAL.sub("", str(value)))
        cell.data_type = "s"
        return
    cell.value = value


def cell_address(row: int, col0: int) -> str:
    """Excel address from a 1-based row and a 0-based column index."""
    from consolidator.xlsxout import column_letter

    return f"{column_letter(col0 + 1)}{row}"


def row_height(texts: list[object], widths: list[float], line_height: float = 15.0) -> float:
    """A row height that shows wrapped text whole: LibreOffice and R7-Office do not grow rows written
    by openpyxl on opening, so the height is estimated from text length and column width."""
    lines = 1
    for text, width in zip(texts, widths):
        if text is None:
            continue
        chars_per_line = max(1.0, width * 1.0)
        n = sum(max(1, -(-len(part) // int(chars_per_line))) for part in str(text).split("\n"))
        lines = max(lines, n)
    return lines * line_height
