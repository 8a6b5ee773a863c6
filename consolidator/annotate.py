"""The returned workbook: a copy of the subdivision's own file with every remark written into it.

Flagged cells are filled (one colour for errors, another for warnings) and carry a comment; a new
first sheet «Замечания» lists every remark under a heading with the subdivision, the date of the check
and the deadline to fix. An .xls or .ods is returned as an .xlsx copy holding its values, and the sheet
says so. The inbox is only read.
"""
from __future__ import annotations

import warnings
from pathlib import Path, PurePosixPath

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from consolidator.atomic import atomic_path
from consolidator.model import SEVERITY_RU, Batch, FileResult
from consolidator.read import BLANK_RUN, ods_merged_ranges, open_workbook, sheet_rows
from consolidator.safety import MAX_RANGE_CELLS, Source, UnreadableError, inspect
from consolidator.xlsx import BORDER, MAX_CELL_TEXT, fit_text, row_height, set_value

RETURNED_DIR = "на доработку"
REMARKS_SHEET = "Замечания"
FILL = {
    "error": PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE"),
    "warning": PatternFill("solid", start_color="FFEB9C", end_color="FFEB9C"),
}
COMMENT_AUTHOR = "Проверка перечня"
OPENPYXL_KEEPS = {".xlsx", ".xlsm"}


def returned_copy_path(rel: str) -> str:
    """Where the returned copy of an inbox file goes, relative to OUT ("/" separators)."""
    p = PurePosixPath(rel)
    if p.suffix.lower() not in OPENPYXL_KEEPS:
        p = p.with_suffix(".xlsx")
    return str(PurePosixPath(RETURNED_DIR) / p)


def write_returned(batch: Batch, f: FileResult, root: Path) -> str:
    """Write the returned copy of one file under `root`; return its path relative to OUT.

    The file is read again through safety.inspect, as when it was checked: openpyxl gets the same
    (possibly trimmed) bytes calamine read, and never a file the checks refused. A workbook openpyxl
    cannot open comes back as a values copy; if even that fails, as the remarks sheet alone."""
    suffix = f.source.suffix.lower()
    notes: list[str] = []
    wb, converted, native = None, None, False
    try:
        src: Source | None = inspect(f.source, batch.limits)
    except UnreadableError:
        src = None
    if src is not None and src.kind == "xlsx" and suffix in OPENPYXL_KEEPS:
        try:
            # keep_vba keeps the author's macros in the copy; nothing in the workbook is ever run.
            with warnings.catch_warnings():
                # openpyxl's notes on odd styles or extensions are not the user's business.
                warnings.simplefilter("ignore")
                wb = openpyxl.load_workbook(src.binary(), keep_vba=suffix == ".xlsm", rich_text=True)
            native = True
        except Exception:
            wb, converted = None, f"{suffix}, но его не удалось открыть для записи замечаний"
        if wb is not None and src.trimmed_rows:
            notes.append(f"Из копии убраны {src.trimmed_rows} пустых строк ниже таблицы (без значений, только "
                         f"оформление или формулы с пустым результатом): с ними файл слишком велик.")
        if wb is not None and src.dropped_ranges:
            notes.append(f"Из копии убраны объединения ячеек и гиперссылки на слишком больших областях: "
                         f"{', '.join(src.dropped_ranges[:5])}.")
    if wb is None and src is not None:
        try:
            wb = _values_copy(src)
            converted = converted or (suffix if not src.actual else f"{suffix} (на самом деле это {src.actual})")
        except Exception:
            wb = None
    if wb is None:
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        notes.append("Исходный файл не удалось открыть для записи замечаний: ниже только список замечаний.")
    try:
        return _finish(wb, batch, f, root, converted, notes, native)
    except Exception:
        if not native:
            raise
    # openpyxl read the author's workbook but cannot write it back: a values copy instead.
    return _finish(_values_copy(src), batch, f, root, f"{suffix}, но его не удалось записать с оформлением",
                   [], False)


def _finish(wb: openpyxl.Workbook, batch: Batch, f: FileResult, root: Path, converted: str | None,
            notes: list[str], native: bool) -> str:
    _fit_long_values(wb)
    _mark_cells(wb, f)
    _remarks_sheet(wb, batch, f, converted, notes)
    rel = returned_copy_path(f.path)
    if not native:
        rel = str(PurePosixPath(rel).with_suffix(".xlsx"))
    with atomic_path(root / rel) as tmp:
        wb.save(tmp)
    return rel


