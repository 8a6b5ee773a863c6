"""The few openpyxl helpers the blank form and the openpyxl fallback of the returned copy use.

openpyxl costs about 0.4 s to import, and a run writes its workbooks without it: it is imported only
when one of these helpers (THIN, BORDER, set_value on an openpyxl cell) is used.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from consolidator.ooxml.cells import fit_text

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell

_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


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
