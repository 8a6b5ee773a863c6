"""Patch a workbook's package instead of loading and saving it: fill and comment some cells of the
author's sheets and insert a new first sheet, in a few milliseconds.

Only what must change is edited, in the XML bytes (consolidator.ooxml.package reads and writes the package,
consolidator.ooxml.xlsx_sheet edits styles and cells, consolidator.ooxml.xlsx_comments adds comments):

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

from consolidator.ooxml.package import (DECL, Package, PatchError, Rels, attrs, children, declare_rel_prefix, esc, esc_attr,
                                find, relative, rels_name, resolve, root_content, root_prefix, rx, set_attr, text_of)
from consolidator.ooxml.xlsx_sheet import (MAX_CELL_TEXT, Style, Styles, Worksheet, address, cell_text, column_letters,
                                    fit_long_texts, fit_text, row_height, unselect_tab)
from consolidator.ooxml.xlsx_comments import Mark, add_comments

__all__ = ["MAX_CELL_TEXT", "Mark", "NewSheet", "PatchError", "Style", "Workbook", "address", "apply", "cell_text",
           "column_letters", "fit_text", "free_sheet_name", "quote_sheet", "row_height"]

NS_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


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


# --- what the caller asks for besides cell marks (xlsxcomments.Mark) and styles (xlsxcells.Style) ---

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

    def set_row(self, row: int, values, styles) -> None:
        """A whole row from column A, a style per value: the way to fill a long sheet."""
        self.cells[row] = list(zip(range(1, len(values) + 1), values, styles))


_MERGE_CELL = (rb'<(?:\w+:)?mergeCell\b[^>]*?\bref\s*=\s*["\']\$?([A-Z]{1,3}\$?\d+):\$?([A-Z]{1,3}\$?\d+)["\']')


# --- the workbook --------------------------------------------------------------------------------

class SheetRef:
    """A sheet of the workbook: its name, its part, its kind ("worksheet", "chartsheet", …)."""

    __slots__ = ("name", "part", "kind")

    def __init__(self, name: str, part: str, kind: str):
        self.name, self.part, self.kind = name, part, kind


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
                (address(a.decode()), address(b.decode())) for a, b in rx(_MERGE_CELL).findall(xml, at - 8)]
        r, c = address(cell)
        for (r1, c1), (r2, c2) in self._merges[sheet]:
            if min(r1, r2) <= r <= max(r1, r2) and min(c1, c2) <= c <= max(c1, c2):
                return f"{column_letters(min(c1, c2))}{min(r1, r2)}"
        return cell

    def bytes(self) -> bytes:
        if self.rels.changed:
            self.pkg.put(rels_name(self.part), self.rels.bytes())
        return self.pkg.bytes()


# --- the new first sheet -------------------------------------------------------------------------

def _number(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    return str(value) if isinstance(value, int) else repr(value)


def render_sheet(sheet: NewSheet, styles: Styles, selected: bool = True) -> bytes:
    """The new sheet's XML: inline strings (a text starting with "=" stays text), merges, widths,
    heights, internal links, frozen header, print setup, the tab selected (unless `selected` is False:
    a sheet added after the others)."""
    rows, last_col, formats = [], len(sheet.widths), {}
    letters: list[str] = []
    # A cell's XML after its reference, by value and style: a long sheet repeats its values (a
    # municipality, a file, a score), and each is escaped once. Texts, the usual cells, are looked up
    # by (text, style); other values by their type too (1, 1.0 and True are equal keys).
    texts: dict[tuple, str] = {}
    others: dict[tuple, str] = {}

    def tail_of(value: object, style: Style) -> str:
        s = formats.get(id(style))
        if s is None:
            s = formats[id(style)] = styles.cell_format(style)
        number = _number(value)
        if number is not None:
            return f'" s="{s}"><v>{number}</v></c>'
        if value is None or value == "":
            return f'" s="{s}"/>'
        return f'" s="{s}" t="inlineStr"><is><t xml:space="preserve">{esc(cell_text(value))}</t></is></c>'

    for r in sorted(set(sheet.cells) | set(sheet.heights)):
        height = sheet.heights.get(r)
        out = [f'<row r="{r}" ht="{height:g}" customHeight="1">' if height else f'<row r="{r}">']
        cells = sheet.cells.get(r, ())
        if any(cells[i][0] >= cells[i + 1][0] for i in range(len(cells) - 1)):
            cells = sorted(cells, key=lambda x: x[0])
        if cells and cells[-1][0] > len(letters):
            letters.extend(column_letters(n) for n in range(len(letters) + 1, cells[-1][0] + 1))
            last_col = max(last_col, cells[-1][0])
        ref = str(r)
        for c, value, style in cells:
            if type(value) is str:
                key = (value, id(style))
                tail = texts.get(key)
                if tail is None:
                    tail = texts[key] = tail_of(value, style)
            elif isinstance(value, (int, float)) or value is None:
                key = (type(value), value, id(style))
                tail = others.get(key)
                if tail is None:
                    tail = others[key] = tail_of(value, style)
            else:
                tail = tail_of(value, style)
            out.append(f'<c r="{letters[c - 1]}{ref}{tail}')
        out.append("</row>")
        rows.append("".join(out))
    last_row = max(list(sheet.cells) + list(sheet.heights) + [1])
    parts = ['<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">']
    if sheet.landscape:
        parts.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
    parts.append(f'<dimension ref="A1:{column_letters(max(last_col, 1))}{last_row}"/>'
                 '<sheetViews><sheetView' + (' tabSelected="1"' if selected else "") + ' workbookViewId="0">')
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


class _Listing:
    """A new sheet's part added to the package, and workbook.xml parsed to list it: `entry` is its
    <sheet> element; `edits` gather (start, end, bytes) replacements that `save` applies."""

    def __init__(self, wb: Workbook, name: str, xml: bytes):
        self.wb, self.p = wb, wb.p
        self.part = wb.pkg.free_name("xl/worksheets/sheet{}.xml")
        wb.pkg.put(self.part, xml)
        wb.pkg.override(self.part, _CT_SHEET)
        rid = wb.rels.add("worksheet", relative(wb.part, self.part))
        self.book = book = wb.pkg.get(wb.part)
        root_start, self.content, self.close = root_content(book)
        self.top = children(book, self.content, self.close)
        rprefix, self.declaration = declare_rel_prefix(book, root_start, self.content)
        self.sheets = find(self.top, b"sheets")
        if self.sheets is None or self.sheets.empty:
            raise PatchError("a workbook without sheets")
        ids = [int(x) for x in re.findall(rb'\bsheetId\s*=\s*["\'](\d+)["\']',
                                          book[self.sheets.start:self.sheets.end])]
        p = self.p
        self.entry = (b"<" + p + b'sheet name="' + esc_attr(name).encode() + b'" sheetId="'
                      + str(max(ids + [0]) + 1).encode() + b'" ' + rprefix + b':id="' + rid.encode() + b'"/>')
        self.edits: list[tuple[int, int, bytes]] = []

    def save(self) -> None:
        book = self.book
        if self.declaration:
            self.edits.append((self.content - 1, self.content - 1, self.declaration))
        for start, end, new in sorted(self.edits, key=lambda e: (e[0], e[1] > e[0]), reverse=True):
            book = book[:start] + new + book[end:]
        self.wb.pkg.put(self.wb.part, book)


def insert_first_sheet(wb: Workbook, sheet: NewSheet, xml: bytes) -> None:
    """Add the sheet's part and list it first in workbook.xml, as the active tab; names local to a
    sheet are renumbered, as every sheet moves one place."""
    listing = _Listing(wb, sheet.name, xml)
    book, top, p, sheets, edits = listing.book, listing.top, listing.p, listing.sheets, listing.edits
    edits.append((sheets.open_end, sheets.open_end, listing.entry))
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
            at = next((e.start for e in top if e.name in _AFTER_DEFINED_NAMES), listing.close)
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
    listing.save()


def append_sheet(wb: Workbook, sheet: NewSheet) -> None:
    """Add `sheet` after the workbook's sheets (not the active tab), its styles appended to the
    workbook's: how a sheet too long for the library that wrote the rest of the workbook is added to it."""
    styles = Styles(wb)
    xml = render_sheet(sheet, styles, selected=False)
    listing = _Listing(wb, sheet.name, xml)
    book, top, p, sheets, edits = listing.book, listing.top, listing.p, listing.sheets, listing.edits
    at = book.rfind(b"</" + p + b"sheets>", sheets.start, sheets.end)
    edits.append((at, at, listing.entry))
    if sheet.title_row:
        ref = f"{quote_sheet(sheet.name)}!${sheet.title_row}:${sheet.title_row}"
        title = (b"<" + p + b'definedName name="_xlnm.Print_Titles" localSheetId="' + str(len(wb.sheets)).encode()
                 + b'">' + esc(ref).encode() + b"</" + p + b"definedName>")
        names = find(top, b"definedNames")
        if names is None:
            at = next((e.start for e in top if e.name in _AFTER_DEFINED_NAMES), listing.close)
            edits.append((at, at, b"<" + p + b"definedNames>" + title + b"</" + p + b"definedNames>"))
        elif names.empty:
            edits.append((names.start, names.end, b"<" + p + b"definedNames>" + title + b"</" + p + b"definedNames>"))
        else:
            end = book.rfind(b"</" + p + b"definedNames>", names.start, names.end)
            edits.append((end, end, title))
    listing.save()
    styles.save()
    wb.sheets.append(SheetRef(sheet.name, listing.part, "worksheet"))


