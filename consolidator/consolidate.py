"""The consolidated list: the official form filled with every accepted row, ready to print and attach,
plus a trace of every row back to its source file and a summary that says what is (not) in it.

Also holds the small sheet-writing helpers the protocol shares.
"""
from __future__ import annotations

from collections import Counter
from copy import copy
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from consolidator.atomic import atomic_path
from consolidator.kinds import online_mask
from consolidator.model import ACCEPTED, RETURNED, SKIPPED, SUPERSEDED, UNREADABLE, VERDICT_RU, Batch, FileResult
from consolidator.profile import Profile
from consolidator.xlsx import BORDER, set_value

FILE_NAME = "Сводный перечень.xlsx"
SHEET_FORM = "Сводный перечень"
SHEET_TRACE = "Источник"
SHEET_SUMMARY = "Сводка"

TRACE_HEADERS = ("№ в сводном перечне", "Подразделение", "Файл", "Лист", "Строка в исходном файле")

# The form is an official document: serif type as in the Порядок's appendix.
FORM_FONT = "Times New Roman"
# The working sheets keep the spreadsheet's default font.
BODY_FONT = "Calibri"

_TOP_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER_WRAP = Alignment(wrap_text=True, horizontal="center", vertical="center")
_TOP_CENTER = Alignment(wrap_text=True, horizontal="center", vertical="top")
_HEADER_FILL = PatternFill("solid", fgColor="E7E6E6")
_ALERT_FILL = PatternFill("solid", fgColor="F8CBAD")
_OK_FILL = PatternFill("solid", fgColor="C6EFCE")


# ---------------------------------------------------------------------------------------------------
# Helpers shared with the protocol


class Styles:
    """Named cell styles built once per worksheet and copied onto cells.

    Assigning Font/Border/Alignment objects cell by cell makes openpyxl look each one up in the
    workbook's style tables; for 60,000 rows that is most of the build time. Copying a prepared
    style array is what openpyxl itself does when it copies a worksheet.
    """

    def __init__(self, ws: Worksheet):
        self.ws = ws
        self._protos: dict[str, Cell] = {}

    def define(self, name: str, **attrs) -> None:
        proto = Cell(self.ws)  # not placed on the sheet; only carries the style
        for attr, value in attrs.items():
            setattr(proto, attr, value)
        self._protos[name] = proto

    def put(self, row: int, col: int, value: object, style: str | None = None) -> Cell:
        """Write one value (never as a formula) at 1-based row/col, with a named style."""
        cell = self.ws.cell(row=row, column=col)
        set_value(cell, plain(value))
        if style is not None:
            cell._style = copy(self._protos[style]._style)
        return cell

    def put_row(self, row: int, values: Iterable[object], style: str | None = None,
                first_col: int = 1) -> None:
        for col, value in enumerate(values, first_col):
            self.put(row, col, value, style)


def plain(value: object) -> object:
    """A DataFrame value as a plain Python value: NaN/NA -> None, numpy scalars -> int/float/str."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def ru_date(d: date | None) -> str:
    return d.strftime("%d.%m.%Y") if d else ""


def set_widths(ws: Worksheet, widths: Sequence[float]) -> None:
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width


def print_setup(ws: Worksheet, title_rows: str | None, landscape: bool = True) -> None:
    """A4, fit to page width, any height; title rows repeated on every page; page numbers."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE if landscape else ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "Страница &P из &N"
    ws.oddFooter.center.size = 8
    if title_rows:
        ws.print_title_rows = title_rows


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


def fit_row(ws: Worksheet, row: int, values: Iterable[object], widths: Sequence[float], first_col: int = 1,
            size_pt: float = 11, bold: bool = False) -> None:
    """Set the height of a row of wrapped cells so that its tallest value fits (rows of one line
    keep the default height)."""
    lines = 1
    for i, value in enumerate(values, first_col - 1):
        if isinstance(value, str) and i < len(widths):
            lines = max(lines, wrapped_lines(value, widths[i], size_pt, bold))
    if lines > 1 or bold:
        ws.row_dimensions[row].height = lines_height(lines, size_pt)


# ---------------------------------------------------------------------------------------------------
# The consolidated list


