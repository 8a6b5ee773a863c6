"""The check protocol for the authorised unit: one line per file and every remark of the batch in one
filterable table."""
from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from consolidator.atomic import atomic_path
from consolidator.consolidate import BODY_FONT, Styles, fit_row, print_setup, ru_date, set_widths, text_height
from consolidator.model import RETURNED, SEVERITY_RU, VERDICT_RU, Batch, Remark
from consolidator.xlsx import BORDER

FILE_NAME = "Протокол проверки.xlsx"
SHEET_FILES = "Файлы"
SHEET_REMARKS = "Замечания"

FILE_HEADERS = ("Подразделение", "Файл", "Решение", "Строк", "Ошибок", "Предупреждений",
                "Срок устранения", "Копия на доработку", "Причина")
FILE_WIDTHS = (40, 45, 22, 9, 9, 17, 13, 45, 50)
SHEET_SUBDIVISIONS = "Подразделения"
SUBDIVISION_HEADERS = ("Подразделение", "Статус", "Текущая версия", "Срок устранения", "Просрочено, раб. дней")
SUBDIVISION_WIDTHS = (45, 24, 55, 16, 14)
REMARK_HEADERS = ("Подразделение", "Файл", "Лист", "Ячейка", "Строка", "Графа", "Значение", "Вид", "Код",
                  "Замечание", "Пункт Порядка", "Отметка об устранении")
REMARK_WIDTHS = (30, 35, 14, 8, 8, 25, 30, 15, 16, 70, 22, 16)

# Rows above the file table: the heading and the batch line.
FILES_HEADER_ROW = 4

_HEADER = dict(font=Font(name=BODY_FONT, bold=True), border=BORDER, fill=PatternFill("solid", fgColor="E7E6E6"),
               alignment=Alignment(wrap_text=True, horizontal="center", vertical="center"))
_WRAP = Alignment(wrap_text=True, vertical="top")
_VERDICT_FILL = {RETURNED: PatternFill("solid", fgColor="F8CBAD")}


def write_protocol(batch: Batch, path: Path) -> None:
    """Write the protocol (`Протокол проверки.xlsx`) to `path`."""
    wb = Workbook()
    files = wb.active
    files.title = SHEET_FILES
    _write_files(files, batch)
    _write_remarks(wb.create_sheet(SHEET_REMARKS), batch)
    if batch.subdivisions:
        rows = [(s["name"], s["status"], s["current"], ru_date(date.fromisoformat(s["fix_deadline"]))
                 if s["fix_deadline"] else None, s["overdue_days"] or None) for s in batch.subdivisions]
        write_table(wb.create_sheet(SHEET_SUBDIVISIONS), "Подразделения: статусы представления перечней",
                    f"На {ru_date(batch.run_date)}.", SUBDIVISION_HEADERS, SUBDIVISION_WIDTHS, rows)
    with atomic_path(Path(path)) as tmp:
        wb.save(tmp)


def write_table(ws, title: str, line: str, headers: tuple, widths: tuple, rows: list[tuple]) -> None:
    """A titled table sheet with a filter, a frozen header and print setup."""
    st = Styles(ws)
    st.define("title", font=Font(name=BODY_FONT, bold=True, size=14))
    st.define("header", **_HEADER)
    st.define("text", alignment=_WRAP, border=BORDER)
    set_widths(ws, widths)
    st.put(1, 1, title, "title")
    st.put(2, 1, line, "text")
    h = 4
    st.put_row(h, headers, "header")
    fit_row(ws, h, headers, widths, bold=True)
    for r, values in enumerate(rows, h + 1):
        st.put_row(r, values, "text")
        fit_row(ws, r, values, widths)
    ws.auto_filter.ref = f"A{h}:{get_column_letter(len(headers))}{h + max(len(rows), 1)}"
    ws.freeze_panes = ws.cell(row=h + 1, column=1)
    print_setup(ws, f"{h}:{h}")


def _batch_line(batch: Batch) -> str:
    by_verdict = Counter(f.verdict for f in batch.files)
    counts = ", ".join(f"{ru}: {by_verdict[v]}" for v, ru in VERDICT_RU.items() if by_verdict[v])
    remarks = sum(len(f.remarks) for f in batch.files)
    errors = sum(f.errors for f in batch.files)
    return (f"Профиль: {batch.profile.name}. Дата проверки: {ru_date(batch.run_date)}. "
            f"Файлов: {len(batch.files)}" + (f" ({counts})" if counts else "") +
            f". Замечаний: {remarks}, из них ошибок: {errors}.")


