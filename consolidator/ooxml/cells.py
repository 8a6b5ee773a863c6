"""Cell texts and addresses, shared by every workbook writer: a text that fits a cell, column letters,
and a row height estimated from the texts (LibreOffice and R7-Office do not grow rows on opening)."""
from __future__ import annotations

# Excel opens no workbook with a longer text in a cell.
MAX_CELL_TEXT = 32767


def fit_text(text: str) -> str:
    """A text that fits an Excel cell: a longer one is cut, and the cut is said in the cell itself."""
    if len(text) <= MAX_CELL_TEXT:
        return text
    note = (f" … [текст обрезан: в ячейке было {len(text)} символов, а в ячейку Excel помещается не более "
            f"{MAX_CELL_TEXT}]")
    return text[: MAX_CELL_TEXT - len(note)] + note


def column_letter(col: int) -> str:
    """Excel column letters of a 1-based column number: 1 -> A, 27 -> AA."""
    if not 1 <= col <= 16384:
        raise ValueError(f"column {col} is outside Excel's 1..16384")
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_ref(row: int, col: int) -> str:
    """«B4» of a 1-based row and a 1-based column."""
    return f"{column_letter(col)}{row}"


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