def drop_calc_chain(wb: Workbook) -> None:
    """The calculation chain numbers sheets by position; Excel rebuilds it when it is missing."""
    for rel in wb.rels.of_type("calcChain"):
        part = resolve(wb.part, rel.target)
        wb.pkg.drop(part)
        wb.pkg.drop_override(part)
    wb.rels.remove_type("calcChain")


_HEADING_PAIRS = (rb"<(\w+:)?HeadingPairs>\s*<(\w+:)?vector\b[^>]*>\s*<(\w+:)?variant>\s*<(\w+:)?lpstr>"
                            rb"[^<]*</\4lpstr>\s*</\3variant>\s*<\3variant>\s*<(\w+:)?i4>(\d+)</\5i4>")
_TITLES = (rb"<(?:\w+:)?TitlesOfParts>\s*<((?:\w+:)?)vector\b([^>]*)>")


def list_in_app_properties(wb: Workbook, name: str, worksheets: int) -> None:
    """docProps/app.xml names the sheets: the new one goes first when the list is the usual one (the
    first heading pair counts the worksheets, as many as the workbook has); else it stays as it is."""
    rels = Rels(wb.pkg.get("_rels/.rels")).of_type("extended-properties")
    part = resolve("", rels[0].target) if rels else "docProps/app.xml"
    xml = wb.pkg.get(part)
    if xml is None:
        return
    pairs, titles = rx(_HEADING_PAIRS).search(xml), rx(_TITLES).search(xml)
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
                wb.pkg.put(ref.part, unselect_tab(xml))
            continue
        worksheets += 1
        mine = by_sheet.get(ref.name)
        fitted = fit_long_texts(xml)
        if not mine and fitted is xml and b"tabSelected" not in xml[:xml.find(b"sheetData")]:
            continue
        ws = Worksheet(fitted)
        if mine:
            ws.restyle({address(m.cell): m.fill for m in mine}, styles.with_fill)
            add_comments(wb.pkg, ref.part, ws, mine, author)
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
