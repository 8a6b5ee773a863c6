"""Workbooks opened with python-calamine (or, for a CSV or HTML table under a workbook's extension,
with the same interface from inbox.textgrid), read row by row as plain values.

Only a file that inbox.safety.inspect let through is opened here.
"""
from __future__ import annotations

import zipfile
from datetime import date, datetime, time, timedelta
from itertools import islice
from pathlib import Path
from typing import Iterator

import python_calamine
from defusedxml import ElementTree

from consolidator.inbox.safety import (PASSWORD_REASON, SAVE_AS_XLSX, Limits, SheetInfo, Source, UnreadableError,
                                      inspect, natural_suffix)
from consolidator.profile.form import header_keys

_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


def open_workbook(path: Path | Source, limits: Limits | None = None):
    """A workbook reader for a file that safety.inspect let through: python-calamine's, or for a CSV
    or HTML table under a workbook's extension one with the same interface (textgrid)."""
    src = path if isinstance(path, Source) else inspect(Path(path), limits)
    if src.text:
        from consolidator.inbox.textgrid import TextWorkbook

        try:
            wb = TextWorkbook(src)
            for name in wb.sheet_names:
                src.sheets.setdefault(name, SheetInfo(hidden=wb.hidden(name)))
            return wb
        except Exception as exc:
            raise UnreadableError(f"Файл ({src.actual}) не удалось разобрать как таблицу: он поврежден. "
                                  f"{SAVE_AS_XLSX}") from exc
    suffix = src.path.suffix.lower().replace(".xlsm", ".xlsx")
    try:
        if src.as_is and suffix == natural_suffix(src.kind):
            return python_calamine.CalamineWorkbook.from_path(str(src.path))
        # A prepared copy, or a workbook under another workbook's extension: read by content.
        return python_calamine.CalamineWorkbook.from_filelike(src.reader())
    except python_calamine.PasswordError as exc:
        raise UnreadableError(PASSWORD_REASON) from exc
    except BaseException as exc:  # calamine raises several error types (and a panic) for broken files
        reraise_fatal(exc)
        raise UnreadableError(unreadable_reason(exc, "Файл не удалось открыть как книгу Excel")) from exc


def reraise_fatal(exc: BaseException) -> None:
    """python-calamine reports a Rust panic as a BaseException: it is a broken file like any other,
    but an interrupt or an exit is not. (Running out of memory is the file's too: it is read in a
    helper process whose memory is limited.)"""
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
        raise exc


MEMORY_REASON = ("для его чтения не хватило памяти: вероятно, на одном из листов заполнены ячейки далеко за "
                 "пределами таблицы или листы очень велики. Удалите лишнее содержимое, " + SAVE_AS_XLSX[0].lower()
                 + SAVE_AS_XLSX[1:])


def unreadable_reason(exc: BaseException, what: str) -> str:
    """The author's reason for a reader's failure (`what` failed): in Russian, with what to do; the
    exception itself goes to the log (safety.technical)."""
    if isinstance(exc, MemoryError):
        return f"{what}: {MEMORY_REASON}"
    return (f"{what}: он поврежден или записан программой, которая сохранила его с ошибками. "
            f"{SAVE_AS_XLSX}")


def worksheet_names(wb) -> list[str]:
    """The sheets that can hold a table: chart, macro and dialog sheets are left out (python-calamine
    cannot read a chart sheet of an .xlsb, and none of them holds cells)."""
    names = list(wb.sheet_names)
    try:
        kinds = {m.name: m.typ for m in wb.sheets_metadata}
    except Exception:  # a text table (textgrid), or no metadata: every sheet
        return names
    work = python_calamine.SheetTypeEnum.WorkSheet
    return [n for n in names if kinds.get(n, work) == work]


