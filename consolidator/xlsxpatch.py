"""Patch a workbook's package instead of loading and saving it: fill and comment some cells of the
author's sheets and insert a new first sheet, in a few milliseconds.

Only what must change is edited, in the XML bytes (consolidator.ooxml):

- styles.xml gets the new fills, fonts, borders and cell formats appended; a marked cell's format is a
  clone of its own with the new fill, so its font, border and number format stay;
- a marked sheet gets `s` set on the marked cells (the cell, and its row, made where missing), a
  comments part and the legacy VML drawing that shows comments (merged into the ones it has);
- the new sheet is written whole (inline strings: a text starting with "=" stays text), listed first
  in workbook.xml and made the active, selected tab: names local to a sheet and the active tab are
  renumbered, docProps/app.xml lists it, the calculation chain (which numbers sheets) is dropped for
  Excel to rebuild.

Every other part, macros (vbaProject.bin) included, is copied as it was stored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from consolidator.ooxml import (DECL, Element, Package, PatchError, Rels, attrs, children, declare_rel_prefix, esc,
                                esc_attr, find, insert_before, relative, rels_name, resolve, root_content,
                                root_prefix, rx, set_attr, text_of)

NS_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
_CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
_CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"

# Excel opens no workbook with a longer text in a cell.
MAX_CELL_TEXT = 32767
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


# --- cell text and layout, free of openpyxl (consolidator.xlsx has the same for openpyxl writers) --

def fit_text(text: str) -> str:
    """A text that fits an Excel cell: a longer one is cut, and the cut is said in the cell itself."""
    if len(text) <= MAX_CELL_TEXT:
        return text
    note = (f" … [текст обрезан: в ячейке было {len(text)} символов, а в ячейку Excel помещается не более "
            f"{MAX_CELL_TEXT}]")
    return text[: MAX_CELL_TEXT - len(note)] + note


def cell_text(value: object) -> str:
    """A value as a cell's text: characters XML 1.0 cannot hold dropped, cut to Excel's limit."""
    return fit_text(_XML_ILLEGAL.sub("", str(value)))


def row_height(texts: list[object], widths: list[float], line_height: float = 15.0) -> float:
    """A row height that shows wrapped text whole (LibreOffice and R7-Office do not grow rows on
    opening), estimated from text length and column width."""
    lines = 1
    for text, width in zip(texts, widths):
        if text is None:
            continue
        chars_per_line = max(1.0, width * 1.0)
        n = sum(max(1, -(-len(part) // int(chars_per_line))) for part in str(text).split("\n"))
        lines = max(lines, n)
    return lines * line_height


def column_letters(col: int) -> str:
    """Letters of a 1-based column number (1 -> "A")."""
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


_ADDRESS = re.compile(r"^\$?([A-Z]{1,3})\$?(\d{1,7})$")


def address(ref: str) -> tuple[int, int]:
    """(row, column), both 1-based, of "F6"."""
    m = _ADDRESS.match(ref.strip().upper())
    if not m:
        raise PatchError(f"not a cell address: {ref!r}")
    return int(m.group(2)), column_number(m.group(1))


def quote_sheet(name: str) -> str:
    """A sheet's name as a formula or an internal link writes it: 'Лист 1'."""
    return "'" + name.replace("'", "''") + "'"


def free_sheet_name(existing: list[str], *names: str) -> str:
    """The first of `names` no sheet has (Excel compares names without case), else the last numbered."""
    taken = {n.casefold() for n in existing}
    for name in names:
        if name.casefold() not in taken:
            return name
    n = 2
    while f"{names[-1]} {n}".casefold() in taken:
        n += 1
    return f"{names[-1]} {n}"


# --- what the caller asks for --------------------------------------------------------------------

@dataclass(frozen=True)
class Style:
    """A cell style of the new sheet (colours "RRGGBB"); the font is the workbook's default one with
    these changes."""

    bold: bool = False
    italic: bool = False
    size: float | None = None
    color: str | None = None
    underline: bool = False
    fill: str | None = None
    border: bool = False  # thin black on all four sides
    horizontal: str | None = None
    vertical: str | None = None
    wrap: bool = False


@dataclass
class Mark:
    """Fill a cell of the author's sheet and put a comment on it."""

    sheet: str
    cell: str  # "F6"
    fill: str  # "RRGGBB"
    comment: str
    width: int = 420  # of the comment's box, in pixels
    height: int = 150


@dataclass
class NewSheet:
    """A sheet to insert first, active and selected."""

    name: str
    cells: dict[int, list[tuple[int, object, Style]]] = field(default_factory=dict)  # row -> (col, value, style)
    heights: dict[int, float] = field(default_factory=dict)
    widths: list[float] = field(default_factory=list)  # of columns A, B, …
    merges: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)  # cell -> location ("'Лист1'!F6")
    freeze_row: int | None = None  # the first row that scrolls
    title_row: int | None = None  # printed on every page
    landscape: bool = True  # A4 landscape, one page wide

    def set(self, row: int, col: int, value: object, style: Style) -> None:
        self.cells.setdefault(row, []).append((col, value, style))


_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref\s*=\s*["\']\$?([A-Z]{1,3}\$?\d+):\$?([A-Z]{1,3}\$?\d+)["\']')


# --- the workbook --------------------------------------------------------------------------------

@dataclass
class SheetRef:
    name: str
    part: str
    kind: str  # "worksheet", "chartsheet", "dialogsheet", …


