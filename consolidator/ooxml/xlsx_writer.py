"""A small streaming writer for the workbooks we create from scratch (the consolidated list, the
protocol, the journal report).

openpyxl keeps every cell as an object and costs about half a millisecond per row written; this
writer turns each row into XML as it comes and streams it into the sheet's zip member, so time is
linear in rows and memory does not grow with the sheet. It writes only what our outputs use: a style
registry (fonts, fills, borders, alignment, number formats), column widths, row heights, merged
cells, frozen panes, an autofilter, page setup with a footer, print titles and print area.

Values keep their type: text is always a string cell (a value starting with "=" stays text; there is
no way to write a formula), numbers are numbers, dates are numbers with a date format. Characters XML
1.0 cannot hold are dropped and a text too long for Excel is cut with a note (`xlsx.fit_text`).

    with Workbook(path) as book:
        bold = book.style(font=Font(bold=True), border=BOX)
        with book.sheet("Лист", widths=(20, 40), freeze="A2") as ws:
            ws.row(1, ("Графа", "Значение"), bold)
            ws.row(2, ("Строк", 42))

The workbook is written to the path given; a caller that must not leave half a file behind writes to
a temporary path and renames it (consolidator.outputs.atomic).
"""
from __future__ import annotations

import numbers
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import lru_cache
from itertools import chain, islice, repeat
from pathlib import Path
from typing import Iterable, Sequence

from consolidator.ooxml.cells import MAX_CELL_TEXT, cell_ref, column_letter, fit_text

# XML 1.0 cannot hold these; lone surrogates cannot even be encoded as UTF-8.
_EXCEL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Distinct texts kept in the shared-string table; later new texts are written inline in their cells,
# so that the table, the one part held in memory until the end, stays bounded whatever the input.
SHARED_STRINGS_MAX = 200_000
# Rows gathered before they are compressed into the sheet's zip member.
_CHUNK_ROWS = 1000
# Fast deflate: the sheets are regular XML that compresses well even at level 1.
COMPRESS_LEVEL = 1

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument"
_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_EXCEL_EPOCH = date(1899, 12, 30).toordinal()
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
_RGB = re.compile("[0-9A-Fa-f]{6}")
# LibreOffice reads row heights of a file from an application named "Microsoft…" the way Excel lays
# them out (slightly tighter); openpyxl names itself so, and our height estimates were tuned on that.
_APPLICATION = "Microsoft Excel Compatible / consolidator"


# ---------------------------------------------------------------------------------------------------
# Style parts


@dataclass(frozen=True)
class Font:
    name: str = "Calibri"
    size: float = 11
    bold: bool = False
    italic: bool = False
    color: str | None = None  # RRGGBB


@dataclass(frozen=True)
class Border:
    """Line style per side ("thin", "medium"…; None: no line), one colour for all."""
    left: str | None = None
    right: str | None = None
    top: str | None = None
    bottom: str | None = None
    color: str = "000000"


@dataclass(frozen=True)
class Align:
    horizontal: str | None = None  # left, center, right…
    vertical: str | None = None  # top, center, bottom
    wrap: bool = False


BOX = Border("thin", "thin", "thin", "thin")
DEFAULT_FONT = Font()
DATE_FORMAT = "DD.MM.YYYY"


@dataclass(frozen=True)
class Page:
    """Print setup of a sheet. `fit_width` pages across (None: print at 100 %), `fit_height` pages
    down (0: as many as needed); `footer` in Excel's header/footer codes ("&C&8 Страница &P из &N")."""
    landscape: bool = True
    paper: int = 9  # A4
    fit_width: int | None = 1
    fit_height: int = 0
    margins: tuple[float, float, float, float, float, float] = (0.5, 0.5, 0.6, 0.6, 0.3, 0.3)  # l r t b hdr ftr
    center: bool = True
    header: str = ""
    footer: str = ""


# ---------------------------------------------------------------------------------------------------
# Text and cells


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    return escape(text).replace('"', "&quot;")


def clean_text(text: str) -> str:
    """A text as a cell can hold it: XML-illegal characters dropped, an over-long text cut with a note,
    and a literal «_x0041_» kept literal (Excel reads _xHHHH_ in a cell's text as an escaped character,
    so its underscore is written as _x005F_ first)."""
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub("", text)
    if len(text) > MAX_CELL_TEXT:
        text = fit_text(text)
    if "_x" in text:
        text = _EXCEL_ESCAPE.sub(r"_x005F_\1", text)
    return text


