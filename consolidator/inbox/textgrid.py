"""Tables that are text under a workbook's extension, as registries and other systems export them:
CSV, an HTML page with a <table>, and Excel 2003 XML Spreadsheet, all commonly saved as «.xls».

Each is turned into the same grid python-calamine gives for a workbook: one list of values per row,
0-based, a merged cell's value in its top-left cell and the merges listed as ((r1, c1), (r2, c2)).
Only the standard library parses CSV and HTML (html.parser resolves character references and knows
no external entities); XML Spreadsheet is parsed with defusedxml.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from defusedxml import ElementTree

MAX_SPAN_ROWS = 10_000  # a rowspan larger than this is clipped: a hostile page cannot blow up the grid
MAX_SPAN_COLS = 256
_DELIMITERS = (";", "\t", ",", "|")


@dataclass
class TextSheet:
    name: str
    rows: list[list] = field(default_factory=list)
    merges: list = field(default_factory=list)
    hidden: list[range] = field(default_factory=list)


def decode(data: bytes) -> str:
    """Text of a file exported in any of the encodings Russian systems use."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1251", "replace")


def sniff_text(data: bytes) -> tuple[str | None, str]:
    """("csv" | "html" | "xml2003", what it is) for a table; (None, what it is) otherwise."""
    text = decode(data)
    head = text[:8192].lstrip("\ufeff \t\r\n").lower()
    if head.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in text[:65536]:
        return "xml2003", "таблица Excel 2003 XML (XML Spreadsheet)"
    if head.startswith(("<!doctype html", "<html", "<table", "<meta", "<head", "<body")) or "<html" in head:
        if "<table" in text.lower():
            return "html", "веб-страница HTML с таблицей"
        return None, "веб-страница HTML без таблицы"
    if head.startswith("<"):
        return None, "файл XML"
    delimiter = csv_delimiter(text)
    if delimiter:
        shown = {"\t": "табуляцию"}.get(delimiter, f"«{delimiter}»")
        return "csv", f"текст CSV (значения через {shown})"
    return None, "текстовый файл"