def _fit_long_values(wb: openpyxl.Workbook) -> None:
    """A text longer than Excel allows makes the whole copy unopenable: cut it, saying so in the cell."""
    for ws in wb.worksheets:
        cells = getattr(ws, "_cells", None)
        for cell in (cells.values() if cells is not None else (c for row in ws.iter_rows() for c in row)):
            if isinstance(cell.value, str) and len(cell.value) > MAX_CELL_TEXT:
                cell.value = fit_text(cell.value)


def _values_copy(source: Path | Source) -> openpyxl.Workbook:
    """An .xlsx workbook with the values and merges of a workbook openpyxl cannot open (also a CSV or
    HTML table saved as .xls). Each sheet is copied to the end of its content (BLANK_RUN empty rows)."""
    source = source if isinstance(source, Source) else inspect(Path(source))
    src = open_workbook(source)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name in src.sheet_names:
        sheet = src.get_sheet_by_name(name)
        ws = wb.create_sheet(name[:31])
        # A corrupted .xls may claim more columns than a worksheet has.
        grid = [row[:16384] for row in _until_blank_rows(sheet_rows(sheet, source.info(name)))[:1048576]]
        widths = _widths(grid)
        wrap = Alignment(wrap_text=True, vertical="top")
        for r, row in enumerate(grid, start=1):
            in_table = sum(v not in ("", None) for v in row) > 1  # a lone title or footnote spills over
            for c, value in enumerate(row, start=1):
                if value not in ("", None):
                    cell = ws.cell(r, c)
                    set_value(cell, value if isinstance(value, (int, float, str)) else str(value))
                    if in_table:
                        cell.alignment = wrap
            if in_table:
                ws.row_dimensions[r].height = row_height(row, widths)
        merges = ods_merged_ranges(source.path).get(name, []) if source.kind == "ods" \
            else sheet.merged_cell_ranges or []
        for (r1, c1), (r2, c2) in merges:
            # A broken or hostile file may list a merge upside down or over a million cells.
            if (r1, c1) != (r2, c2) and r1 <= r2 and c1 <= c2 and \
                    (r2 - r1 + 1) * (c2 - c1 + 1) <= MAX_RANGE_CELLS and r1 < len(grid):
                try:
                    ws.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
                except ValueError:
                    pass
        for c, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(c)].width = width
    return wb


def _until_blank_rows(rows) -> list[list]:
    out, blank = [], 0
    for row in rows:
        out.append(row)
        blank = blank + 1 if all(v in ("", None) for v in row) else 0
        if blank >= BLANK_RUN:
            del out[-blank:]
            break
    return out


def _widths(grid: list[list]) -> list[float]:
    """Column widths from the values' lengths (the source's own widths are not readable)."""
    ncols = max((len(r) for r in grid), default=0)
    # Titles and footnotes stand alone in their row and spill over the next cells: they don't count.
    table_rows = [r for r in grid if sum(v not in ("", None) for v in r) > 1]
    widths = []
    for c in range(ncols):
        lengths = sorted(len(str(r[c])) for r in table_rows if c < len(r) and r[c] not in ("", None))
        typical = lengths[int(len(lengths) * 0.8)] if lengths else 0
        widths.append(float(min(45, max(6, typical))))
    return widths


