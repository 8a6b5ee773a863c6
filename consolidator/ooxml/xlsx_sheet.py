"""The cells of a workbook's XML, edited as bytes: text that fits a cell, cell addresses, cell formats
appended to styles.xml, and a worksheet's rows and cells located and given a format (made where
missing). Used by consolidator.ooxml.xlsx_patch; free of openpyxl.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from consolidator.ooxml.cells import MAX_CELL_TEXT, fit_text, row_height  # noqa: F401 (used by xlsxpatch)
from consolidator.ooxml.cells import column_letter as column_letters
from consolidator.ooxml.package import (DECL, Element, PatchError, attrs, children, declare_rel_prefix, esc, find,
                                insert_before, relative, resolve, root_content, root_prefix, rx, set_attr, text_of)

_CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"

_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def cell_text(value: object) -> str:
    """A value as a cell's text: characters XML 1.0 cannot hold dropped, cut to Excel's limit."""
    return fit_text(_XML_ILLEGAL.sub("", str(value)))


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

    def __init__(self, wb):
        """`wb`: an ooxml.xlsx_patch.Workbook."""
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


def unselect_tab(xml: bytes) -> bytes:
    """A sheet's views (a worksheet's or a chart sheet's) without a selected tab."""
    return _TAB_SELECTED.sub(b"", xml)
# CT_Worksheet's children that come after legacyDrawing (mc:AlternateContent wraps oleObjects, controls).
_AFTER_LEGACY_DRAWING = (b"legacyDrawingHF", b"drawingHF", b"picture", b"oleObjects", b"controls",
                         b"webPublishItems", b"tableParts", b"extLst", b"AlternateContent")


class _Row:
    """A row located in the sheet's XML: its number, its open tag, its end (past </row> or the empty
    tag)."""

    __slots__ = ("r", "start", "open_end", "end", "empty")

    def __init__(self, r: int, start: int, open_end: int, end: int, empty: bool):
        self.r, self.start, self.open_end, self.end, self.empty = r, start, open_end, end, empty


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

    def _row(self, r: int, after: int | None = None) -> tuple[_Row | None, int]:
        """The row numbered r; or None and where it goes. `after`: where an earlier row (a lower r)
        starts, so that rows looked up in order are found in one pass over the sheet, not one each."""
        # Excel, LibreOffice and the libraries write r first: one search finds the row.
        tag = b"<" + self.p + b'row r="%d"' % r
        hit = self.xml.find(tag, after, self.body_end) if after is not None else -1
        if hit < 0:
            hit = self.xml.find(tag, self.body, self.body_end)
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
        after = None
        for r, cols in sorted(by_row.items()):
            row, insert_at = self._row(r, after)
            if row is not None:
                after = row.start
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
        """Make every edit in one pass over the sheet (a copy of the sheet per edit cost seconds for a
        large sheet with many remarks). At one offset, what is inserted there comes first, in its
        order, then the tag replaced there."""
        xml, out, pos = self.xml, [], 0
        for start, end, _, new in sorted(edits, key=lambda e: (e[0], e[1] > e[0], e[2])):
            out.append(xml[pos:start])
            out.append(new)
            pos = end
        out.append(xml[pos:])
        self._set(b"".join(out))

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
                part = unselect_tab(self.xml[views.start:views.end])
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

_TEXT_ELEMENT = rb"<((?:\w+:)?t)\b[^>]*>([^<]*)</\1>"


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
        m = rx(_TEXT_ELEMENT).match(xml, lo)  # the long run starts with a text element's open tag
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
