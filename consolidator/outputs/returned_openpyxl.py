"""Returned copies written with openpyxl: what consolidator.outputs.returned cannot patch.

An .xls, .ods or a CSV/HTML table saved as .xls comes back as an .xlsx values copy; an .xlsx/.xlsm
whose package the patcher refused is loaded and saved by openpyxl; a file that cannot be read at all
comes back as the remarks sheet alone. The content (fills, comments, the sheet «Замечания») is the
same as the patcher writes: returned_remarks builds it, this module renders it. Imported only when needed:
openpyxl takes 0.4 s to import.
"""
from __future__ import annotations

import warnings
from pathlib import Path, PurePosixPath

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from consolidator.inbox.safety import MAX_RANGE_CELLS, Source, inspect
from consolidator.inbox.workbook import ods_merged_ranges, open_workbook, sheet_rows
from consolidator.model import Batch, FileResult
from consolidator.ooxml.cells import MAX_CELL_TEXT, fit_text, row_height
from consolidator.ooxml.openpyxl_cells import BORDER, set_value
from consolidator.ooxml.xlsx_patch import Mark, NewSheet, Style
from consolidator.outputs.atomic import atomic_path
from consolidator.outputs.returned_remarks import (COMMENT_AUTHOR, NATIVE_SUFFIXES, cell_marks, remarks_sheet,
                                                   remarks_sheet_name, returned_copy_path, source_notes)
from consolidator.outputs.returned_remarks import until_blank_rows as _until_blank_rows
from consolidator.outputs.returned_remarks import value_widths as _widths
from consolidator.profile.form import BLANK_RUN


def write_returned(batch: Batch, f: FileResult, root: Path, src: Source | None) -> str:
    """The returned copy made with openpyxl (see consolidator.outputs.returned.write_returned)."""
    suffix = f.source.suffix.lower()
    notes: list[str] = []
    wb, converted, native = None, None, False
    if src is not None and src.kind == "xlsx" and suffix in NATIVE_SUFFIXES:
        try:
            # keep_vba keeps the author's macros in the copy; nothing in the workbook is ever run.
            with warnings.catch_warnings():
                # openpyxl's notes on odd styles or extensions are not the user's business.
                warnings.simplefilter("ignore")
                wb = openpyxl.load_workbook(src.binary(), keep_vba=suffix == ".xlsm", rich_text=True)
            native = True
        except Exception:
            wb, converted = None, f"{suffix}, но его не удалось открыть для записи замечаний"
        if wb is not None:
            notes.extend(source_notes(src))
    if wb is None and src is not None:
        try:
            wb = values_copy(src)
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
    return _finish(values_copy(src), batch, f, root, f"{suffix}, но его не удалось записать с оформлением",
                   [], False)


def _finish(wb: openpyxl.Workbook, batch: Batch, f: FileResult, root: Path, converted: str | None,
            notes: list[str], native: bool) -> str:
    _fit_long_values(wb)
    for mark in cell_marks(f, wb.sheetnames, lambda sheet, cell: _anchor(wb[sheet], cell)):
        _mark(wb, mark, batch.profile.wording.comment_author)
    render_sheet(wb, remarks_sheet(batch, f, remarks_sheet_name(wb.sheetnames), wb.sheetnames, converted, notes))
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


def _anchor(ws, cell: str) -> str:
    """The top left cell of the merged range `cell` is in: openpyxl writes no comment elsewhere in it."""
    for merged in getattr(ws, "merged_cells", None) or ():
        if cell in merged:
            return merged.start_cell.coordinate
    return cell


def _mark(wb: openpyxl.Workbook, mark: Mark, author: str = COMMENT_AUTHOR) -> None:
    cell = wb[mark.sheet][mark.cell]
    cell.fill = PatternFill("solid", start_color=mark.fill, end_color=mark.fill)
    comment = Comment(mark.comment, author)
    comment.width, comment.height = mark.width, mark.height
    cell.comment = comment


def _style(cell, style: Style) -> None:
    if style.bold or style.italic or style.size or style.color or style.underline:
        cell.font = Font(bold=style.bold or None, italic=style.italic or None, size=style.size,
                         color=style.color, underline="single" if style.underline else None)
    if style.fill:
        cell.fill = PatternFill("solid", start_color=style.fill, end_color=style.fill)
    if style.border:
        cell.border = BORDER
    if style.horizontal or style.vertical or style.wrap:
        cell.alignment = Alignment(horizontal=style.horizontal, vertical=style.vertical, wrap_text=style.wrap or None)


def render_sheet(wb: openpyxl.Workbook, sheet: NewSheet) -> None:
    """Insert `sheet` as the first, active sheet of an openpyxl workbook."""
    ws = wb.create_sheet(sheet.name, 0)
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False
    for r, cells in sheet.cells.items():
        for c, value, style in cells:
            cell = ws.cell(r, c)
            set_value(cell, value)
            _style(cell, style)
    for r, height in sheet.heights.items():
        ws.row_dimensions[r].height = height
    for c, width in enumerate(sheet.widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    for ref in sheet.merges:
        ws.merge_cells(ref)
    for ref, location in sheet.links.items():
        ws[ref].hyperlink = Hyperlink(ref=ref, location=location)
    if sheet.freeze_row:
        ws.freeze_panes = f"A{sheet.freeze_row}"
    if sheet.landscape:
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    if sheet.title_row:
        ws.print_title_rows = f"{sheet.title_row}:{sheet.title_row}"


def values_copy(source: Path | Source) -> openpyxl.Workbook:
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