def _mark_cells(wb: openpyxl.Workbook, f: FileResult) -> None:
    by_cell: dict[tuple[str, str], list] = {}
    for r in f.remarks:
        if r.cell and r.sheet in wb.sheetnames:
            by_cell.setdefault((r.sheet, r.cell), []).append(r)
    for (sheet, address), remarks in by_cell.items():
        cell = wb[sheet][address]
        severity = "error" if any(r.severity == "error" for r in remarks) else "warning"
        cell.fill = FILL[severity]
        text = "\n\n".join(f"{SEVERITY_RU[r.severity].capitalize()} ({r.clause}): {r.message}" for r in remarks)
        comment = Comment(text, COMMENT_AUTHOR)
        comment.width = 420
        comment.height = min(600, 60 + 18 * (len(text) // 55 + 2 * len(remarks)))
        cell.comment = comment


def _remarks_sheet(wb: openpyxl.Workbook, batch: Batch, f: FileResult, converted: str | None,
                   notes: list[str] = ()) -> None:
    ws: Worksheet = wb.create_sheet(REMARKS_SHEET if REMARKS_SHEET not in wb.sheetnames else "Замечания проверки", 0)
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False
    fix = batch.profile.deadlines.get("fix")
    deadline = f.fix_deadline.strftime("%d.%m.%Y") if f.fix_deadline else "—"
    lines = [
        (f"Замечания к перечню точек взаимодействия: {f.subdivision}", Font(bold=True, size=14)),
        (f"Файл: {f.path}", None),
        (f"Дата проверки: {batch.run_date.strftime('%d.%m.%Y')}", None),
        (f"Срок устранения замечаний: до {deadline} включительно — {fix.days} рабочих дней ({fix.clause})"
         if fix and f.fix_deadline else "Срок устранения замечаний Порядком не установлен: устраните их "
         "и направьте перечень повторно как можно скорее.", Font(bold=True, color="9C0006")),
        (f"Ошибок: {f.errors}, предупреждений: {f.warnings}. Ошибки нужно исправить, чтобы перечень был "
         f"включен в сводный; предупреждения — проверить. Ячейки с ошибками выделены красным, "
         f"с предупреждениями — желтым, текст замечания — в примечании к ячейке.", None),
    ]
    if converted:
        lines.append((f"Файл получен в формате {converted}; возвращается копия в формате .xlsx только со "
                      f"значениями ячеек, без оформления исходного файла.", Font(italic=True)))
    lines.extend((note, Font(italic=True)) for note in notes)
    headers = ["№", "Лист", "Ячейка", "Графа", "Значение", "Вид", "Замечание", "Пункт Порядка"]
    widths = [5, 14, 9, 26, 30, 15, 70, 24]
    resubmitted = f.resolved is not None
    if resubmitted:
        # A new version of a returned file: each remark says whether the earlier version had it too.
        headers.append("Отметка об устранении")
        widths.append(16)
        lines.append(("Это доработанная версия ранее возвращенного перечня: у каждого замечания отмечено, было ли "
                      "оно в прежней версии («не устранено») или появилось вновь («новое»); устраненные "
                      "замечания прежней версии перечислены в конце.", None))
    for i, (text, font) in enumerate(lines, start=1):
        cell = ws.cell(i, 1)
        set_value(cell, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if font:
            cell.font = font
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=len(headers))
        ws.row_dimensions[i].height = row_height([text], [sum(widths) * (0.8 if font and font.size else 1)],
                                                 20 if font and font.size else 15)
    header_row = len(lines) + 2
    for c, (h, w) in enumerate(zip(headers, widths), start=1):
        cell = ws.cell(header_row, c)
        set_value(cell, h)
        cell.font = Font(bold=True)
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(c)].width = w
    wrap = Alignment(vertical="top", wrap_text=True)
    for n, r in enumerate(f.remarks, start=1):
        row = header_row + n
        values = [n, r.sheet, r.cell or "весь файл", r.column or "", r.value or "",
                  SEVERITY_RU[r.severity], r.message, r.clause] + ([r.resolution or ""] if resubmitted else [])
        for c, v in enumerate(values, start=1):
            cell = ws.cell(row, c)
            set_value(cell, v)
            cell.border = BORDER
            cell.alignment = wrap
        ws.cell(row, 6).fill = FILL[r.severity]
        ws.row_dimensions[row].height = row_height(values, widths)
        if r.cell and r.sheet in wb.sheetnames:
            link = ws.cell(row, 3)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{r.sheet}'!{r.cell}")
            link.font = Font(color="0563C1", underline="single")
    row = header_row + len(f.remarks) + 1
    if f.resolved:
        row += 1
        set_value(ws.cell(row, 1), "Замечания прежней версии, которые устранены:")
        ws.cell(row, 1).font = Font(bold=True)
        for g in f.resolved:
            row += 1
            values = ["", g.get("sheet"), (g.get("cell") or "весь файл") + " (прежняя версия)", g.get("column") or "",
                      g.get("value") or "", SEVERITY_RU.get(g.get("severity"), ""), g.get("message"),
                      g.get("clause"), g.get("resolution")]
            for c, v in enumerate(values, start=1):
                cell = ws.cell(row, c)
                set_value(cell, v)
                cell.border = BORDER
                cell.alignment = wrap
            ws.row_dimensions[row].height = row_height(values, widths)
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
