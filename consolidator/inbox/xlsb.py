""".xlsb files looked at before python-calamine reads them: the sheets of the workbook (MS-XLSB
BrtBundleSh records of xl/workbook.bin and their relationships) and how far each worksheet's values
reach.

python-calamine reads a sheet of an .xlsb as a rectangle from its first to its last value: one value
in XFD1048576 asks for 550 GB and aborts the process. So every worksheet's records are walked first
(`extent`): the last row and column with a value and the number of values, as calamine will count
them. The workbook's sheets are listed with their kind (`sheets`): calamine cannot open a workbook
with an Excel 4.0 macro sheet, so `without_sheets` writes the workbook part without them for
reading (the author's file is not changed).

Every length is checked; a broken record ends the walk (ValueError). Imports: nothing of the package.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

# Record types (MS-XLSB 2.3)
BRT_ROW_HDR, BRT_BUNDLE_SH, BRT_BEGIN_SHEET_DATA, BRT_END_SHEET_DATA = 0x0000, 0x009C, 0x0091, 0x0092
# The cell records calamine makes a value of (BrtCellRk … BrtFmlaBool; a blank is left out).
_VALUE_CELLS = frozenset(range(0x0002, 0x000B))
MAX_ROWS = 0x0010_0000  # calamine stops at a row past the sheet's last
KINDS = {"worksheets": "worksheet", "chartsheets": "chart", "dialogsheets": "dialog", "macrosheets": "macro"}


@dataclass
class XlsbSheet:
    name: str
    rel_id: str | None
    part: str | None  # the part name (no leading "/"), None when the relationship is missing
    kind: str  # "worksheet", "chart", "dialog", "macro", "other"


def records(data: bytes, pos: int = 0):
    """(type, start of body, end of body) of each record."""
    n = len(data)
    while pos < n:
        b = data[pos]
        pos += 1
        kind = b & 0x7F
        if b & 0x80:
            if pos >= n:
                raise ValueError("record type cut")
            kind |= (data[pos] & 0x7F) << 7
            pos += 1
        size, shift = 0, 0
        for _ in range(4):
            if pos >= n:
                raise ValueError("record size cut")
            b = data[pos]
            pos += 1
            size |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        end = pos + size
        if end > n:
            raise ValueError("record body cut")
        yield kind, pos, end
        pos = end


def _wide(data: bytes, pos: int, end: int) -> tuple[str | None, int]:
    """An XLWideString (or a null XLNullableWideString) at `pos`: (text, position after it)."""
    if pos + 4 > end:
        raise ValueError("string cut")
    cch = struct.unpack_from("<I", data, pos)[0]
    if cch == 0xFFFFFFFF:
        return None, pos + 4
    stop = pos + 4 + cch * 2
    if stop > end:
        raise ValueError("string cut")
    return data[pos + 4:stop].decode("utf-16-le", "replace"), stop


def sheets(workbook: bytes, targets: dict[str, tuple[str, str]]) -> list[tuple[XlsbSheet, int, int]]:
    """Each sheet of xl/workbook.bin with the span of its record; `targets` are the workbook part's
    relationships: id -> (part name, relationship type)."""
    out = []
    start = 0
    for kind, body, end in records(workbook):
        if kind == BRT_BUNDLE_SH:
            rel_id, after = _wide(workbook, body + 8, end)
            name, _ = _wide(workbook, after, end)
            part, rel_type = targets.get(rel_id or "", (None, ""))
            folder = part.split("/")[-2] if part and "/" in part else ""
            sheet_kind = KINDS.get(folder.lower(), "other")
            if "macrosheet" in rel_type.lower():
                sheet_kind = "macro"
            out.append((XlsbSheet(name or "", rel_id, part, sheet_kind), start, end))
        elif kind == 0x0090:  # BrtEndBundleShs
            break
        start = end
    return out


def without_sheets(workbook: bytes, spans: list[tuple[int, int]]) -> bytes:
    """xl/workbook.bin without the records at `spans` (sheets calamine cannot open)."""
    out, pos = [], 0
    for start, end in sorted(spans):
        out.append(workbook[pos:start])
        pos = end
    out.append(workbook[pos:])
    return b"".join(out)


def extent(sheet: bytes) -> tuple[int, int, int]:
    """(rows, columns, values) of a worksheet part as calamine will read it: 1 + the last row and
    column holding a value (0 when none), and the number of values."""
    unpack = struct.unpack_from
    row, last_row, last_col, values = 0, -1, -1, 0
    in_data = False
    for kind, body, end in records(sheet):
        if not in_data:
            in_data = kind == BRT_BEGIN_SHEET_DATA
            continue
        if kind in _VALUE_CELLS:
            if end - body >= 4:
                col = unpack("<I", sheet, body)[0]
                values += 1
                if row > last_row:
                    last_row = row
                if col > last_col:
                    last_col = col
        elif kind == BRT_ROW_HDR:
            if end - body >= 4:
                row = unpack("<I", sheet, body)[0]
                if row > MAX_ROWS:
                    break
        elif kind == BRT_END_SHEET_DATA:
            break
    return last_row + 1, last_col + 1, values
