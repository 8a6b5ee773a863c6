"""How an .xls or .ods sheet looks on paper, which python-calamine does not read: column widths, cell
borders, the page's orientation and fit, the rows repeated on every page.

The returned copy of such a file is an .xlsx rebuilt from its values (outputs.returned_openpyxl); with
this it keeps the author's layout as far as the file states it. Everything here is best effort: a
file this reader does not follow gives an empty layout, and the copy falls back to the form's own
print layout. Only a file safety.inspect let through is read, and every loop is bounded by the part
of the sheet the copy holds (`rows` × `cols`).
"""
from __future__ import annotations

import re
import struct
import zipfile
from dataclasses import dataclass, field

from defusedxml import ElementTree

from consolidator.inbox.biff import records, workbook_stream
from consolidator.inbox.safety import Source

Sides = tuple  # (left, right, top, bottom): openpyxl border style names or None


@dataclass
class SheetLayout:
    widths: dict[int, float] = field(default_factory=dict)  # 0-based column -> Excel width (characters)
    borders: dict[tuple[int, int], Sides] = field(default_factory=dict)  # (0-based row, column) -> sides
    landscape: bool | None = None
    fit_width: int | None = None  # pages across when fitted to the page; None: not fitted
    fit_height: int | None = None  # pages down (0: as many as needed)
    scale: int | None = None  # per cent, when not fitted
    paper: int | None = None  # Excel's paper code (9: A4)
    title_rows: tuple[int, int] | None = None  # 1-based rows repeated on every page

    @property
    def print_setup(self) -> bool:
        """Whether the author set up the page: portrait at 100 % is what every file holds untouched."""
        return bool(self.landscape or self.fit_width is not None or self.scale not in (None, 100))

    def drop_default_widths(self) -> None:
        """Columns all of one width were not sized by the author: the copy sizes them to their values."""
        if len(set(self.widths.values())) <= 1:
            self.widths.clear()


def sheet_layouts(src: Source, rows: int = 10_000, cols: int = 256) -> dict[str, SheetLayout]:
    """{sheet: layout} of an .xls or .ods; {} for any other kind or a file not understood."""
    try:
        if src.kind == "xls":
            return _xls(src, rows, cols)
        if src.kind == "ods":
            return _ods(src, rows, cols)
    except Exception:  # a layout is a nicety: never a reason to lose the copy
        return {}
    return {}


# --- .xls (BIFF8) ------------------------------------------------------------------------------------

_XF, _BOUNDSHEET, _EOF = 0x00E0, 0x0085, 0x000A
_COLINFO, _DEFCOLWIDTH, _SETUP, _WSBOOL, _NAME = 0x007D, 0x0055, 0x00A1, 0x0081, 0x0018
# Cell records whose body starts with row, column, XF index.
_CELLS = {0x00FD, 0x0204, 0x0203, 0x027E, 0x0201, 0x0205, 0x0006, 0x00D6}
_MULBLANK, _MULRK = 0x00BE, 0x00BD
# MS-XLS line styles, in openpyxl's names.
_BIFF_LINES = (None, "thin", "medium", "dashed", "dotted", "thick", "double", "hair", "mediumDashed", "dashDot",
               "mediumDashDot", "dashDotDot", "mediumDashDotDot", "slantDashDot")
_MAX_RECORDS = 5_000_000