def write_consolidated(batch: Batch, rows: pd.DataFrame, path: Path) -> int:
    """Write the consolidated list (`Сводный перечень.xlsx`) to `path`; return its number of rows.

    `rows` is `batch.accepted_rows()`: profile column keys plus `file`, `sheet`, `row`,
    `subdivision`, `path`, already ordered and numbered.
    """
    wb = Workbook()
    form = wb.active
    form.title = SHEET_FORM
    _write_form(form, batch, rows)
    _write_trace(wb.create_sheet(SHEET_TRACE), batch, rows)
    _write_summary(wb.create_sheet(SHEET_SUMMARY), batch, rows)
    with atomic_path(Path(path)) as tmp:
        wb.save(tmp)
    return len(rows)


def _form_title(title: str) -> str:
    """«ПЕРЕЧЕНЬ точек ...» is printed with the capitalised first word on its own line, as in the form."""
    first, _, rest = title.partition(" ")
    if rest and len(first) > 1 and first.isupper():
        return f"{first}\n{rest}"
    return title


def _write_form(ws: Worksheet, batch: Batch, rows: pd.DataFrame) -> None:
    p = batch.profile
    cols = p.columns
    n_cols = len(cols)
    widths = [c.width for c in cols]
    total_width = sum(widths)
    set_widths(ws, widths)

    st = Styles(ws)
    st.define("title", font=Font(name=FORM_FONT, size=13, bold=True), alignment=_CENTER_WRAP)
    st.define("header", font=Font(name=FORM_FONT, size=11, bold=True), alignment=_CENTER_WRAP, border=BORDER)
    st.define("colno", font=Font(name=FORM_FONT, size=10), alignment=_CENTER_WRAP, border=BORDER)
    st.define("text", font=Font(name=FORM_FONT, size=11), alignment=_TOP_WRAP, border=BORDER)
    st.define("num", font=Font(name=FORM_FONT, size=11), alignment=_TOP_CENTER, border=BORDER)
    st.define("note", font=Font(name=FORM_FONT, size=9), alignment=Alignment(wrap_text=True, vertical="top"))

    # Row 1: the title across the table.
    title = _form_title(p.form_title)
    st.put(1, 1, title, "title")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n_cols)
    ws.row_dimensions[1].height = text_height(title, total_width, 13, bold=True) + 10

    # Row 2: the header as printed in the form; row 3: column numbers 1..n.
    for i, c in enumerate(cols, 1):
        st.put(2, i, c.header, "header")
        st.put(3, i, i, "colno")
    fit_row(ws, 2, [c.header for c in cols], widths, bold=True)
    first_data = 4

    # Data rows, in profile column order; the number column is a number, the rest is text.
    styles = ["num" if c.key == p.number_column else "text" for c in cols]
    keys = [c.key for c in cols]
    for r, values in enumerate(rows[keys].itertuples(index=False, name=None), first_data):
        for col, (value, style) in enumerate(zip(values, styles), 1):
            st.put(r, col, value, style)
        fit_row(ws, r, values, widths)
    last = first_data + len(rows) - 1

    # The form's footnotes below the table, one merged line each.
    r = last + 2
    for note in p.footnotes:
        st.put(r, 1, note, "note")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=n_cols)
        ws.row_dimensions[r].height = text_height(note, total_width, 9)
        r += 1

    ws.freeze_panes = ws.cell(row=first_data, column=1)
    print_setup(ws, "2:3")
    ws.print_area = f"A1:{ws.cell(row=max(r - 1, last), column=n_cols).coordinate}"