class Workbook:
    """The package of an .xlsx/.xlsm with its workbook part, relationships and sheets located."""

    def __init__(self, source):
        self.pkg = Package(source)
        self.part = self.pkg.office_document()
        xml = self.pkg.get(self.part)
        self.p = root_prefix(xml, b"workbook")
        start, content, _ = root_content(xml)
        if NS_MAIN not in xml[start:content]:
            raise PatchError("not transitional SpreadsheetML")
        self.rels = Rels(self.pkg.get(rels_name(self.part)))
        self._merges: dict[str, list] = {}
        self.sheets = []
        for m in rx(rb"<<P>sheet\b([^>]*?)/?>", self.p).finditer(xml):
            a = attrs(m.group(1))
            rid = next((v for k, v in a.items() if k.endswith(b":id")), None)
            rel = self.rels.by_id(text_of(rid)) if rid is not None else None
            if rel is None:
                raise PatchError("a sheet without its relationship")
            self.sheets.append(SheetRef(text_of(a.get(b"name", b"")), resolve(self.part, rel.target), rel.type))

    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets]

    def merge_anchor(self, sheet: str, cell: str) -> str:
        """The top left cell of the merged range `cell` is in (the one Excel shows), else `cell`."""
        if sheet not in self._merges:
            ref = next((s for s in self.sheets if s.name == sheet), None)
            xml = self.pkg.get(ref.part) if ref else None
            at = xml.find(b"mergeCell") if xml is not None else -1  # the search runs only where they are
            self._merges[sheet] = [] if at < 0 else [
                (address(a.decode()), address(b.decode())) for a, b in _MERGE_CELL.findall(xml, at - 8)]
        r, c = address(cell)
        for (r1, c1), (r2, c2) in self._merges[sheet]:
            if min(r1, r2) <= r <= max(r1, r2) and min(c1, c2) <= c <= max(c1, c2):
                return f"{column_letters(min(c1, c2))}{min(r1, r2)}"
        return cell

    def bytes(self) -> bytes:
        if self.rels.changed:
            self.pkg.put(rels_name(self.part), self.rels.bytes())
        return self.pkg.bytes()


# --- styles.xml ----------------------------------------------------------------------------------

_MINIMAL_STYLES = (DECL + b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                   b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
                   b'<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill '
                   b'patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/>'
                   b'<bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" '
                   b'fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" '
                   b'fillId="0" borderId="0" xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" '
                   b'xfId="0" builtinId="0"/></cellStyles></styleSheet>')
_STYLE_ORDER = (b"numFmts", b"fonts", b"fills", b"borders", b"cellStyleXfs", b"cellXfs", b"cellStyles", b"dxfs",
                b"tableStyles", b"colors", b"extLst")  # CT_Stylesheet's children, in the schema's order