def _xls(src: Source, rows: int, cols: int) -> dict[str, SheetLayout]:
    data = src.data if src.data is not None else src.path.read_bytes()
    stream = workbook_stream(data)
    xfs: list[Sides] = []
    sheets: list[tuple[str, int]] = []
    titles: dict[int, tuple[int, int]] = {}  # sheet index -> rows repeated
    for n, (kind, body) in enumerate(records(stream, 0)):
        if kind == _EOF or n > _MAX_RECORDS:
            break
        if kind == _XF and len(body) >= 14:
            lines = struct.unpack_from("<H", body, 10)[0]
            xfs.append(tuple(_BIFF_LINES[(lines >> s) & 0xF] if (lines >> s) & 0xF < len(_BIFF_LINES) else "thin"
                             for s in (0, 4, 8, 12)))
        elif kind == _BOUNDSHEET and len(body) >= 8:
            pos, cch, high = struct.unpack_from("<I", body, 0)[0], body[6], body[7] & 1
            raw = body[8:8 + cch * (2 if high else 1)]
            sheets.append((raw.decode("utf-16-le" if high else "latin-1", "replace"), pos))
        elif kind == _NAME:
            found = _print_titles(body)
            if found:
                titles[found[0]] = found[1]
    out = {}
    for i, (name, pos) in enumerate(sheets):
        layout = SheetLayout(title_rows=titles.get(i + 1))
        default_width = None
        fit = False
        setup = None
        for n, (kind, body) in enumerate(records(stream, pos)):
            if kind == _EOF or n > _MAX_RECORDS:
                break
            if kind in _CELLS and len(body) >= 6:
                r, c, xf = struct.unpack_from("<HHH", body, 0)
                _border(layout, xfs, r, c, xf, rows, cols)
            elif kind == _MULBLANK and len(body) >= 6:
                r, first = struct.unpack_from("<HH", body, 0)
                for k in range((len(body) - 6) // 2):
                    _border(layout, xfs, r, first + k, struct.unpack_from("<H", body, 4 + 2 * k)[0], rows, cols)
            elif kind == _MULRK and len(body) >= 6:
                r, first = struct.unpack_from("<HH", body, 0)
                for k in range((len(body) - 6) // 6):
                    _border(layout, xfs, r, first + k, struct.unpack_from("<H", body, 4 + 6 * k)[0], rows, cols)
            elif kind == _COLINFO and len(body) >= 6:
                first, last, width = struct.unpack_from("<HHH", body, 0)
                for c in range(first, min(last, cols - 1) + 1):
                    layout.widths[c] = round(width / 256, 2)
            elif kind == _DEFCOLWIDTH and len(body) >= 2:
                default_width = struct.unpack_from("<H", body, 0)[0] + 0.71
            elif kind == _WSBOOL and len(body) >= 2:
                fit = bool(struct.unpack_from("<H", body, 0)[0] & 0x0100)
            elif kind == _SETUP and len(body) >= 12:
                setup = struct.unpack_from("<HHHHHH", body, 0)
        if default_width:
            # Columns the author did not size keep the sheet's default width, as in the file.
            for c in range(cols):
                layout.widths.setdefault(c, default_width)
        layout.drop_default_widths()
        if setup is not None:
            paper, scale, _, fit_w, fit_h, flags = setup
            if not flags & 0x04:  # fNoPls: no printer settings were stored
                layout.landscape = not flags & 0x02
                layout.paper = paper or None
                if fit:
                    layout.fit_width, layout.fit_height = fit_w, fit_h
                elif 10 <= scale <= 400:
                    layout.scale = scale
        out[name] = layout
    return out


def _border(layout: SheetLayout, xfs: list[Sides], r: int, c: int, xf: int, rows: int, cols: int) -> None:
    if r < rows and c < cols and xf < len(xfs) and any(xfs[xf]):
        layout.borders[(r, c)] = xfs[xf]


def _print_titles(body: bytes) -> tuple[int, tuple[int, int]] | None:
    """(1-based sheet index, (first, last) 1-based rows) of a Print_Titles built-in name, else None."""
    if len(body) < 15:
        return None
    flags, _, cch, cce, _, itab = struct.unpack_from("<HBBHHH", body, 0)
    if not flags & 0x20 or cch != 1:  # not a built-in name
        return None
    at = 14
    high = body[at] & 1
    code = body[at + 1] if not high else struct.unpack_from("<H", body, at + 1)[0]
    if code != 0x07:  # Print_Titles
        return None
    formula = body[at + 1 + (2 if high else 1):][:cce]
    # tArea3d (any class): ixti, first row, last row, first column, last column; the rows are those
    # spanning every column.
    for i in range(len(formula) - 10):
        if formula[i] in (0x3B, 0x5B, 0x7B):
            _, r1, r2, c1, c2 = struct.unpack_from("<HHHHH", formula, i + 1)
            if (c1 & 0xFF) == 0 and (c2 & 0xFF) == 0xFF and r1 <= r2 < 65536:
                return itab, (r1 + 1, r2 + 1)
    return None


# --- .ods ----------------------------------------------------------------------------------------------

_NS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
}
_T, _S, _FO = (f"{{{_NS[k]}}}" for k in ("table", "style", "fo"))
_LENGTH = re.compile(r"([\d.]+)\s*(in|cm|mm|pt|pc|px)?")
_PER_INCH = {"in": 1.0, "cm": 1 / 2.54, "mm": 1 / 25.4, "pt": 1 / 72, "pc": 1 / 6, "px": 1 / 96, None: 1 / 72}


def _inches(value: str | None) -> float | None:
    m = _LENGTH.match(value or "")
    return float(m.group(1)) * _PER_INCH[m.group(2)] if m else None


def _chars(width: str | None) -> float | None:
    """An ODF column width as an Excel width in characters, as LibreOffice converts an .ods to .xlsx
    (a character of the default 11 pt font taken as 7 pt): the copy then prints as the author's file."""
    inches = _inches(width)
    return round(max(1.0, inches * 72 / 7), 2) if inches else None


def _line(spec: str | None) -> str | None:
    """«0.74pt solid #000000» as an openpyxl border style."""
    if not spec or spec.strip() == "none":
        return None
    words = spec.split()
    width = next((_inches(w) for w in words if _LENGTH.match(w)), None)
    points = width * 72 if width else 0.75
    if "double" in words:
        return "double"
    if "dotted" in words:
        return "dotted"
    if "dashed" in words:
        return "dashed" if points < 1.5 else "mediumDashed"
    return "thin" if points < 1.5 else "medium" if points < 2.5 else "thick"


def _ods(src: Source, rows: int, cols: int) -> dict[str, SheetLayout]:
    with zipfile.ZipFile(src.binary()) as z:
        content = ElementTree.fromstring(z.read("content.xml"))
        styles = ElementTree.fromstring(z.read("styles.xml")) if "styles.xml" in z.namelist() else None
    widths, cell_borders, masters = {}, {}, {}
    for st in content.iter(f"{_S}style"):
        name, family = st.get(f"{_S}name"), st.get(f"{_S}family")
        if family == "table-column":
            props = st.find(f"{_S}table-column-properties")
            if props is not None:
                widths[name] = _chars(props.get(f"{_S}column-width"))
        elif family == "table-cell":
            props = st.find(f"{_S}table-cell-properties")
            if props is not None:
                every = props.get(f"{_FO}border")
                sides = tuple(_line(props.get(f"{_FO}border-{s}", every)) for s in ("left", "right", "top", "bottom"))
                if any(sides):
                    cell_borders[name] = sides
        elif family == "table":
            masters[name] = st.get(f"{_S}master-page-name")
    pages = _ods_pages(styles) if styles is not None else {}
    out = {}
    for table in content.iter(f"{_T}table"):
        layout = SheetLayout()
        page = pages.get(masters.get(table.get(f"{_T}style-name")) or "Default")
        if page is not None:
            layout.landscape, layout.fit_width, layout.fit_height, layout.scale = page
        default_styles = []  # per column, for cells that name no style
        c = 0
        for col in table.iter(f"{_T}table-column"):
            span = min(_repeat(col.get(f"{_T}number-columns-repeated")), cols - c)
            width = widths.get(col.get(f"{_T}style-name"))
            for k in range(max(span, 0)):
                if width:
                    layout.widths[c + k] = width
                default_styles.append(col.get(f"{_T}default-cell-style-name"))
            c += max(span, 0)
            if c >= cols:
                break
        layout.drop_default_widths()
        header = table.find(f"{_T}table-header-rows")
        r = 0
        for row in table.iter(f"{_T}table-row"):
            if r >= rows:
                break
            span = min(_repeat(row.get(f"{_T}number-rows-repeated")), rows - r)
            c = 0
            for cell in row:
                if c >= cols:
                    break
                if cell.tag not in (f"{_T}table-cell", f"{_T}covered-table-cell"):
                    continue
                across = min(_repeat(cell.get(f"{_T}number-columns-repeated")), cols - c)
                name = cell.get(f"{_T}style-name")
                for k in range(across):
                    sides = cell_borders.get(name or (default_styles[c + k] if c + k < len(default_styles) else None))
                    if sides:
                        for dr in range(span):
                            layout.borders[(r + dr, c + k)] = sides
                c += across
            r += span
        if header is not None:
            n = sum(_repeat(x.get(f"{_T}number-rows-repeated")) for x in header.iter(f"{_T}table-row"))
            first = _row_index(table, header)
            if n and first is not None:
                layout.title_rows = (first + 1, first + n)
        out[table.get(f"{_T}name") or ""] = layout
    return out


def _row_index(table, header) -> int | None:
    """The 0-based row the header rows start at: the rows before them in the table."""
    r = 0
    for el in table.iter():
        if el is header:
            return r
        if el.tag == f"{_T}table-row":
            r += _repeat(el.get(f"{_T}number-rows-repeated"))
    return None


def _ods_pages(styles) -> dict[str, tuple]:
    """{master page: (landscape, fit_width, fit_height, scale)} from styles.xml."""
    layouts = {}
    for pl in styles.iter(f"{_S}page-layout"):
        props = pl.find(f"{_S}page-layout-properties")
        if props is None:
            continue
        orientation = props.get(f"{_S}print-orientation")
        landscape = None if orientation is None else orientation == "landscape"
        fit_w, fit_h, scale = props.get(f"{_S}scale-to-X"), props.get(f"{_S}scale-to-Y"), props.get(f"{_S}scale-to")
        fit = (int(fit_w) if fit_w and fit_w.isdigit() else None, int(fit_h) if fit_h and fit_h.isdigit() else 0)
        if props.get(f"{_S}scale-to-pages"):
            fit = (1, 0)
        pct = int(float(scale.rstrip("%"))) if scale and fit[0] is None else None
        layouts[pl.get(f"{_S}name")] = (landscape, fit[0], fit[1] if fit[0] else None, pct)
    return {mp.get(f"{_S}name"): layouts.get(mp.get(f"{_S}page-layout-name"))
            for mp in styles.iter(f"{_S}master-page") if layouts.get(mp.get(f"{_S}page-layout-name"))}


def _repeat(value: str | None) -> int:
    try:
        return max(1, int(value)) if value else 1
    except ValueError:
        return 1
