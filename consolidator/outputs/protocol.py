"""The check protocol for the authorised unit: one line per file and every remark of the batch in one
filterable table."""
from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

from consolidator.model import RETURNED, SEVERITY_RU, VERDICT_RU, Batch, Remark, path_in_folder
from consolidator.ooxml.xlsx_writer import BOX, DATE_FORMAT, Align, Font, Workbook, cell_ref, fit_height, text_height
from consolidator.outputs.atomic import atomic_path
from consolidator.outputs.returned_remarks import FILL as SEVERITY_FILL
from consolidator.outputs.style import ALERT_FILL, BODY_FONT, CENTER_WRAP, HEADER_FILL, LANDSCAPE, TOP_WRAP, ru_date

FILE_NAME = "Протокол проверки.xlsx"
SHEET_FILES = "Файлы"
SHEET_REMARKS = "Замечания"

FILE_HEADERS = ("Подразделение", "Файл", "Решение", "Строк", "Ошибок", "Предупреждений",
                "Срок устранения", "Копия на доработку", "Причина")
FILE_WIDTHS = (30, 30, 22, 8, 8, 16, 12, 40, 40)
SHEET_SUBDIVISIONS = "Подразделения"
SHEET_REGISTRY = "Реестр процессов"
REGISTRY_HEADERS = ("Что", "Владелец процесса", "Процесс", "Группа", "№ в реестре")
REGISTRY_WIDTHS = (30, 40, 60, 40, 12)
SUBDIVISION_HEADERS = ("Подразделение", "Статус", "Текущая версия", "Срок устранения", "Просрочено, раб. дней")
SUBDIVISION_WIDTHS = (45, 24, 55, 16, 14)
# What the clerk reads, on A4 landscape: who, where, how serious, what and why (the rule by its title,
# its code after it). The file is named below its subdivision's folder, which the first column names.
REMARK_HEADERS = ("Подразделение", "Файл", "Ячейка", "Вид", "Замечание", "Правило", "Пункт Порядка",
                  "Отметка об устранении")
REMARK_WIDTHS = (24, 18, 10, 15, 56, 22, 16, 12)
# Beyond the print area, for filtering on screen (the remark's text already names them).
REMARK_EXTRA_HEADERS = ("Лист", "Строка", "Графа", "Значение", "Код правила")
REMARK_EXTRA_WIDTHS = (14, 8, 25, 30, 16)

# Rows above the file table: the heading and the batch line.
FILES_HEADER_ROW = 4

_TOP = Align("center", "top")
_VERDICT_FILL = {RETURNED: ALERT_FILL}


def write_protocol(batch: Batch, path: Path) -> None:
    """Write the protocol (`Протокол проверки.xlsx`) to `path`."""
    with atomic_path(Path(path)) as tmp, Workbook(tmp, title=FILE_NAME.removesuffix(".xlsx")) as book:
        _write_files(book, batch)
        _write_remarks(book, batch)
        if batch.subdivisions:
            rows = [(s["name"], s["status"], s["current"], ru_date(date.fromisoformat(s["fix_deadline"]))
                     if s["fix_deadline"] else None, s["overdue_days"] or None) for s in batch.subdivisions]
            write_table(book, SHEET_SUBDIVISIONS, "Подразделения: статусы представления перечней",
                        f"На {ru_date(batch.run_date)}.", SUBDIVISION_HEADERS, SUBDIVISION_WIDTHS, rows)
        registry = batch.profile.registry
        if registry is not None:
            form = batch.profile.registry_form
            rows = ([("нет точек в сводном перечне", x.owner, x.name, x.group, x.number)
                     for x in sorted(batch.registry_unlisted, key=lambda x: (x.owner, x.group, x.name))]
                    + [("включен в реестр после утверждения редакции", x["owner"], x["process"], x["group"],
                        x["number"]) for x in batch.registry_added]
                    + [("исключен из реестра после утверждения редакции", x["owner"], x["process"], x["group"],
                        x["number"]) for x in batch.registry_removed])
            write_table(book, SHEET_REGISTRY, form.title, f"Файл: {registry.source}. Процессов в реестре: "
                        f"{len(registry.processes)}. На {ru_date(batch.run_date)}.", REGISTRY_HEADERS,
                        REGISTRY_WIDTHS, rows)


def _header(book: Workbook) -> int:
    return book.style(font=Font(BODY_FONT, bold=True), border=BOX, fill=HEADER_FILL, align=CENTER_WRAP)


def write_table(book: Workbook, name: str, title: str, line: str, headers: tuple, widths: tuple,
                rows: list[tuple]) -> None:
    """A sheet `name` holding a titled table with a filter, a frozen header and print setup."""
    text = book.style(align=TOP_WRAP, border=BOX)
    h = 4
    with book.sheet(name, widths=widths, freeze=f"A{h + 1}", page=LANDSCAPE) as ws:
        ws.row(1, (title,), book.style(font=Font(BODY_FONT, 14, bold=True)))
        ws.row(2, (line,), text)
        ws.row(h, headers, _header(book), height=fit_height(headers, widths, bold=True))
        for r, values in enumerate(rows, h + 1):
            ws.row(r, values, text, height=fit_height(values, widths))
        ws.autofilter(h, 1, h + max(len(rows), 1), len(headers))
        ws.print_titles = (h, h)