def _write_trace(ws: Worksheet, batch: Batch, rows: pd.DataFrame) -> None:
    st = Styles(ws)
    st.define("header", font=Font(name=BODY_FONT, bold=True), alignment=_CENTER_WRAP, border=BORDER,
              fill=_HEADER_FILL)
    st.put_row(1, TRACE_HEADERS, "header")
    number = "list_no" if "list_no" in rows else batch.profile.number_column
    trace = rows[[number, "subdivision", "path", "sheet", "row"]]
    for r, values in enumerate(trace.itertuples(index=False, name=None), 2):
        for col, value in enumerate(values, 1):
            st.put(r, col, value)
    # Text columns as wide as their longest value (within reason); the values are not wrapped.
    widths = [14] + [min(80, max([len(h) + 2, *(len(str(v)) + 2 for v in set(trace[c]))]))
                     for h, c in zip(TRACE_HEADERS[1:4], ("subdivision", "path", "sheet"))] + [14]
    set_widths(ws, widths)
    fit_row(ws, 1, TRACE_HEADERS, widths, bold=True)
    ws.auto_filter.ref = f"A1:E{len(rows) + 1}"
    ws.freeze_panes = "A2"
    print_setup(ws, "1:1")


def _count(rows: pd.DataFrame, column: str) -> Counter:
    return Counter(plain(v) for v in rows[column]) if len(rows) else Counter()


def _not_included_reason(f: FileResult) -> str:
    if f.verdict == RETURNED:
        parts = [f.reason] if f.reason else []
        parts.append(f"ошибок: {f.errors}, предупреждений: {f.warnings}")
        if f.returned_copy:
            parts.append(f"копия с замечаниями: {f.returned_copy}")
        if f.fix_deadline:
            parts.append(f"срок устранения: {ru_date(f.fix_deadline)}")
        text = "; ".join(parts)
        return text[:1].upper() + text[1:] + "."
    return f.reason or ""


def kind_labels(profile: Profile) -> tuple[str, str]:
    """How the profile itself names its online and offline points: «Онлайн-точка», «цифровая»…"""
    def label(online: bool) -> str:
        values = [k.value for k in profile.kinds if k.online == online]
        return " / ".join(f"«{v}»" for v in values) or ("онлайн" if online else "офлайн")
    return label(True), label(False)


def completeness_line(batch: Batch) -> str:
    """How many files were received, accepted and left out, and who has not submitted, in one sentence."""
    total = len(batch.files)
    by_verdict = Counter(f.verdict for f in batch.files)
    accepted = by_verdict[ACCEPTED]
    missing = [s["name"] for s in batch.subdivisions or [] if s["status"] == "не представлен"]
    absent = (f" Не представили перечень: {len(missing)} ({'; '.join(missing)})." if missing else "")
    if total == 0:
        return "Не получено ни одного файла: сводный перечень пуст." + absent
    # Skipped files are not lists, superseded ones were replaced by a newer version: neither is missing.
    blocking = by_verdict[RETURNED] + by_verdict[UNREADABLE]
    detail = ", ".join(f"{VERDICT_RU[v]}: {by_verdict[v]}" for v in (RETURNED, UNREADABLE, SUPERSEDED, SKIPPED)
                       if by_verdict[v])
    line = f"Получено файлов: {total}. Включено в сводный перечень: {accepted}."
    if detail:
        line += f" Не включено: {total - accepted} ({detail})."
    if blocking or missing:
        return line + absent + (" Сводный перечень НЕПОЛНЫЙ: строк из невключенных файлов и непредставленных "
                                "перечней в нем нет (список — ниже).")
    return line + " Сводный перечень полный."