_FONT_KEEP = (b"name", b"family", b"charset", b"scheme")
# Excel takes fills 0 and 1 as "none" and "gray125" whatever they say, and needs a font, a border and
# a cell format 0.
_REQUIRED = ((b"fills", b'<fill><patternFill patternType="none"/></fill>', 1),
             (b"fills", b'<fill><patternFill patternType="gray125"/></fill>', 2),
             (b"fonts", b'<font><sz val="11"/><name val="Calibri"/></font>', 1),
             (b"borders", b"<border><left/><right/><top/><bottom/><diagonal/></border>", 1),
             (b"cellXfs", b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>', 1))
_BORDER = (b"<border>" + b"".join(f'<{side} style="thin"><color rgb="FF000000"/></{side}>'.encode()
                                  for side in ("left", "right", "top", "bottom")) + b"<diagonal/></border>")


class Styles:
    """Fonts, fills, borders and cell formats appended to the workbook's styles.xml."""

    def __init__(self, wb: Workbook):
        self.pkg = wb.pkg
        rels = wb.rels.of_type("styles")
        if rels:
            self.part = resolve(wb.part, rels[0].target)
            xml = wb.pkg.get(self.part)
            if xml is None:
                raise PatchError("styles part missing")
        else:
            # Where Excel puts it: some readers (openpyxl) look nowhere else.
            self.part = "xl/styles.xml" if wb.pkg.get("xl/styles.xml") is None else wb.pkg.free_name("xl/styles{}.xml")
            wb.rels.add("styles", relative(wb.part, self.part))
            wb.pkg.override(self.part, _CT_STYLES)
            xml = _MINIMAL_STYLES
        self.xml = xml
        self.p = root_prefix(xml, b"styleSheet")
        self.new: dict[bytes, list[bytes]] = {b"fonts": [], b"fills": [], b"borders": [], b"cellXfs": []}
        self._ids: dict[object, int] = {}
        self.xfs = self._items(b"cellXfs", b"xf")
        fonts = self._items(b"fonts", b"font")
        self.font0 = fonts[0] if fonts else b""
        self.count = {b"cellXfs": len(self.xfs), b"fonts": len(fonts), b"fills": len(self._items(b"fills", b"fill")),
                      b"borders": len(self._items(b"borders", b"border"))}
        for kind, xml_item, need in _REQUIRED:
            if self.count[kind] + len(self.new[kind]) < need:
                self.new[kind].append(self._prefixed(xml_item))
        if not self.xfs:
            self.xfs = list(self.new[b"cellXfs"])

    def _items(self, container: bytes, item: bytes) -> list[bytes]:
        m = rx(rb"<<P>" + container + rb"\b[^>]*?(/?)>", self.p).search(self.xml)
        if not m or m.group(1):
            return []
        close = self.xml.find(b"</" + self.p + container, m.end())
        if close < 0:
            raise PatchError(f"unclosed {container!r}")
        pattern = rx(rb"<<P>" + item + rb"\b(?:[^>]*?/>|.*?</<P>" + item + rb"\s*>)", self.p, re.DOTALL)
        return pattern.findall(self.xml, m.end(), close)

    def _prefixed(self, xml: bytes) -> bytes:
        return rx(rb"<(/?)(\w)").sub(lambda m: b"<" + m.group(1) + self.p + m.group(2), xml) if self.p else xml

    def _add(self, kind: bytes, xml: bytes) -> int:
        key = (kind, xml)
        if key not in self._ids:
            self._ids[key] = self.count[kind] + len(self.new[kind])
            self.new[kind].append(xml)
        return self._ids[key]

    def fill(self, rgb: str) -> int:
        return self._add(b"fills", self._prefixed(f'<fill><patternFill patternType="solid"><fgColor rgb="FF{rgb}"/>'
                                                  f'<bgColor rgb="FF{rgb}"/></patternFill></fill>'.encode()))

    def with_fill(self, s: int, rgb: str) -> int:
        """A cell format like number `s` with a solid fill: its font, border and number format stay."""
        key = ("fill", s, rgb)
        if key not in self._ids:
            base = self.xfs[s] if 0 <= s < len(self.xfs) else self.xfs[0]
            tag_end = base.find(b">") + 1
            tag = set_attr(set_attr(base[:tag_end], b"fillId", str(self.fill(rgb)).encode()), b"applyFill", b"1")
            self._ids[key] = self._add(b"cellXfs", tag + base[tag_end:])
        return self._ids[key]

    def cell_format(self, style: Style) -> int:
        """The cell format of a style of the new sheet."""
        if style in self._ids:
            return self._ids[style]
        font = self._font(style)
        fill = self.fill(style.fill) if style.fill else 0
        border = self._add(b"borders", self._prefixed(_BORDER)) if style.border else 0
        align = "".join(f' {k}="{v}"' for k, v in (("horizontal", style.horizontal), ("vertical", style.vertical),
                                                    ("wrapText", "1" if style.wrap else None)) if v)
        applied = (' applyFill="1"' if fill else "") + (' applyBorder="1"' if border else "")
        xf = (f'<xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0" applyFont="1"{applied}'
              + (f' applyAlignment="1"><alignment{align}/></xf>' if align else "/>"))
        self._ids[style] = self._add(b"cellXfs", self._prefixed(xf.encode()))
        return self._ids[style]

    def _font(self, style: Style) -> int:
        if not (style.bold or style.italic or style.size or style.color or style.underline):
            return 0
        p = self.p
        base = {m.group(1): m.group(0) for m in rx(rb"<<P>(\w+)\b[^>]*?/>", p).finditer(self.font0)}
        own = self._prefixed((b"<b/>" if style.bold else b"") + (b"<i/>" if style.italic else b"")
                             + (b'<u val="single"/>' if style.underline else b""))
        size = (self._prefixed(f'<sz val="{style.size:g}"/>'.encode()) if style.size
                else base.get(b"sz", self._prefixed(b'<sz val="11"/>')))
        color = self._prefixed(f'<color rgb="FF{style.color}"/>'.encode()) if style.color else base.get(b"color", b"")
        keep = b"".join(base[k] for k in _FONT_KEEP if k in base)
        return self._add(b"fonts", b"<" + p + b"font>" + own + size + color + keep + b"</" + p + b"font>")

    def save(self) -> None:
        if any(self.new.values()):
            for kind, items in self.new.items():
                if items:
                    self.xml = self._append(self.xml, kind, items)
            self.pkg.put(self.part, self.xml)

    def _append(self, xml: bytes, kind: bytes, items: list[bytes]) -> bytes:
        total = str(self.count[kind] + len(items)).encode()
        m = rx(rb"<<P>" + kind + rb"\b[^>]*?/?>", self.p).search(xml)
        if m is None:
            new = b"<" + self.p + kind + b' count="' + total + b'">' + b"".join(items) + b"</" + self.p + kind + b">"
            _, content, close = root_content(xml)
            return insert_before(xml, children(xml, content, close), _STYLE_ORDER[_STYLE_ORDER.index(kind) + 1:],
                                 close, new)
        tag = m.group(0)
        if tag.endswith(b"/>"):
            tag = set_attr(tag[:-2].rstrip() + b">", b"count", total)
            return xml[:m.start()] + tag + b"".join(items) + b"</" + self.p + kind + b">" + xml[m.end():]
        close = xml.find(b"</" + self.p + kind, m.end())
        if close < 0:
            raise PatchError(f"unclosed {kind!r}")
        return xml[:m.start()] + set_attr(tag, b"count", total) + xml[m.end():close] + b"".join(items) + xml[close:]


# --- a worksheet's XML ---------------------------------------------------------------------------

_CELL_R = re.compile(rb'\br\s*=\s*["\']\$?([A-Z]{1,3})\$?(\d+)["\']')
_ROW_R = re.compile(rb'\br\s*=\s*["\'](\d+)["\']')
_TAB_SELECTED = re.compile(rb'\s+tabSelected\s*=\s*["\'](?:1|true)["\']')
# CT_Worksheet's children that come after legacyDrawing (mc:AlternateContent wraps oleObjects, controls).
_AFTER_LEGACY_DRAWING = (b"legacyDrawingHF", b"drawingHF", b"picture", b"oleObjects", b"controls",
                         b"webPublishItems", b"tableParts", b"extLst", b"AlternateContent")


@dataclass
class _Row:
    r: int
    start: int
    open_end: int
    end: int  # just past </row>, or past the empty tag
    empty: bool


class Worksheet:
    """A worksheet's XML, with its sheetData and the elements around it located."""

    def __init__(self, xml: bytes):
        self.p = root_prefix(xml, b"worksheet")
        self._set(xml)

    def _set(self, xml: bytes) -> None:
        self.xml = xml
        self.root_start, self.content, self.root_close = root_content(xml)
        m = rx(rb"<<P>sheetData\b[^>]*?(/?)>", self.p).search(xml)
        if not m:
            raise PatchError("no sheetData")
        self.data_start, self.body = m.start(), m.end()
        self.data_empty = bool(m.group(1))  # <sheetData/>
        if m.group(1):
            self.body_end = self.data_end = m.end()
        else:
            self.body_end = xml.find(b"</" + self.p + b"sheetData", m.end())
            if self.body_end < 0:
                raise PatchError("unclosed sheetData")
            self.data_end = xml.find(b">", self.body_end) + 1
        self._head: list[Element] | None = None
        self._tail: list[Element] | None = None
        self._rows: list[_Row] | None = None

    @property
    def head(self) -> list[Element]:
        """The elements before sheetData (sheetPr, sheetViews, cols, …)."""
        if self._head is None:
            self._head = children(self.xml, self.content, self.data_start)
        return self._head

    @property
    def tail(self) -> list[Element]:
        """The elements after sheetData (mergeCells, hyperlinks, pageSetup, legacyDrawing, …)."""
        if self._tail is None:
            self._tail = children(self.xml, self.data_end, self.root_close)
        return self._tail

    # rows and cells
    def _all_rows(self) -> list[_Row]:
        if self._rows is None:
            out, last, pos = [], 0, self.body
            tag, close = rx(rb"<<P>row\b([^>]*?)(/?)>", self.p), b"</" + self.p + b"row>"
            while m := tag.search(self.xml, pos, self.body_end):
                r = _ROW_R.search(m.group(1))
                last = int(r.group(1)) if r else last + 1  # a row without r follows the one before
                if m.group(2):
                    out.append(_Row(last, m.start(), m.end(), m.end(), True))
                    pos = m.end()
                    continue
                end = self.xml.find(close, m.end(), self.body_end)
                if end < 0:
                    raise PatchError("unclosed row")
                out.append(_Row(last, m.start(), m.end(), end + len(close), False))
                pos = end + len(close)
            self._rows = out
        return self._rows

    def _row(self, r: int) -> tuple[_Row | None, int]:
        """The row numbered r; or None and where it goes."""
        # Excel, LibreOffice and the libraries write r first: one search finds the row.
        hit = self.xml.find(b"<" + self.p + b'row r="%d"' % r, self.body, self.body_end)
        if hit >= 0:
            m = rx(rb"<<P>row\b[^>]*?(/?)>", self.p).match(self.xml, hit)
            if m.group(1):
                return _Row(r, hit, m.end(), m.end(), True), -1
            close = b"</" + self.p + b"row>"
            end = self.xml.find(close, m.end(), self.body_end)
            if end < 0:
                raise PatchError("unclosed row")
            return _Row(r, hit, m.end(), end + len(close), False), -1
        for row in self._all_rows():
            if row.r == r:
                return row, -1
            if row.r > r:
                return None, row.start
        return None, self.body_end

    def _cells(self, row: _Row) -> dict[int, tuple[int, int, bytes]]:
        """Column -> (start, open-tag end, open tag) of each cell of a row."""
        out, last = {}, 0
        for m in rx(rb"<<P>c\b[^>]*?/?>", self.p).finditer(self.xml, row.open_end, row.end):
            r = _CELL_R.search(m.group(0))
            last = column_number(r.group(1).decode()) if r else last + 1  # a cell without r follows
            out[last] = (m.start(), m.end(), m.group(0))
        return out

    def _column_formats(self) -> dict[int, int]:
        cols = find(self.head, b"cols")
        out: dict[int, int] = {}
        if cols is not None:
            for m in rx(rb"<<P>col\b([^>]*?)/?>", self.p).finditer(self.xml, cols.start, cols.end):
                a = attrs(m.group(1))
                if b"style" in a and b"min" in a:
                    lo, hi = int(a[b"min"]), int(a.get(b"max", a[b"min"]))
                    for c in range(lo, min(hi, 16384) + 1):
                        out[c] = int(a[b"style"])
        return out

    def restyle(self, cells: dict[tuple[int, int], str], new_format) -> None:
        """Give each (row, col) the cell format new_format(its format now, cells[(row, col)]); a cell
        (or row) that is not written yet is made, with the format it shows (its row's or column's)."""
        self._expand_empty_data()
        p = self.p
        edits: list[tuple[int, int, int, bytes]] = []  # (start, end, order, new bytes)
        col_formats = None
        by_row: dict[int, list[int]] = {}
        for r, c in cells:
            by_row.setdefault(r, []).append(c)
        for r, cols in sorted(by_row.items()):
            row, insert_at = self._row(r)
            row_attrs = attrs(self.xml[row.start:row.open_end]) if row else {}
            if row_attrs.get(b"customFormat") in (b"1", b"true") and row_attrs.get(b"s", b"").isdigit():
                shown = {c: int(row_attrs[b"s"]) for c in cols}
            else:
                col_formats = self._column_formats() if col_formats is None else col_formats
                shown = {c: col_formats.get(c, 0) for c in cols}
            existing = {} if row is None or row.empty else None
            new_cells: list[tuple[int, bytes]] = []
            for c in sorted(cols):
                ref = (column_letters(c) + str(r)).encode()
                found = None
                if existing is None:
                    hit = self.xml.find(b"<" + p + b'c r="' + ref + b'"', row.open_end, row.end)
                    if hit >= 0:
                        m = rx(rb"<<P>c\b[^>]*?/?>", p).match(self.xml, hit)
                        found = (hit, m.end(), m.group(0))
                    else:
                        existing = self._cells(row)
                if found is None and existing:
                    found = existing.get(c)
                if found:
                    start, end, tag = found
                    s = attrs(tag).get(b"s", b"0")
                    fmt = new_format(int(s) if s.isdigit() else 0, cells[(r, c)])
                    edits.append((start, end, 0, set_attr(tag, b"s", str(fmt).encode())))
                else:
                    fmt = new_format(shown[c], cells[(r, c)])
                    new_cells.append((c, b"<" + p + b'c r="' + ref + b'" s="' + str(fmt).encode() + b'"/>'))
            if not new_cells:
                continue
            if row is None:
                xml = b"<" + p + b'row r="%d">' % r + b"".join(x for _, x in new_cells) + b"</" + p + b"row>"
                edits.append((insert_at, insert_at, len(edits), xml))
                continue
            # The row's spans (a hint of its first and last cells) may not hold any more.
            tag = set_attr(self.xml[row.start:row.open_end], b"spans", None)
            if row.empty:
                tag = tag[:-2].rstrip() + b">"
                edits.append((row.start, row.end, 0, tag + b"".join(x for _, x in new_cells) + b"</" + p + b"row>"))
                continue
            edits.append((row.start, row.open_end, 0, tag))
            existing = self._cells(row) if existing is None else existing
            starts = sorted((col, at[0]) for col, at in existing.items())
            close = row.end - len(b"</" + p + b"row>")
            for c, xml in new_cells:
                at = next((s for col, s in starts if col > c), close)
                edits.append((at, at, len(edits), xml))
        self._apply(edits)

    def _apply(self, edits: list[tuple[int, int, int, bytes]]) -> None:
        xml = self.xml
        # From the end backwards; at one offset the replaced tag first, then what goes before it.
        for start, end, _, new in sorted(edits, key=lambda e: (e[0], e[1] > e[0], e[2]), reverse=True):
            xml = xml[:start] + new + xml[end:]
        self._set(xml)

    def _expand_empty_data(self) -> None:
        if self.data_empty:
            tag = self.xml[self.data_start:self.data_end]
            self._set(self.xml[:self.data_start] + tag[:-2].rstrip() + b"></" + self.p + b"sheetData>"
                      + self.xml[self.data_end:])

    def unselect(self) -> None:
        """The sheet's tab is no longer selected (the new first sheet is)."""
        if b"tabSelected" in self.xml[self.content:self.data_start]:
            views = find(self.head, b"sheetViews")
            if views is not None:
                part = _TAB_SELECTED.sub(b"", self.xml[views.start:views.end])
                self._set(self.xml[:views.start] + part + self.xml[views.end:])

    def legacy_drawing(self) -> str | None:
        """The relationship id of the sheet's legacy (VML) drawing, if it has one."""
        el = find(self.tail, b"legacyDrawing")
        if el is None:
            return None
        rid = next((v for k, v in attrs(self.xml[el.start:el.open_end]).items() if k.endswith(b":id")), None)
        if rid is None:
            raise PatchError("legacyDrawing without r:id")
        return text_of(rid)

    def add_legacy_drawing(self, rid: str) -> None:
        prefix, declaration = declare_rel_prefix(self.xml, self.root_start, self.content)
        el = b"<" + self.p + b"legacyDrawing " + prefix + b':id="' + rid.encode() + b'"/>'
        xml = insert_before(self.xml, self.tail, _AFTER_LEGACY_DRAWING, self.root_close, el)
        if declaration:
            xml = xml[:self.content - 1] + declaration + xml[self.content - 1:]
        self._set(xml)


# --- texts longer than a cell holds --------------------------------------------------------------

_TEXT_ELEMENT = re.compile(rb"<((?:\w+:)?t)\b[^>]*>([^<]*)</\1>")


def fit_long_texts(xml: bytes) -> bytes:
    """The part with every text element longer than a cell holds cut (see fit_text); the same object
    when there is none. Such a run is found by looking at every MAX_CELL_TEXT-th byte only."""
    if len(xml) <= MAX_CELL_TEXT:
        return xml
    out, last, seen = [], 0, -1
    for pos in range(MAX_CELL_TEXT, len(xml), MAX_CELL_TEXT):
        lo, hi = xml.rfind(b"<", 0, pos), xml.find(b"<", pos)
        hi = len(xml) if hi < 0 else hi
        if hi - lo - 1 <= MAX_CELL_TEXT or lo == seen:
            continue
        seen = lo
        m = _TEXT_ELEMENT.match(xml, lo)  # the long run starts with a text element's open tag
        if not m:
            continue
        text = text_of(m.group(2))
        if len(text) > MAX_CELL_TEXT:
            out += [xml[last:m.start(2)], esc(fit_text(text)).encode()]
            last = m.end(2)
    if not out:
        return xml
    out.append(xml[last:])
    return b"".join(out)


# --- comments: a comments part and the legacy VML drawing that shows them --------------------------

_VML_NS = (b'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
           b'xmlns:x="urn:schemas-microsoft-com:office:excel"')
_SHAPETYPE = (b'<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
              b'<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')


def _shape(n: int, row: int, col: int, width: int, height: int, ns: bytes = b"") -> bytes:
    return (b"<v:shape " + ns + f'id="_x0000_s{n}" type="#_x0000_t202" style="position:absolute;'
            f'margin-left:59.25pt;margin-top:1.5pt;width:{width}px;height:{height}px;z-index:{n % 1024 + 1};'
            f'visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            f'<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            f'<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            f'<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:AutoFill>False</x:AutoFill>'
            f'<x:Row>{row - 1}</x:Row><x:Column>{col - 1}</x:Column></x:ClientData></v:shape>'.encode())


def _ref(rc: tuple[int, int]) -> bytes:
    return f"{column_letters(rc[1])}{rc[0]}".encode()


def _text(text: str, p: bytes = b"") -> bytes:
    return b"<" + p + b't xml:space="preserve">' + esc(cell_text(text)).encode() + b"</" + p + b"t>"


def add_comments(wb: Workbook, part: str, sheet: Worksheet, marks: list[Mark], author: str) -> None:
    """Comments on the marked cells. Comments the sheet has stay: a marked cell that has one keeps
    its text, and ours follows it."""
    pkg, rels_part = wb.pkg, rels_name(part)
    rels = Rels(pkg.get(rels_part))
    located = [(address(m.cell), m) for m in marks]
    have: set[tuple[int, int]] = set()
    existing = rels.of_type("comments")
    if existing:
        cpart = resolve(part, existing[0].target)
        cxml = pkg.get(cpart)
        if cxml is None:
            raise PatchError("comments part missing")
        merged, have = _merge_comments(cxml, located, author)
        pkg.put(cpart, merged)
    else:
        cpart = pkg.free_name("xl/comments{}.xml")
        body = b"".join(b'<comment ref="' + _ref(rc) + b'" authorId="0"><text>' + _text(m.comment) + b"</text></comment>"
                        for rc, m in located)
        pkg.put(cpart, DECL + b'<comments xmlns="' + NS_MAIN + b'"><authors><author>' + esc(author).encode()
                + b"</author></authors><commentList>" + body + b"</commentList></comments>")
        pkg.override(cpart, _CT_COMMENTS)
        rels.add("comments", relative(part, cpart))
    shapes = [(rc, m) for rc, m in located if rc not in have]
    rid = sheet.legacy_drawing()
    if rid is not None:  # the sheet's drawing (its comments' shapes, form controls) gets ours too
        rel = rels.by_id(rid)
        vpart = resolve(part, rel.target) if rel else ""
        vml = pkg.get(vpart) if rel else None
        if vml is None:
            raise PatchError("legacy drawing missing")
        if shapes:
            pkg.put(vpart, _merge_vml(vml, shapes))
    elif shapes:
        vpart = pkg.free_name("xl/drawings/vmlDrawing{}.vml")
        # Shape ids come in blocks of 1024 per drawing: a block no other drawing of the workbook uses.
        block = 1 + max([int(n) for name in pkg.names if name.lower().endswith(".vml")
                         for n in re.findall(rb'\bdata="(\d+)', pkg.get(name))] or [0])
        body = b"".join(_shape(block * 1024 + 1 + i, r, c, m.width, m.height) for i, ((r, c), m) in enumerate(shapes))
        pkg.put(vpart, b"<xml " + _VML_NS + b'><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="'
                + str(block).encode() + b'"/></o:shapelayout>' + _SHAPETYPE + body + b"</xml>")
        pkg.default("vml", _CT_VML)
        sheet.add_legacy_drawing(rels.add("vmlDrawing", relative(part, vpart)))
    if rels.changed:
        pkg.put(rels_part, rels.bytes())


def _merge_comments(cxml: bytes, located: list[tuple[tuple[int, int], Mark]], author: str
                    ) -> tuple[bytes, set[tuple[int, int]]]:
    """The comments part with ours added; and the marked cells that had a comment already."""
    p = root_prefix(cxml, b"comments")
    names = [text_of(a) for a in rx(rb"<<P>author\b[^>]*>(.*?)</<P>author>", p, re.DOTALL).findall(cxml)]
    if author in names:
        author_id = names.index(author)
    else:
        author_id = len(names)
        close = cxml.find(b"</" + p + b"authors>")
        if close < 0:
            raise PatchError("comments without authors")
        cxml = cxml[:close] + b"<" + p + b"author>" + esc(author).encode() + b"</" + p + b"author>" + cxml[close:]
    found = {}
    for m in rx(rb"<<P>comment\b([^>]*)>(.*?)</<P>comment>", p, re.DOTALL).finditer(cxml):
        ref = attrs(m.group(1)).get(b"ref", b"")
        if _ADDRESS.match(ref.decode("ascii", "replace").upper()):
            found[address(ref.decode())] = m
    inserts, added, have = [], [], set()
    for rc, mark in located:
        if rc in found:
            m = found[rc]
            close = cxml.rfind(b"</" + p + b"text>", m.start(2), m.end(2))
            if close < 0:
                raise PatchError("comment without text")
            inner = cxml[m.start(2):close]
            stops = [i for i in (inner.find(b"<" + p + b"rPh"), inner.find(b"<" + p + b"phoneticPr")) if i >= 0]
            run = b"<" + p + b"r>" + _text("\n\n" + mark.comment, p) + b"</" + p + b"r>"
            inserts.append((m.start(2) + min(stops or [len(inner)]), run))
            have.add(rc)
        else:
            added.append(b"<" + p + b'comment ref="' + _ref(rc) + b'" authorId="' + str(author_id).encode() + b'"><'
                         + p + b"text>" + _text(mark.comment, p) + b"</" + p + b"text></" + p + b"comment>")
    for pos, new in sorted(inserts, reverse=True):
        cxml = cxml[:pos] + new + cxml[pos:]
    close = cxml.rfind(b"</" + p + b"commentList>")
    if close >= 0:
        return cxml[:close] + b"".join(added) + cxml[close:], have
    empty = rx(rb"<<P>commentList\s*/>", p).search(cxml)
    if not empty:
        raise PatchError("comments without a list")
    return (cxml[:empty.start()] + b"<" + p + b"commentList>" + b"".join(added) + b"</" + p + b"commentList>"
            + cxml[empty.end():]), have


def _merge_vml(vml: bytes, shapes: list[tuple[tuple[int, int], Mark]]) -> bytes:
    close = vml.rfind(b"</xml>")
    if close < 0:
        raise PatchError("legacy drawing without </xml>")
    root = re.match(rb"\s*(?:<\?[^>]*\?>\s*)?<xml\b([^>]*)>", vml)
    declared = root is not None and all(ns in root.group(1) for ns in _VML_NS.split(b" "))
    ns = b"" if declared else _VML_NS + b" "  # else each shape declares the prefixes it uses
    ids = [int(n) for n in re.findall(rb"_x0000_s(\d+)", vml)]
    block = re.search(rb'\bdata="(\d+)', vml)
    first = max(ids + [int(block.group(1)) * 1024 if block else 1024]) + 1
    add = b"" if b'"_x0000_t202"' in vml else _SHAPETYPE.replace(b"<v:shapetype ", b"<v:shapetype " + ns, 1)
    add += b"".join(_shape(first + i, r, c, m.width, m.height, ns) for i, ((r, c), m) in enumerate(shapes))
    return vml[:close] + add + vml[close:]


# --- the new first sheet -------------------------------------------------------------------------

def _number(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    return str(value) if isinstance(value, int) else repr(value)


def render_sheet(sheet: NewSheet, styles: Styles) -> bytes:
    """The new sheet's XML: inline strings (a text starting with "=" stays text), merges, widths,
    heights, internal links, frozen header, print setup, selected tab."""
    rows, last_col, formats = [], len(sheet.widths), {}
    for r in sorted(set(sheet.cells) | set(sheet.heights)):
        height = sheet.heights.get(r)
        out = [f'<row r="{r}" ht="{height:g}" customHeight="1">' if height else f'<row r="{r}">']
        for c, value, style in sorted(sheet.cells.get(r, ()), key=lambda x: x[0]):
            last_col = max(last_col, c)
            s = formats.get(id(style))
            if s is None:
                s = formats[id(style)] = styles.cell_format(style)
            ref = f"{column_letters(c)}{r}"
            number = _number(value)
            if number is not None:
                out.append(f'<c r="{ref}" s="{s}"><v>{number}</v></c>')
            elif value is None or value == "":
                out.append(f'<c r="{ref}" s="{s}"/>')
            else:
                out.append(f'<c r="{ref}" s="{s}" t="inlineStr"><is><t xml:space="preserve">{esc(cell_text(value))}'
                           f"</t></is></c>")
        out.append("</row>")
        rows.append("".join(out))
    last_row = max(list(sheet.cells) + list(sheet.heights) + [1])
    parts = ['<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">']
    if sheet.landscape:
        parts.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
    parts.append(f'<dimension ref="A1:{column_letters(max(last_col, 1))}{last_row}"/>'
                 '<sheetViews><sheetView tabSelected="1" workbookViewId="0">')
    if sheet.freeze_row and sheet.freeze_row > 1:
        top = f"A{sheet.freeze_row}"
        parts.append(f'<pane ySplit="{sheet.freeze_row - 1}" topLeftCell="{top}" activePane="bottomLeft" '
                     f'state="frozen"/><selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>')
    parts.append('</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>')
    if sheet.widths:
        parts.append("<cols>" + "".join(f'<col min="{c}" max="{c}" width="{w:g}" customWidth="1"/>'
                                         for c, w in enumerate(sheet.widths, start=1)) + "</cols>")
    parts.append("<sheetData>" + "".join(rows) + "</sheetData>")
    if sheet.merges:
        parts.append(f'<mergeCells count="{len(sheet.merges)}">'
                     + "".join(f'<mergeCell ref="{m}"/>' for m in sheet.merges) + "</mergeCells>")
    if sheet.links:
        parts.append("<hyperlinks>" + "".join(f'<hyperlink ref="{ref}" location="{esc_attr(loc)}"/>'
                                              for ref, loc in sheet.links.items()) + "</hyperlinks>")
    parts.append('<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>')
    if sheet.landscape:
        parts.append('<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>')
    parts.append("</worksheet>")
    return DECL + "".join(parts).encode()


# CT_Workbook's children that come after definedNames.
_AFTER_DEFINED_NAMES = (b"calcPr", b"oleSize", b"customWorkbookViews", b"pivotCaches", b"smartTagPr",
                        b"smartTagTypes", b"webPublishing", b"fileRecoveryPr", b"webPublishObjects", b"extLst")


def insert_first_sheet(wb: Workbook, sheet: NewSheet, xml: bytes) -> None:
    """Add the sheet's part and list it first in workbook.xml, as the active tab; names local to a
    sheet are renumbered, as every sheet moves one place."""
    pkg, p = wb.pkg, wb.p
    part = pkg.free_name("xl/worksheets/sheet{}.xml")
    pkg.put(part, xml)
    pkg.override(part, _CT_SHEET)
    rid = wb.rels.add("worksheet", relative(wb.part, part))
    book = pkg.get(wb.part)
    root_start, content, close = root_content(book)
    top = children(book, content, close)
    rprefix, declaration = declare_rel_prefix(book, root_start, content)
    sheets = find(top, b"sheets")
    if sheets is None or sheets.empty:
        raise PatchError("a workbook without sheets")
    ids = [int(x) for x in re.findall(rb'\bsheetId\s*=\s*["\'](\d+)["\']', book[sheets.start:sheets.end])]
    edits = [(sheets.open_end, sheets.open_end,
              b"<" + p + b'sheet name="' + esc_attr(sheet.name).encode() + b'" sheetId="'
              + str(max(ids + [0]) + 1).encode() + b'" ' + rprefix + b':id="' + rid.encode() + b'"/>')]
    views = find(top, b"bookViews")
    if views is None:
        edits.append((sheets.start, sheets.start, b"<" + p + b"bookViews><" + p + b"workbookView/></" + p + b"bookViews>"))
    else:  # the first tab (ours) is the active one and the first shown
        new = rx(rb"<<P>workbookView\b[^>]*?/?>", p).sub(
            lambda m: set_attr(set_attr(m.group(0), b"activeTab", None), b"firstSheet", None), book[views.start:views.end])
        edits.append((views.start, views.end, new))
    title = b""
    if sheet.title_row:
        ref = f"{quote_sheet(sheet.name)}!${sheet.title_row}:${sheet.title_row}"
        title = (b"<" + p + b'definedName name="_xlnm.Print_Titles" localSheetId="0">' + esc(ref).encode()
                 + b"</" + p + b"definedName>")
    names = find(top, b"definedNames")
    if names is None:
        if title:
            at = next((e.start for e in top if e.name in _AFTER_DEFINED_NAMES), close)
            edits.append((at, at, b"<" + p + b"definedNames>" + title + b"</" + p + b"definedNames>"))
    else:
        block = re.sub(rb'(\blocalSheetId\s*=\s*["\'])(\d+)(["\'])',
                       lambda m: m.group(1) + str(int(m.group(2)) + 1).encode() + m.group(3),
                       book[names.start:names.end])
        if names.empty:
            block = block[:-2].rstrip() + b">" + title + b"</" + p + b"definedNames>"
        else:
            cut = names.open_end - names.start
            block = block[:cut] + title + block[cut:]
        edits.append((names.start, names.end, block))
    if declaration:
        edits.append((content - 1, content - 1, declaration))
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1] > e[0]), reverse=True):
        book = book[:start] + new + book[end:]
    pkg.put(wb.part, book)