def csv_delimiter(text: str) -> str | None:
    """The delimiter that splits most of the first lines into more than one column."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return None
    best, best_lines = None, 0
    for d in _DELIMITERS:
        n = sum(1 for line in lines if d in line)
        if n > best_lines:
            best, best_lines = d, n
    return best if best_lines >= max(1, len(lines) // 2) else None


def read_sheets(kind: str, data: bytes) -> list[TextSheet]:
    if kind == "csv":
        return [_read_csv(decode(data))]
    if kind == "html":
        return _read_html(decode(data))
    if kind == "xml2003":
        return _read_xml2003(data)
    raise ValueError(kind)


def _read_csv(text: str) -> TextSheet:
    delimiter = csv_delimiter(text) or ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            rows.append(list(row))
    except csv.Error:
        pass  # a broken quote at the end: what was read stands
    return TextSheet("CSV", rows)


class _Grid:
    """Cells placed row by row, skipping the positions taken by spans from the rows above."""

    def __init__(self, name: str):
        self.sheet = TextSheet(name)
        self.taken: set[tuple[int, int]] = set()
        self.row = -1
        self.col = 0

    def new_row(self) -> None:
        self.row += 1
        self.col = 0

    def put(self, value: str, rowspan: int = 1, colspan: int = 1) -> None:
        if self.row < 0:
            self.new_row()
        while (self.row, self.col) in self.taken:
            self.col += 1
        r, c = self.row, self.col
        rows = self.sheet.rows
        while len(rows) <= r:
            rows.append([])
        line = rows[r]
        line.extend([""] * (c + 1 - len(line)))
        line[c] = value
        rowspan = max(1, min(rowspan, MAX_SPAN_ROWS))
        colspan = max(1, min(colspan, MAX_SPAN_COLS))
        if rowspan > 1 or colspan > 1:
            self.sheet.merges.append(((r, c), (r + rowspan - 1, c + colspan - 1)))
            for dr in range(rowspan):
                for dc in range(colspan):
                    if dr or dc:
                        self.taken.add((r + dr, c + dc))
        self.col = c + colspan


def _span(value: str | None) -> int:
    try:
        return int(str(value).strip()) if value else 1
    except ValueError:
        return 1


class _TableParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.grids: list[_Grid] = []
        self.stack: list[_Grid] = []
        self.cell: list[str] | None = None
        self.cell_attrs: dict = {}
        self.skip = 0  # inside <script>/<style>

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "table":
            self._close_cell()
            grid = _Grid(f"Таблица {len(self.grids) + 1}")
            self.grids.append(grid)
            self.stack.append(grid)
        elif not self.stack:
            return
        elif tag == "tr":
            self._close_cell()
            self.stack[-1].new_row()
        elif tag in ("td", "th"):
            self._close_cell()
            self.cell, self.cell_attrs = [], dict(attrs)
        elif tag == "br" and self.cell is not None:
            self.cell.append("\n")
        elif tag in ("p", "div", "li") and self.cell:
            self.cell.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in ("td", "th"):
            self._close_cell()
        elif tag == "table" and self.stack:
            self._close_cell()
            self.stack.pop()

    def handle_data(self, data):
        if self.cell is not None and not self.skip:
            self.cell.append(data)

    def _close_cell(self):
        if self.cell is None or not self.stack:
            self.cell = None
            return
        text = "".join(self.cell)
        text = "\n".join(re.sub(r"[ \t\r\f\v\xa0]+", " ", line).strip() for line in text.split("\n")).strip()
        self.stack[-1].put(text, _span(self.cell_attrs.get("rowspan")), _span(self.cell_attrs.get("colspan")))
        self.cell = None


def _read_html(text: str) -> list[TextSheet]:
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    parser._close_cell()
    return [g.sheet for g in parser.grids if g.sheet.rows]


_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"


def _read_xml2003(data: bytes) -> list[TextSheet]:
    root = ElementTree.fromstring(data)
    sheets = []
    for ws in root.iter(f"{_SS}Worksheet"):
        grid = _Grid(ws.get(f"{_SS}Name") or f"Лист{len(sheets) + 1}")
        table = ws.find(f"{_SS}Table")
        if table is not None:
            for row in table.iter(f"{_SS}Row"):
                index = _span(row.get(f"{_SS}Index")) - 1 if row.get(f"{_SS}Index") else grid.row + 1
                grid.row, grid.col = max(index, grid.row + 1) - 1, 0
                grid.new_row()
                if row.get(f"{_SS}Hidden") in ("1", "true"):
                    grid.sheet.hidden.append(range(grid.row + 1, grid.row + 2))
                for cell in row.iter(f"{_SS}Cell"):
                    if cell.get(f"{_SS}Index"):
                        grid.col = max(grid.col, _span(cell.get(f"{_SS}Index")) - 1)
                    d = cell.find(f"{_SS}Data")
                    value = "".join(d.itertext()) if d is not None else ""
                    across = _span(cell.get(f"{_SS}MergeAcross")) + 1 if cell.get(f"{_SS}MergeAcross") else 1
                    down = _span(cell.get(f"{_SS}MergeDown")) + 1 if cell.get(f"{_SS}MergeDown") else 1
                    grid.put(value, down, across)
        sheets.append(grid.sheet)
    return sheets


class _Visible:
    def __init__(self, name: str):
        self.name = name
        import python_calamine

        self.visible = python_calamine.SheetVisibleEnum.Visible


class TextSheetReader:
    """One table with the part of python-calamine's CalamineSheet interface the readers use."""

    def __init__(self, sheet: TextSheet):
        self.name = sheet.name
        self._rows = sheet.rows
        self.merged_cell_ranges = list(sheet.merges)

    @property
    def start(self):
        return (0, 0) if self._rows else None

    def iter_rows(self):
        return iter(self._rows)

    def to_python(self, skip_empty_area: bool = True, nrows: int | None = None) -> list[list]:
        rows = self._rows if nrows is None else self._rows[:nrows]
        width = max((len(r) for r in rows), default=0)
        return [list(r) + [""] * (width - len(r)) for r in rows]


class TextWorkbook:
    """A CSV, HTML or XML Spreadsheet file read as a workbook (safety.Source of a text kind)."""

    def __init__(self, source):
        self.source = source
        self._sheets = read_sheets(source.kind, source.data or source.path.read_bytes())
        names: list[str] = []
        for s in self._sheets:
            name, n = s.name, 2
            while name in names:
                name, n = f"{s.name} ({n})", n + 1
            s.name = name
            names.append(name)
        self.sheet_names = names
        self.sheets_metadata = [_Visible(n) for n in names]

    def get_sheet_by_name(self, name: str) -> TextSheetReader:
        return TextSheetReader(self._sheets[self.sheet_names.index(name)])

    def hidden(self, name: str) -> list[range]:
        return self._sheets[self.sheet_names.index(name)].hidden

    def close(self) -> None:
        pass