def _write_summary(ws: Worksheet, batch: Batch, rows: pd.DataFrame) -> None:
    p = batch.profile
    st = Styles(ws)
    st.define("title", font=Font(name=BODY_FONT, bold=True, size=14))
    big_bold = Font(name=BODY_FONT, bold=True, size=12)
    st.define("alert", font=big_bold, alignment=_TOP_WRAP, fill=_ALERT_FILL, border=BORDER)
    st.define("ok", font=big_bold, alignment=_TOP_WRAP, fill=_OK_FILL, border=BORDER)
    st.define("section", font=big_bold)
    st.define("header", font=Font(name=BODY_FONT, bold=True), alignment=_CENTER_WRAP, border=BORDER,
              fill=_HEADER_FILL)
    st.define("text", alignment=_TOP_WRAP, border=BORDER)
    st.define("total", font=Font(name=BODY_FONT, bold=True), alignment=_TOP_WRAP, border=BORDER)
    widths = (46, 36, 22, 17, 17)
    set_widths(ws, widths)
    n_cols = len(widths)

    accepted = [f for f in batch.files if f.verdict == ACCEPTED]
    left_out = [f for f in batch.files if f.verdict != ACCEPTED]
    is_online = online_mask(p, rows)  # the kind column, or the point where it does not state the kind
    n_rows, n_online = len(rows), int(is_online.sum())

    st.put(1, 1, "Сводка к сводному перечню", "title")
    line = completeness_line(batch)
    st.put(2, 1, line, "alert" if left_out else "ok")
    for col in range(2, n_cols + 1):
        st.put(2, col, None, "alert" if left_out else "ok")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=n_cols)
    ws.row_dimensions[2].height = text_height(line, sum(widths), 12, bold=True)
    on, off = kind_labels(p)
    st.put(3, 1, f"Строк в сводном перечне: {n_rows} ({on}: {n_online}, {off}: {n_rows - n_online}).")
    st.put(4, 1, f"Профиль: {p.name}")
    st.put(5, 1, f"Дата формирования: {ru_date(batch.run_date)}")
    r = 7

    def table(title: str, headers: Sequence[str], body: list[Sequence[object]],
              total: Sequence[object] | None = None) -> int:
        """Write a titled table from row r; return the row of its first body line."""
        nonlocal r
        st.put(r, 1, title, "section")
        st.put_row(r + 1, headers, "header")
        first = r = r + 2
        fit_row(ws, r - 1, headers, widths, bold=True)
        for values in body:
            st.put_row(r, values, "text")
            fit_row(ws, r, values, widths)
            r += 1
        if total is not None:
            st.put_row(r, total, "total")
            r += 1
        r += 1
        return first

    # First what is missing: the files left out and why.
    title = f"Файлы, не включенные в сводный перечень: {len(left_out)}"
    if left_out:
        first = table(title, ("Подразделение", "Файл", "Решение", "Причина", None),
                      [(f.subdivision, f.path, VERDICT_RU.get(f.verdict, f.verdict),
                        _not_included_reason(f), None) for f in left_out])
        # The reason is long: it spans the last two columns.
        for rr in range(first - 1, first + len(left_out)):
            ws.merge_cells(start_row=rr, start_column=4, end_row=rr, end_column=5)
        for rr, f in enumerate(left_out, first):
            ws.row_dimensions[rr].height = max(
                text_height(_not_included_reason(f), widths[3] + widths[4]),
                text_height(f.path, widths[1]), text_height(f.subdivision, widths[0]))
    else:
        st.put(r, 1, f"{title}. Все полученные файлы включены.", "section")
        r += 2

    # Per group, in the profile's order, zero rows included; values outside the list (if a profile
    # lets them through) follow, so that the total always matches the list.
    group_rows = _count(rows, p.group_column)
    group_online = _count(rows[is_online], p.group_column) if n_rows else Counter()
    groups = list(p.groups) + sorted((g for g in group_rows if g not in p.groups), key=str)
    table(f"Строки по графе «{p.header(p.group_column)}»",
          (p.header(p.group_column), "Строк", on, off),
          [(g if g is not None else "(не указана)", group_rows[g], group_online[g],
            group_rows[g] - group_online[g]) for g in groups],
          ("Итого", n_rows, n_online, n_rows - n_online))

    # Per subdivision, in the order of the consolidated list.
    sub_rows = _count(rows, "subdivision")
    sub_online = _count(rows[is_online], "subdivision") if n_rows else Counter()
    sub_files = Counter(f.subdivision for f in accepted)
    subs = sorted(set(sub_files) | set(sub_rows), key=str)
    table("Строки по подразделениям",
          ("Подразделение", "Строк", on, off, "Принято файлов"),
          [(s, sub_rows[s], sub_online[s], sub_rows[s] - sub_online[s], sub_files[s]) for s in subs],
          ("Итого", n_rows, n_online, n_rows - n_online, len(accepted)))

    table("Строки по виду точки взаимодействия",
          (p.header(p.kind_column), "Строк"),
          [(on, n_online), (off, n_rows - n_online)],
          ("Итого", n_rows))

    ws.freeze_panes = "A3"
    print_setup(ws, None, landscape=False)