def drop_calc_chain(wb: Workbook) -> None:
    """The calculation chain numbers sheets by position; Excel rebuilds it when it is missing."""
    for rel in wb.rels.of_type("calcChain"):
        part = resolve(wb.part, rel.target)
        wb.pkg.drop(part)
        wb.pkg.drop_override(part)
    wb.rels.remove_type("calcChain")


_HEADING_PAIRS = re.compile(rb"<(\w+:)?HeadingPairs>\s*<(\w+:)?vector\b[^>]*>\s*<(\w+:)?variant>\s*<(\w+:)?lpstr>"
                            rb"[^<]*</\4lpstr>\s*</\3variant>\s*<\3variant>\s*<(\w+:)?i4>(\d+)</\5i4>")
_TITLES = re.compile(rb"<(?:\w+:)?TitlesOfParts>\s*<((?:\w+:)?)vector\b([^>]*)>")


def list_in_app_properties(wb: Workbook, name: str, worksheets: int) -> None:
    """docProps/app.xml names the sheets: the new one goes first when the list is the usual one (the
    first heading pair counts the worksheets, as many as the workbook has); else it stays as it is."""
    rels = Rels(wb.pkg.get("_rels/.rels")).of_type("extended-properties")
    part = resolve("", rels[0].target) if rels else "docProps/app.xml"
    xml = wb.pkg.get(part)
    if xml is None:
        return
    pairs, titles = _HEADING_PAIRS.search(xml), _TITLES.search(xml)
    size = re.search(rb'\bsize\s*=\s*["\'](\d+)["\']', titles.group(2)) if titles else None
    if not pairs or not size or int(pairs.group(6)) != worksheets or titles.start() < pairs.end():
        return
    vt = titles.group(1)
    opening = titles.group(0).replace(size.group(0), b'size="' + str(int(size.group(1)) + 1).encode() + b'"')
    xml = (xml[:pairs.start(6)] + str(worksheets + 1).encode() + xml[pairs.end(6):titles.start()] + opening
           + b"<" + vt + b"lpstr>" + esc(name).encode() + b"</" + vt + b"lpstr>" + xml[titles.end():])
    wb.pkg.put(part, xml)