def _plain(value: object) -> object:
    """A cell's value as the author sees it: dates as ДД.ММ.ГГГГ, not as Python reprs."""
    if value is None:
        return ""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, bool):
        return "ИСТИНА" if value else "ЛОЖЬ"
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y" if value.time() == time() else "%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def sheet_rows(sheet, info: SheetInfo | None = None):
    """The sheet's rows from row 1 and column A, one at a time, values made plain; the Excel errors
    calamine reads as empty cells (#REF!, #N/A …) put back from the sheet's XML."""
    start = sheet.start
    if start is None:
        return
    pad = [""] * start[1]
    errors: dict[int, list[tuple[int, str]]] = {}
    for (r, c), token in (info.errors if info else {}).items():
        errors.setdefault(r, []).append((c, token))
    for r, row in enumerate(sheet.iter_rows()):
        cells = pad + [v if type(v) is str else _plain(v) for v in row]
        for c, token in errors.get(r, ()):
            if c >= len(cells):
                cells.extend([""] * (c + 1 - len(cells)))
            if cells[c] in ("", None):
                cells[c] = token
        yield cells


class Book:
    """An opened workbook whose sheets' rows are read once, however often they are looked at: the
    survey scores every form on a sheet's first rows, then reads the table from the same rows.
    Rows are read as far as they are asked for. Rows are shared: a reader copies one to change it."""

    def __init__(self, src: Source):
        self.src = src
        self.wb = open_workbook(src)
        self._sheets: dict[str, object] = {}
        self._read: dict[str, tuple[Iterator[list], list[list]]] = {}
        self._keyed: dict[str, list[list[str]]] = {}
        self._names: list[str] | None = None

    @property
    def sheet_names(self) -> list[str]:
        """The worksheets (worksheet_names)."""
        if self._names is None:
            self._names = worksheet_names(self.wb)
        return self._names

    def sheet(self, name: str):
        if name not in self._sheets:
            self._sheets[name] = self.wb.get_sheet_by_name(name)
        return self._sheets[name]

    def header_keys(self, name: str, rows: int) -> list[list[str]]:
        """`form.header_keys` of the sheet's first rows, worked out once: the survey scores every form
        on them, then the table is read in the form chosen (0.14 ms a file for the second time)."""
        keyed = self._keyed.setdefault(name, [])
        if len(keyed) < rows:
            head = list(islice(self.rows(name), rows))
            keyed.extend(header_keys(head[len(keyed):], rows - len(keyed)))
        return keyed[:rows]

    def rows(self, name: str) -> Iterator[list]:
        """The sheet's rows from row 1 (`sheet_rows`), read on as far as the caller goes."""
        if name not in self._read:
            self._read[name] = (sheet_rows(self.sheet(name), self.src.info(name)), [])
        source, seen = self._read[name]
        i = 0
        while True:
            if i == len(seen):
                row = next(source, None)
                if row is None:
                    return
                seen.append(row)
            yield seen[i]
            i += 1

    def close(self) -> None:
        close = getattr(self.wb, "close", None)
        if close:
            close()

    def __enter__(self) -> Book:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def hidden_sheets(wb) -> set[str]:
    try:
        return {m.name for m in wb.sheets_metadata if m.visible != python_calamine.SheetVisibleEnum.Visible}
    except Exception:
        return set()


def ods_merged_ranges(path: Path) -> dict[str, list]:
    """Merged ranges of every sheet of an .ods, as calamine gives them for .xlsx and .xls
    (python-calamine reports none for .ods): {sheet: [((r1, c1), (r2, c2)), ...]}, 0-based."""
    t = f"{{{_ODS_TABLE}}}"
    with zipfile.ZipFile(path) as z:
        root = ElementTree.fromstring(z.read("content.xml"))
    out = {}
    for table in root.iter(f"{t}table"):
        merges, r = [], 0
        for row in table.iter(f"{t}table-row"):
            c = 0
            for cell in row:
                if cell.tag not in (f"{t}table-cell", f"{t}covered-table-cell"):
                    continue
                rows = int(cell.get(f"{t}number-rows-spanned", 1))
                cols = int(cell.get(f"{t}number-columns-spanned", 1))
                if rows > 1 or cols > 1:
                    merges.append(((r, c), (r + rows - 1, c + cols - 1)))
                c += int(cell.get(f"{t}number-columns-repeated", 1))
            r += int(row.get(f"{t}number-rows-repeated", 1))
        out[table.get(f"{t}name")] = merges
    return out