def _batch_line(batch: Batch) -> str:
    by_verdict = Counter(f.verdict for f in batch.files)
    counts = ", ".join(f"{ru}: {by_verdict[v]}" for v, ru in VERDICT_RU.items() if by_verdict[v])
    remarks = sum(len(f.remarks) for f in batch.files)
    errors = sum(f.errors for f in batch.files)
    return (f"Профиль: {batch.profile.name}. Дата проверки: {ru_date(batch.run_date)}. "
            f"Файлов: {len(batch.files)}" + (f" ({counts})" if counts else "") +
            f". Замечаний: {remarks}, из них ошибок: {errors}.")


def _write_files(book: Workbook, batch: Batch) -> None:
    line_style = book.style(align=TOP_WRAP)
    header = _header(book)
    text = book.style(align=TOP_WRAP, border=BOX)
    center = book.style(align=_TOP, border=BOX)
    # A real date, shown dd.mm.yyyy, so that the column sorts and filters as dates.
    date_style = book.style(align=_TOP, border=BOX, num_fmt=DATE_FORMAT)
    verdict_styles = {v: book.style(align=TOP_WRAP, border=BOX, fill=fill) for v, fill in _VERDICT_FILL.items()}
    h = FILES_HEADER_ROW
    styles = (text, text, text, center, center, center, date_style, text, text)

    with book.sheet(SHEET_FILES, widths=FILE_WIDTHS, freeze=f"A{h + 1}", page=LANDSCAPE) as ws:
        ws.row(1, ("Протокол проверки перечней точек взаимодействия",),
               book.style(font=Font(BODY_FONT, 14, bold=True)))
        line = _batch_line(batch)
        ws.row(2, (line,), line_style, height=text_height(line, sum(FILE_WIDTHS)))
        ws.merge(2, 1, 2, len(FILE_HEADERS))

        ws.row(h, FILE_HEADERS, header, height=fit_height(FILE_HEADERS, FILE_WIDTHS, bold=True))
        for r, f in enumerate(batch.files, h + 1):
            reason = f.reason or ("см. лист «Замечания»" if f.verdict == RETURNED else None)
            values = (f.subdivision, path_in_folder(f.path, f.subdivision), VERDICT_RU.get(f.verdict, f.verdict), f.rows, f.errors, f.warnings,
                      f.fix_deadline, f.returned_copy, reason)
            row_styles = styles
            if f.verdict in verdict_styles:
                row_styles = styles[:2] + (verdict_styles[f.verdict],) + styles[3:]
            ws.row(r, values, row_styles, height=fit_height(
                (f.subdivision, values[1], None, None, None, None, None, f.returned_copy, reason), FILE_WIDTHS))
        ws.autofilter(h, 1, h + max(len(batch.files), 1), len(FILE_HEADERS))
        ws.print_titles = (h, h)


def _write_remarks(book: Workbook, batch: Batch) -> None:
    text = book.style(align=TOP_WRAP, border=BOX)
    center = book.style(align=_TOP, border=BOX)
    severity = {sev: book.style(align=TOP_WRAP, border=BOX, fill=rgb) for sev, rgb in SEVERITY_FILL.items()}
    headers = REMARK_HEADERS + REMARK_EXTRA_HEADERS
    widths = REMARK_WIDTHS + REMARK_EXTRA_WIDTHS
    printed = len(REMARK_HEADERS)
    titles = {r.code: r.summary for r in batch.profile.rules}
    with book.sheet(SHEET_REMARKS, widths=widths, freeze="A2", page=LANDSCAPE) as ws:
        ws.row(1, headers, _header(book), height=fit_height(headers, widths, bold=True))
        r = 2
        for f in batch.files:
            # Earlier remarks a resubmitted version no longer has are listed as fixed.
            gone = [Remark(**{k: v for k, v in g.items() if k != "resolution"}, resolution=g["resolution"])
                    for g in f.resolved or []]
            for m in [*f.remarks, *gone]:
                rule = f"{titles[m.code]} ({m.code})" if m.code in titles else m.code
                values = (f.subdivision, path_in_folder(f.path, f.subdivision), m.cell or "весь файл",
                          SEVERITY_RU.get(m.severity, m.severity), m.message, rule, m.clause, m.resolution,
                          m.sheet, m.row, m.column, m.value, m.code)
                styles = (text, text, center, severity.get(m.severity, text), text, text, text, text,
                          text, center, text, text, text)
                ws.row(r, values, styles, height=fit_height(values[:printed], widths))
                r += 1
        for m in batch.list_remarks:  # on the list as a whole, not on one file
            rule = f"{titles[m.code]} ({m.code})" if m.code in titles else m.code
            values = ("(сводный перечень в целом)", None, "весь перечень", SEVERITY_RU.get(m.severity, m.severity),
                      m.message, rule, m.clause, None, None, None, None, None, m.code)
            styles = (text, text, center, severity.get(m.severity, text), *(text,) * 9)
            ws.row(r, values, styles, height=fit_height(values[:printed], widths))
            r += 1
        if r == 2:
            ws.row(2, ("Замечаний нет.",), text)
            r = 3
        ws.autofilter(1, 1, r - 1, len(headers))
        ws.print_titles = (1, 1)
        ws.print_area = f"A1:{cell_ref(r - 1, printed)}"