def _text_node(text: str) -> str:
    """`<t>` with the cleaned, escaped text; spaces at either end are kept only when marked."""
    text = escape(clean_text(text))
    if text[:1].isspace() or text[-1:].isspace():
        return f'<t xml:space="preserve">{text}</t>'
    return f"<t>{text}</t>"


def _parse_ref(ref: str) -> tuple[int, int]:
    """(row, col) of "B4"."""
    m = re.fullmatch(r"([A-Z]{1,3})([1-9][0-9]*)", ref)
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def excel_serial(value: date) -> float | int:
    """Excel's day number (1900 date system) of a date or datetime."""
    days = value.toordinal() - _EXCEL_EPOCH
    if isinstance(value, datetime):
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return days + seconds / 86400 if seconds else days
    return days


def _number(value: float) -> str | None:
    """The XML form of a float; None for NaN and infinities, which a cell cannot hold."""
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


# ---------------------------------------------------------------------------------------------------
# Row heights


@lru_cache(maxsize=1 << 16)  # a list repeats its groups, services and points many times
def wrapped_lines(text: str, width_chars: float, size_pt: float = 11, bold: bool = False) -> int:
    """How many lines `text` takes when wrapped at word boundaries in a column `width_chars` wide
    (Excel width units, about one digit of the default 11 pt font each)."""
    capacity = max(1.0, (width_chars - 1) * 11 / size_pt * (0.97 if bold else 1.07))
    lines = 0
    for part in str(text).split("\n"):
        if len(part) <= capacity:
            lines += 1
            continue
        used = 0
        lines += 1
        for word in part.split():
            n = len(word)
            if used and used + 1 + n > capacity:
                lines += 1
                used = 0
            if n > capacity:  # a word longer than the line is broken anywhere
                lines += int((used + n - 1) // capacity)
                used = (used + n) % capacity or capacity
            else:
                used += n + (1 if used else 0)
    return max(1, lines)


def lines_height(lines: int, size_pt: float = 11) -> float:
    return round(lines * size_pt * 1.22 + 4, 1)


def text_height(text: str, width_chars: float, size_pt: float = 11, bold: bool = False) -> float:
    """Row height in points for wrapped text in a cell `width_chars` wide.

    Not every spreadsheet fits row heights to wrapped text when it opens a file (LibreOffice does
    not for these files, and merged cells are never fitted), so heights are set from this estimate.
    It is calibrated on Excel's metrics; where the default font is replaced by a wider one, columns
    widen more than text does, so the text still fits.
    """
    return lines_height(wrapped_lines(text, width_chars, size_pt, bold), size_pt)


def fit_height(values: Iterable[object], widths: Sequence[float], size_pt: float = 11,
               bold: bool = False) -> float | None:
    """The height of a row of wrapped cells that shows its tallest text whole; None for a row of one
    line, which keeps the default height (a bold row is always set: bold type is taller)."""
    lines = 1
    for value, width in zip(values, widths):
        if type(value) is str and value:
            n = wrapped_lines(value, width, size_pt, bold)
            if n > lines:
                lines = n
    if lines > 1 or bold:
        return lines_height(lines, size_pt)
    return None


def row_heights(columns: Sequence[Sequence[object]], widths: Sequence[float], size_pt: float = 11,
                bold: bool = False) -> list[float | None]:
    """`fit_height` of every row of a table given column by column, each distinct text measured once
    (a long list repeats its groups, services and points)."""
    per_column = []
    for values, width in zip(columns, widths):
        lines = {v: wrapped_lines(v, width, size_pt, bold) for v in set(values) if type(v) is str and v}
        if any(n > 1 for n in lines.values()):
            per_column.append(list(map(lines.get, values, repeat(1))))
    n_rows = len(columns[0]) if columns else 0
    if not per_column:
        return [lines_height(1, size_pt) if bold else None] * n_rows
    most = list(map(max, zip(*per_column))) if len(per_column) > 1 else per_column[0]
    heights = {n: lines_height(n, size_pt) if n > 1 or bold else None for n in set(most)}
    return list(map(heights.__getitem__, most))


# ---------------------------------------------------------------------------------------------------
# The workbook


class Workbook:
    """A new workbook written sheet by sheet; use it as a context manager (see the module docstring).

    Sheets are written one after another, each in its own `with book.sheet(...)` block; styles may be
    added at any time. `active` is the (0-based) sheet shown on opening.
    """

    def __init__(self, path: Path, *, title: str | None = None, creator: str = "consolidator", active: int = 0,
                 shared_strings_max: int = SHARED_STRINGS_MAX):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._zip = zipfile.ZipFile(Path(path), "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL)
        self._title, self._creator = title, creator
        self._sheets: list[Sheet] = []
        self._open: Sheet | None = None
        self._closed = False
        self.active = active  # the sheet shown on opening, 0-based
        # Style tables: index 0 of each is the default; fill 1 is the gray125 pattern the format requires.
        self._fonts: dict[Font, int] = {DEFAULT_FONT: 0}
        self._fills: dict[str | None, int] = {None: 0}
        self._borders: dict[Border | None, int] = {None: 0}
        self._num_fmts: dict[str, int] = {}
        self._xfs: dict[tuple, int] = {(0, 0, 0, 0, None): 0}
        # Shared strings: text -> index, in order of first use; and per style, the cells' XML after
        # their reference (see _Tails). Both stop growing at `shared_strings_max` texts.
        self._strings: dict[str, int] = {}
        self._tails: dict[int, _Tails] = {}
        self._strings_max = shared_strings_max

    # -- context manager ---------------------------------------------------------------------------

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            self.close()
        else:
            self._abort(exc_type, exc, tb)
        return False

    def _abort(self, exc_type, exc, tb) -> None:
        """Stop writing: the file is left unfinished, for the caller to remove."""
        self._closed = True
        try:
            if self._open is not None:
                self._open._fh.close()
            self._zip.close()
        except Exception:  # the file is not usable anyway; the original error is what matters
            pass

    # -- styles ------------------------------------------------------------------------------------

    def style(self, *, font: Font | None = None, fill: str | None = None, border: Border | None = None,
              align: Align | None = None, num_fmt: str | None = None) -> int:
        """The cell style (an index to pass to `Sheet.row`) for these parts; equal parts, equal index.
        `fill` is a solid colour RRGGBB; `num_fmt` an Excel number format code."""
        for color in (fill, font and font.color, border and border.color):
            if color and not _RGB.fullmatch(color):
                raise ValueError(f"not a colour RRGGBB: {color!r}")
        font_id = self._fonts.setdefault(font or DEFAULT_FONT, len(self._fonts))
        fill_id = self._fills.setdefault(fill.upper(), len(self._fills) + 1) if fill else 0
        border_id = self._borders.setdefault(border if border != Border() else None, len(self._borders))
        fmt_id = self._num_fmts.setdefault(num_fmt, 164 + len(self._num_fmts)) if num_fmt else 0
        align = align if align != Align() else None
        return self._xfs.setdefault((font_id, fill_id, border_id, fmt_id, align), len(self._xfs))

    # -- sheets ------------------------------------------------------------------------------------

    def sheet(self, name: str, *, widths: Sequence[float] = (), freeze: str | None = None,
              page: Page | None = None, hidden: bool = False) -> Sheet:
        """Start the next sheet. `widths` of columns A, B… in Excel units; `freeze` the top-left cell
        of the scrolling part ("A4" keeps rows 1-3 in view); a `hidden` sheet holds what other sheets
        refer to (a drop-down's values), out of the reader's way."""
        if self._open is not None:
            raise RuntimeError(f"sheet {self._open.name!r} is still being written")
        if self._closed:
            raise RuntimeError("the workbook is closed")
        if not name or len(name) > 31 or _SHEET_NAME_BAD.search(name) or name[0] == "'" or name[-1] == "'":
            raise ValueError(f"not a valid sheet name: {name!r}")
        if any(s.name.casefold() == name.casefold() for s in self._sheets):
            raise ValueError(f"duplicate sheet name: {name!r}")
        sheet = Sheet(self, name, len(self._sheets) + 1, widths, freeze, page)
        sheet.hidden = hidden
        self._sheets.append(sheet)
        self._open = sheet
        return sheet

    def _tails_of(self, style: int) -> _Tails:
        tails = self._tails.get(style)
        if tails is None:
            tails = self._tails[style] = _Tails(self, style)
        return tails

    # -- closing -----------------------------------------------------------------------------------

    def close(self) -> None:
        """Finish the file."""
        if self._closed:
            return
        try:
            self._finish()
        except BaseException as e:
            self._abort(type(e), e, e.__traceback__)
            raise
        self._closed = True

    def _finish(self) -> None:
        if self._open is not None:
            self._open.close()
        if not self._sheets:
            raise ValueError("a workbook needs at least one sheet")
        if not 0 <= self.active < len(self._sheets):
            raise ValueError(f"no sheet {self.active} to make active")
        z = self._zip
        has_strings = bool(self._strings)
        self._write_strings()
        z.writestr("xl/styles.xml", self._styles_xml())
        z.writestr("xl/workbook.xml", self._workbook_xml())
        n = len(self._sheets)
        rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, n + 1))
        rels += f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        if has_strings:
            rels += f'<Relationship Id="rId{n + 2}" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        z.writestr("xl/_rels/workbook.xml.rels", f'{_DECL}<Relationships xmlns="{_NS_PKG_REL}">{rels}</Relationships>')
        z.writestr("_rels/.rels", (
            f'{_DECL}<Relationships xmlns="{_NS_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            f'<Relationship Id="rId2" Type="{_NS_PKG_REL}/metadata/core-properties" Target="docProps/core.xml"/>'
            f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
            "</Relationships>"))
        z.writestr("docProps/core.xml", self._core_xml())
        z.writestr("docProps/app.xml", self._app_xml())
        z.writestr("[Content_Types].xml", self._content_types(has_strings))
        z.close()

    def _write_strings(self) -> None:
        if not self._strings:
            return
        with self._zip.open("xl/sharedStrings.xml", "w") as fh:
            fh.write(f'{_DECL}<sst xmlns="{_NS}" uniqueCount="{len(self._strings)}">'.encode())
            buf: list[str] = []
            for text in self._strings:  # dicts keep insertion order: the order of the indexes
                buf.append(f"<si>{_text_node(text)}</si>")
                if len(buf) >= 4096:
                    fh.write("".join(buf).encode())
                    buf.clear()
            buf.append("</sst>")
            fh.write("".join(buf).encode())
        self._strings.clear()
        self._tails.clear()

    def _styles_xml(self) -> str:
        fmts = "".join(f'<numFmt numFmtId="{i}" formatCode="{_attr(code)}"/>' for code, i in self._num_fmts.items())
        fonts = []
        for f in self._fonts:
            parts = ('<b val="1"/>' if f.bold else "") + ('<i val="1"/>' if f.italic else "")
            parts += f'<sz val="{f.size:g}"/>'
            parts += f'<color rgb="FF{f.color.upper()}"/>' if f.color else ""
            parts += f'<name val="{_attr(f.name)}"/>'
            parts += '<family val="2"/>' if f == DEFAULT_FONT else ""
            fonts.append(f"<font>{parts}</font>")
        fills = ['<fill><patternFill patternType="none"/></fill>', '<fill><patternFill patternType="gray125"/></fill>']
        fills += [f'<fill><patternFill patternType="solid"><fgColor rgb="FF{c}"/><bgColor indexed="64"/>'
                  "</patternFill></fill>" for c in self._fills if c]
        borders = []
        for b in self._borders:
            sides = ""
            for side in ("left", "right", "top", "bottom"):
                line = getattr(b, side) if b else None
                sides += (f'<{side} style="{line}"><color rgb="FF{b.color.upper()}"/></{side}>' if line
                          else f"<{side}/>")
            borders.append(f"<border>{sides}<diagonal/></border>")
        xfs = []
        for (font_id, fill_id, border_id, fmt_id, align) in self._xfs:
            attrs = f'numFmtId="{fmt_id}" fontId="{font_id}" fillId="{fill_id}" borderId="{border_id}" xfId="0"'
            attrs += ' applyNumberFormat="1"' if fmt_id else ""
            attrs += ' applyFont="1"' if font_id else ""
            attrs += ' applyFill="1"' if fill_id else ""
            attrs += ' applyBorder="1"' if border_id else ""
            if align is None:
                xfs.append(f"<xf {attrs}/>")
                continue
            a = (f' horizontal="{align.horizontal}"' if align.horizontal else "") + (
                f' vertical="{align.vertical}"' if align.vertical else "") + (' wrapText="1"' if align.wrap else "")
            xfs.append(f'<xf {attrs} applyAlignment="1"><alignment{a}/></xf>')
        return (f'{_DECL}<styleSheet xmlns="{_NS}">'
                + (f'<numFmts count="{len(self._num_fmts)}">{fmts}</numFmts>' if fmts else "")
                + f'<fonts count="{len(fonts)}">{"".join(fonts)}</fonts>'
                f'<fills count="{len(fills)}">{"".join(fills)}</fills>'
                f'<borders count="{len(borders)}">{"".join(borders)}</borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium9" '
                'defaultPivotStyle="PivotStyleLight16"/></styleSheet>')

    def _workbook_xml(self) -> str:
        sheets = "".join(f'<sheet name="{_attr(s.name)}" sheetId="{s.index}"'
                         + (' state="hidden"' if s.hidden else "") + f' r:id="rId{s.index}"/>'
                         for s in self._sheets)
        names = []
        for i, s in enumerate(self._sheets):
            q = quote_sheet(s.name)
            if s._autofilter:
                names.append(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
                             f"{_attr(q)}!{_abs_range(s._autofilter)}</definedName>")
            if s.print_area:
                names.append(f'<definedName name="_xlnm.Print_Area" localSheetId="{i}">'
                             f"{_attr(q)}!{_abs_range(s.print_area)}</definedName>")
            if s.print_titles:
                first, last = s.print_titles
                names.append(f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
                             f"{_attr(q)}!${first}:${last}</definedName>")
        defined = f"<definedNames>{''.join(names)}</definedNames>" if names else ""
        return (f'{_DECL}<workbook xmlns="{_NS}" xmlns:r="{_NS_R}"><workbookPr/>'
                f'<bookViews><workbookView activeTab="{self.active}"/></bookViews>'
                f"<sheets>{sheets}</sheets>{defined}</workbook>")

    def _core_xml(self) -> str:
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        title = f"<dc:title>{escape(self._title)}</dc:title>" if self._title else ""
        return (f'{_DECL}<cp:coreProperties '
                'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
                f"{title}<dc:creator>{escape(self._creator)}</dc:creator>"
                f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
                f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified></cp:coreProperties>')

    def _app_xml(self) -> str:
        n = len(self._sheets)
        titles = "".join(f"<vt:lpstr>{escape(s.name)}</vt:lpstr>" for s in self._sheets)
        return (f'{_DECL}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
                'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
                f"<Application>{_APPLICATION}</Application>"
                '<HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Листы</vt:lpstr>'
                f'</vt:variant><vt:variant><vt:i4>{n}</vt:i4></vt:variant></vt:vector></HeadingPairs>'
                f'<TitlesOfParts><vt:vector size="{n}" baseType="lpstr">{titles}</vt:vector></TitlesOfParts>'
                "</Properties>")

    def _content_types(self, has_strings: bool) -> str:
        parts = [("/xl/workbook.xml", f"{_CT}.spreadsheetml.sheet.main+xml"),
                 ("/xl/styles.xml", f"{_CT}.spreadsheetml.styles+xml"),
                 ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
                 ("/docProps/app.xml", f"{_CT}.extended-properties+xml")]
        parts += [(f"/xl/worksheets/sheet{s.index}.xml", f"{_CT}.spreadsheetml.worksheet+xml") for s in self._sheets]
        if has_strings:
            parts.append(("/xl/sharedStrings.xml", f"{_CT}.spreadsheetml.sharedStrings+xml"))
        overrides = "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in parts)
        return (f'{_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                f'<Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>')


def _abs_range(ref: str) -> str:
    """'A1:E9' -> '$A$1:$E$9'."""
    return ":".join(re.sub(r"([A-Z]+)([0-9]+)", r"$\1$\2", part) for part in ref.split(":"))


class _Tails(dict):
    """What follows `<c r="B7` in the XML of a cell of one style, by value: `" s="3" t="s"><v>17</v></c>`.

    A text's tail is the same in every row, so it is worked out once and kept from its second time on
    (while the shared string table has room; later new texts go inline and are not kept); a number's
    is made each time.
    Only str keys are stored: 1 and True are equal as keys but not as cells.
    """

    def __init__(self, book: Workbook, style: int):
        super().__init__()
        self.book, self.style = book, style

    def __missing__(self, value: object) -> str:
        t = type(value)
        if t is int:
            return f'" s="{self.style}"><v>{value}</v></c>'
        if t is not str or not value:
            return self.of(value)
        strings = self.book._strings
        i = strings.get(value)
        if i is None:
            if len(strings) >= self.book._strings_max:
                return f'" s="{self.style}" t="inlineStr"><is>{_text_node(value)}</is></c>'
            # A text met for the first time keeps no tail: most texts of a region's list come once (its
            # services' names), and their tails took 20-30 MiB at 10,000 files.
            i = strings[value] = len(strings)
            return f'" s="{self.style}" t="s"><v>{i}</v></c>'
        tail = self[value] = f'" s="{self.style}" t="s"><v>{i}</v></c>'
        return tail

    def of(self, value: object) -> str:
        """The tail of any value: None and "" an empty (styled) cell; str text; int, float numbers;
        date and datetime numbers (for a style with a date format); bool and other objects text."""
        s = self.style
        empty = f'" s="{s}"/>' if s else '"/>'
        if value is None:
            return empty
        if isinstance(value, str):
            return self[str(value)] if value else empty
        if isinstance(value, bool):  # text, as openpyxl-era outputs showed it
            return self[str(value)]
        if isinstance(value, int):
            return f'" s="{s}"><v>{int(value)}</v></c>'
        if isinstance(value, float):
            v = _number(value)
            return f'" s="{s}"><v>{v}</v></c>' if v is not None else empty
        if isinstance(value, date):
            return f'" s="{s}"><v>{excel_serial(value)}</v></c>'
        if type(value).__name__ in ("NAType", "NaTType"):  # pandas' missing values
            return empty
        if hasattr(value, "item") and not isinstance(value, bytes):  # a numpy scalar: its Python value
            item = value.item()
            if type(item) is not type(value):
                return self.of(item)
        if isinstance(value, numbers.Real):  # Decimal, Fraction
            return self.of(float(value))
        text = str(value)
        return self[text] if text else empty


class Sheet:
    """One worksheet being streamed: rows go in increasing order, straight to the zip member.

    Merges, the autofilter, print titles and print area may be set at any time before the sheet (for
    the last two, the workbook) is closed; widths, frozen panes and page setup are given up front
    because they precede the rows in the file.
    """

    def __init__(self, book: Workbook, name: str, index: int, widths: Sequence[float], freeze: str | None,
                 page: Page | None):
        self.book, self.name, self.index = book, name, index
        self.page = page
        self.hidden = False
        self.print_titles: tuple[int, int] | None = None  # first and last row repeated on every page
        self.print_area: str | None = None  # "A1:F40"
        self._autofilter: str | None = None
        self._validations: list[str] = []
        self._merges: list[str] = []
        self._merged: set[tuple[int, int]] = set()
        self._last_row = 0
        self._letters: list[str] = [column_letter(c) for c in range(1, 27)]
        self._buf: list[str] = []
        self._rows_in_buf = 0
        self._fh = book._zip.open(f"xl/worksheets/sheet{index}.xml", "w")
        self._fh.write(self._head(widths, freeze).encode())

    def __enter__(self) -> Sheet:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            self.close()
        else:
            self._fh.close()
            self.book._open = None
        return False

    def _head(self, widths: Sequence[float], freeze: str | None) -> str:
        fit = self.page is not None and self.page.fit_width is not None
        selected = ' tabSelected="1"' if self.book.active == self.index - 1 else ""
        pane = ""
        if freeze and freeze != "A1":
            row, col = _parse_ref(freeze)
            split = (f' xSplit="{col - 1}"' if col > 1 else "") + (f' ySplit="{row - 1}"' if row > 1 else "")
            which = "bottomRight" if row > 1 and col > 1 else "bottomLeft" if row > 1 else "topRight"
            pane = (f'<pane{split} topLeftCell="{freeze}" activePane="{which}" state="frozen"/>'
                    f'<selection pane="{which}" activeCell="{freeze}" sqref="{freeze}"/>')
        cols = "".join(f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>' for i, w in enumerate(widths, 1))
        return (f'{_DECL}<worksheet xmlns="{_NS}" xmlns:r="{_NS_R}">'
                + ('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' if fit else "")
                + f'<sheetViews><sheetView workbookViewId="0"{selected}>{pane}</sheetView></sheetViews>'
                '<sheetFormatPr defaultRowHeight="15"/>'
                + (f"<cols>{cols}</cols>" if cols else "")
                + "<sheetData>")

    # -- rows --------------------------------------------------------------------------------------

    def row(self, r: int, values: Sequence[object], style: int | Sequence[int] = 0, *,
            height: float | None = None, first_col: int = 1) -> None:
        """Write row `r` (1-based, greater than the last one written) from column `first_col`.

        `style` is one style index for every cell or one per value. None and "" leave a cell empty
        (still styled, so that borders and fills show); str is text; int, float are numbers; date
        and datetime are numbers (give them a style with a date format); anything else is text.
        """
        tails = self._start(r, style)
        self._reach(first_col + len(values) - 1)
        self._buf.append(self._row_xml(r, values, height, tails,
                                       self._letters if first_col == 1 else self._letters[first_col - 1:]))
        self._wrote(r, 1)

    def rows(self, r: int, rows: Iterable[Sequence[object]], style: int | Sequence[int] = 0,
             heights: Iterable[float | None] | None = None, *, first_col: int = 1) -> int:
        """Write `rows` from row `r` down, as `row` does, with one style (or one per column) for all
        and a height for each (None: the default); return the row after the last. The way to write
        a long table: the per-row work is done once."""
        tails = self._start(r, style)
        rows, heights = iter(rows), None if heights is None else iter(heights)
        while chunk := list(islice(rows, _CHUNK_ROWS)):
            tall = [None] * len(chunk) if heights is None else list(islice(heights, len(chunk)))
            tall += [None] * (len(chunk) - len(tall))
            lengths = set(map(len, chunk))
            self._reach(first_col + max(lengths) - 1)
            if len(lengths) == 1 and len(chunk) > 1:
                self._buf.append(self._chunk(r, chunk, tall, tails, first_col))
            else:
                self._buf.extend(self._ragged(r, chunk, tall, tails, first_col))
            self._wrote(r, len(chunk))
            r += len(chunk)
        return r

    def _start(self, r: int, style: int | Sequence[int]):
        """Before rows from `r` (after the last written): the tails of `style` column by column (one
        style repeated for every column, or one per column)."""
        if r <= self._last_row:
            raise ValueError(f"row {r} of sheet {self.name!r} comes after row {self._last_row}")
        if type(style) is int:
            return repeat(self.book._tails_of(style))
        return [self.book._tails_of(s) for s in style]

    def _reach(self, last_col: int) -> None:
        """The letters of the columns up to `last_col` (beyond column Z)."""
        if last_col > len(self._letters):
            self._letters.extend(column_letter(c) for c in range(len(self._letters) + 1, last_col + 1))

    def _wrote(self, r: int, n: int) -> None:
        """Rows r .. r + n - 1 are in the buffer: written out every _CHUNK_ROWS rows."""
        self._last_row = r + n - 1
        self._rows_in_buf += n
        if self._rows_in_buf >= _CHUNK_ROWS:
            self._flush()

    def _chunk(self, r: int, chunk: list[Sequence[object]], heights: list, tails, first_col: int) -> str:
        """The XML of rows of equal length, a column at a time: each column's cells are looked up in its
        style's tails (_Tails) at once, and the rows are put together by `join` over their pieces: no
        Python step per cell but for a text met for the first time (a long list is written about twice
        as fast as a row at a time; a text's index in the shared strings is then given in column order
        within the chunk)."""
        numbers = list(map(str, range(r, r + len(chunk))))
        pieces: list = [repeat('<row r="'), numbers,
                        [f'" ht="{h:g}" customHeight="1">' if h else '">' for h in heights]]
        letters = self._letters[first_col - 1:]
        columns = zip(*chunk) if len(chunk[0]) else ()
        for letter, column, tail in zip(letters, columns, tails):
            if set(map(type, column)) == {int}:  # numbers (a row's number): formatted, not looked up
                cells = list(map(f'" s="{tail.style}"><v>%d</v></c>'.__mod__, column))
            else:
                try:
                    cells = list(map(tail.__getitem__, column))
                except TypeError:  # an unhashable value
                    cells = [tail.of(v) for v in column]
            pieces += [repeat(f'<c r="{letter}'), numbers, cells]
        pieces.append(repeat("</row>"))
        return "".join(chain.from_iterable(zip(*pieces)))

    def _ragged(self, r: int, chunk: list[Sequence[object]], heights: list, tails, first_col: int):
        """The XML of rows of differing lengths, a row at a time."""
        letters = self._letters[first_col - 1:]
        return [self._row_xml(n, values, height, tails, letters)
                for n, values, height in zip(range(r, r + len(chunk)), chunk, heights)]

    @staticmethod
    def _row_xml(r: int, values: Sequence[object], height: float | None, tails, letters: list[str]) -> str:
        rs = str(r)
        try:
            cells = "".join([f'<c r="{c}{rs}{tail[v]}' for c, v, tail in zip(letters, values, tails)])
        except TypeError:  # an unhashable value
            cells = "".join([f'<c r="{c}{rs}{tail.of(v)}' for c, v, tail in zip(letters, values, tails)])
        head = f'<row r="{rs}" ht="{height:g}" customHeight="1">' if height else f'<row r="{rs}">'
        return head + cells + "</row>"

    def _flush(self) -> None:
        if self._buf:
            self._fh.write("".join(self._buf).encode())
            self._buf.clear()
        self._rows_in_buf = 0

    # -- sheet-level settings ----------------------------------------------------------------------

    def merge(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        """Merge a range (a single cell is left alone); overlapping merges make Excel repair the file,
        so they are refused."""
        if last_row < first_row or last_col < first_col:
            raise ValueError("a merge goes from its top-left to its bottom-right cell")
        if (last_row, last_col) == (first_row, first_col):
            return
        cells = {(r, c) for r in range(first_row, last_row + 1) for c in range(first_col, last_col + 1)}
        if cells & self._merged:
            raise ValueError(f"merge {cell_ref(first_row, first_col)}:{cell_ref(last_row, last_col)} overlaps another")
        self._merged |= cells
        self._merges.append(f"{cell_ref(first_row, first_col)}:{cell_ref(last_row, last_col)}")

    def autofilter(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        self._autofilter = f"{cell_ref(first_row, first_col)}:{cell_ref(last_row, last_col)}"

    def choice(self, ref: str, source: str, prompt: str = "", strict: bool = False) -> None:
        """A drop-down list on the cells `ref` ("F5:F40") from the cells `source` ("'Списки'!$A$1:$A$3",
        which may be on a hidden sheet: a list written inline may not pass 255 characters). A value not
        in the list is refused when `strict`, else Excel only warns of it."""
        style = "" if strict else ' errorStyle="warning"'
        text = f' promptTitle="" prompt="{_attr(prompt[:255])}"' if prompt else ""
        self._validations.append(
            f'<dataValidation type="list" allowBlank="1" showInputMessage="{int(bool(prompt))}" '
            f'showErrorMessage="1"{style}{text} sqref="{ref}"><formula1>{escape(source)}</formula1></dataValidation>')

    def close(self) -> None:
        if self._fh.closed:
            return
        self._buf.append("</sheetData>")
        if self._autofilter:
            self._buf.append(f'<autoFilter ref="{self._autofilter}"/>')
        if self._merges:
            self._buf.append(f'<mergeCells count="{len(self._merges)}">'
                             + "".join(f'<mergeCell ref="{m}"/>' for m in self._merges) + "</mergeCells>")
        if self._validations:
            self._buf.append(f'<dataValidations count="{len(self._validations)}">' + "".join(self._validations)
                             + "</dataValidations>")
        self._buf.append(self._page_xml())
        self._buf.append("</worksheet>")
        self._flush()
        self._fh.close()
        self._merged.clear()
        self.book._open = None

    def _page_xml(self) -> str:
        p = self.page
        if p is None:
            return '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        left, right, top, bottom, header, footer = p.margins
        out = '<printOptions horizontalCentered="1"/>' if p.center else ""
        out += (f'<pageMargins left="{left:g}" right="{right:g}" top="{top:g}" bottom="{bottom:g}" '
                f'header="{header:g}" footer="{footer:g}"/>')
        fit = f' fitToWidth="{p.fit_width}" fitToHeight="{p.fit_height}"' if p.fit_width is not None else ""
        out += (f'<pageSetup paperSize="{p.paper}"{fit} '
                f'orientation="{"landscape" if p.landscape else "portrait"}"/>')
        if p.header or p.footer:
            out += ("<headerFooter>" + (f"<oddHeader>{escape(p.header)}</oddHeader>" if p.header else "")
                    + (f"<oddFooter>{escape(p.footer)}</oddFooter>" if p.footer else "") + "</headerFooter>")
        return out