# --- all of it -----------------------------------------------------------------------------------

def apply(wb: Workbook, marks: list[Mark], sheet: NewSheet, author: str) -> None:
    """Fill and comment the marked cells, insert `sheet` first; cut texts longer than a cell holds."""
    styles = Styles(wb)
    by_sheet: dict[str, list[Mark]] = {}
    for m in marks:
        by_sheet.setdefault(m.sheet, []).append(m)
    if set(by_sheet) - set(wb.sheet_names):
        raise PatchError("marks on a sheet the workbook does not have")
    worksheets = 0
    for ref in wb.sheets:
        xml = wb.pkg.get(ref.part)
        if xml is None:
            raise PatchError(f"sheet part {ref.part} missing")
        if ref.kind != "worksheet":
            if b"tabSelected" in xml:
                wb.pkg.put(ref.part, _TAB_SELECTED.sub(b"", xml))
            continue
        worksheets += 1
        mine = by_sheet.get(ref.name)
        fitted = fit_long_texts(xml)
        if not mine and fitted is xml and b"tabSelected" not in xml[:xml.find(b"sheetData")]:
            continue
        ws = Worksheet(fitted)
        if mine:
            ws.restyle({address(m.cell): m.fill for m in mine}, styles.with_fill)
            add_comments(wb, ref.part, ws, mine, author)
        ws.unselect()
        wb.pkg.put(ref.part, ws.xml)
    for rel in wb.rels.of_type("sharedStrings"):
        part = resolve(wb.part, rel.target)
        xml = wb.pkg.get(part)
        if xml is not None and (fitted := fit_long_texts(xml)) is not xml:
            wb.pkg.put(part, fitted)
    insert_first_sheet(wb, sheet, render_sheet(sheet, styles))
    styles.save()
    drop_calc_chain(wb)
    list_in_app_properties(wb, sheet.name, worksheets)