def _write_files(ws, batch: Batch) -> None:
    st = Styles(ws)
    st.define("title", font=Font(name=BODY_FONT, bold=True, size=14))
    st.define("line", alignment=Alignment(wrap_text=True, vertical="top"))
    st.define("header", **_HEADER)
    st.define("text", alignment=_WRAP, border=BORDER)
    st.define("center", alignment=Alignment(horizontal="center", vertical="top"), border=BORDER)
    st.define("date", alignment=Alignment(horizontal="center", vertical="top"), border=BORDER,
              number_format="DD.MM.YYYY")
    for verdict, fill in _VERDICT_FILL.items():
        st.define(f"verdict-{verdict}", alignment=_WRAP, border=BORDER, fill=fill)
    set_widths(ws, FILE_WIDTHS)

    st.put(1, 1, "Протокол проверки перечней точек взаимодействия", "title")
    line = _batch_line(batch)
    st.put(2, 1, line, "line")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(FILE_HEADERS))
    ws.row_dimensions[2].height = text_height(line, sum(FILE_WIDTHS))

    h = FILES_HEADER_ROW
    st.put_row(h, FILE_HEADERS, "header")
    fit_row(ws, h, FILE_HEADERS, FILE_WIDTHS, bold=True)
    for r, f in enumerate(batch.files, h + 1):
        st.put(r, 1, f.subdivision, "text")
        st.put(r, 2, f.path, "text")
        st.put(r, 3, VERDICT_RU.get(f.verdict, f.verdict),
               f"verdict-{f.verdict}" if f.verdict in _VERDICT_FILL else "text")
        st.put(r, 4, f.rows, "center")
        st.put(r, 5, f.errors, "center")
        st.put(r, 6, f.warnings, "center")
        # A real date, shown dd.mm.yyyy, so that the column sorts and filters as dates.
        deadline = st.put(r, 7, None, "date")
        deadline.value = f.fix_deadline
        st.put(r, 8, f.returned_copy, "text")
        reason = f.reason or ("см. лист «Замечания»" if f.verdict == RETURNED else None)
        st.put(r, 9, reason, "text")
        fit_row(ws, r, (f.subdivision, f.path, None, None, None, None, None, f.returned_copy, reason),
                FILE_WIDTHS)
    last = h + max(len(batch.files), 1)
    ws.auto_filter.ref = f"A{h}:I{last}"
    ws.freeze_panes = ws.cell(row=h + 1, column=1)
    print_setup(ws, f"{h}:{h}")


def _write_remarks(ws, batch: Batch) -> None:
    st = Styles(ws)
    st.define("header", **_HEADER)
    st.define("text", alignment=_WRAP)
    st.define("center", alignment=Alignment(horizontal="center", vertical="top"))
    set_widths(ws, REMARK_WIDTHS)
    st.put_row(1, REMARK_HEADERS, "header")
    fit_row(ws, 1, REMARK_HEADERS, REMARK_WIDTHS, bold=True)
    r = 2
    for f in batch.files:
        # Earlier remarks a resubmitted version no longer has are listed as fixed.
        gone = [Remark(**{k: v for k, v in g.items() if k != "resolution"}, resolution=g["resolution"])
                for g in f.resolved or []]
        for m in [*f.remarks, *gone]:
            st.put_row(r, (f.subdivision, f.path, m.sheet, m.cell), "text")
            st.put(r, 5, m.row, "center")
            tail = (m.column, m.value, SEVERITY_RU.get(m.severity, m.severity), m.code, m.message, m.clause,
                    m.resolution)
            st.put_row(r, tail, "text", first_col=6)
            fit_row(ws, r, (f.subdivision, f.path, m.sheet, m.cell, None, *tail), REMARK_WIDTHS)
            r += 1
    if r == 2:
        st.put(2, 1, "Замечаний нет.", "text")
        r = 3
    ws.auto_filter.ref = f"A1:L{r - 1}"
    ws.freeze_panes = "A2"
    print_setup(ws, "1:1")
