"""Returned copies written with openpyxl: what consolidator.outputs.returned cannot patch.

An .xls, .ods or a CSV/HTML table saved as .xls comes back as an .xlsx values copy, laid out for print
as the author laid it out as far as the file says (column widths, borders, orientation and fit, the rows
repeated on every page: inbox.layout), and otherwise as the form prints (A4 landscape, one page wide,
the table in borders, its header on every page); an .xlsx/.xlsm whose package the patcher refused is
loaded and saved by openpyxl; a file that cannot be read at all comes back as the remarks sheet alone. The content (fills, comments, the sheet «Замечания») is the
same as the patcher writes: returned_remarks builds it, this module renders it. Imported only when needed:
openpyxl takes 0.4 s to import.
"""
from __future__ import annotations

import warnings
from pathlib import Path, PurePosixPath

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.hyperlink import Hyperlink

from consolidator.inbox.layout import SheetLayout, sheet_layouts
from consolidator.inbox.safety import MAX_RANGE_CELLS, Source, inspect, technical
from consolidator.inbox.workbook import ods_merged_ranges, open_workbook, reraise_fatal, sheet_rows, worksheet_names
from consolidator.model import Batch, FileResult
from consolidator.ooxml.cells import MAX_CELL_TEXT, fit_text, row_height
from consolidator.ooxml.openpyxl_cells import BORDER, set_value
from consolidator.ooxml.xlsx_patch import Mark, NewSheet, Style
from consolidator.outputs.atomic import atomic_path
from consolidator.outputs.returned_remarks import (COMMENT_AUTHOR, NATIVE_SUFFIXES, cell_marks, remarks_sheet,
                                                   remarks_sheet_name, returned_copy_path, source_notes)
from consolidator.outputs.style import BODY_FONT
from consolidator.outputs.returned_remarks import until_blank_rows as _until_blank_rows
from consolidator.outputs.returned_remarks import value_widths as _widths


def write_returned(batch: Batch, f: FileResult, root: Path, src: Source | None,
                   technical_notes: list[str] | None = None) -> str:
    """The returned copy made with openpyxl (see consolidator.outputs.returned.write_returned);
    why a fallback was taken goes to `technical_notes`, for the log."""
    suffix = f.source.suffix.lower()
    notes: list[str] = []
    log = technical_notes if technical_notes is not None else []
    wb, converted, native = None, None, False
    if src is not None and src.kind == "xlsx" and suffix in NATIVE_SUFFIXES:
        try:
            # keep_vba keeps the author's macros in the copy; nothing in the workbook is ever run.
            with warnings.catch_warnings():
                # openpyxl's notes on odd styles or extensions are not the user's business.
                warnings.simplefilter("ignore")
                wb = openpyxl.load_workbook(src.binary(), keep_vba=suffix == ".xlsm", rich_text=True)
            native = True
        except Exception as exc:
            log.append(f"openpyxl cannot open the workbook, a values copy is made: {technical(exc)}")
            wb, converted = None, f"{suffix}, но его не удалось открыть для записи замечаний"
        if wb is not None:
            notes.extend(source_notes(src))
    if wb is None and src is not None:
        try:
            wb = values_copy(src)
            converted = converted or (suffix if not src.actual else f"{suffix} (на самом деле это {src.actual})")
        except BaseException as exc:  # a Rust panic in python-calamine is a BaseException
            reraise_fatal(exc)
            log.append(f"no values copy could be made, the copy holds the remarks only: {technical(exc)}")
            wb = None
    if wb is None:
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        notes.append("Исходный файл не удалось открыть для записи замечаний: ниже только список замечаний.")
    try:
        return _finish(wb, batch, f, root, converted, notes, native)
    except Exception as exc:
        if not native:
            raise
        log.append(f"openpyxl cannot write the workbook back, a values copy is made: {technical(exc)}")
    # openpyxl read the author's workbook but cannot write it back: a values copy instead.
    return _finish(values_copy(src), batch, f, root, f"{suffix}, но его не удалось записать с оформлением",
                   [], False)


def _finish(wb: openpyxl.Workbook, batch: Batch, f: FileResult, root: Path, converted: str | None,
            notes: list[str], native: bool) -> str:
    _fit_long_values(wb)
    index: dict = {}
    for mark in cell_marks(f, wb.sheetnames, lambda sheet, cell: _anchor(wb[sheet], cell, index)):
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


def _anchor(ws, cell: str, index: dict | None = None) -> str:
    """The top left cell of the merged range `cell` is in: openpyxl writes no comment elsewhere in it.
    The sheet's merges are indexed once (`index`, by worksheet): a copy of a sheet with 40 000 merges
    and many remarks looked each remark up in every merge."""
    merged = getattr(ws, "merged_cells", None)
    if not merged:
        return cell
    if index is None:
        index = {}
    cells = index.get(id(ws))
    if cells is None:
        cells = index[id(ws)] = {}
        for rng in merged.ranges:
            start = f"{get_column_letter(rng.min_col)}{rng.min_row}"
            for row, col in rng.cells:
                cells[row, col] = start
    row, col = coordinate_to_tuple(cell)
    return cells.get((row, col), cell)


def _mark(wb: openpyxl.Workbook, mark: Mark, author: str = COMMENT_AUTHOR) -> None:
    cell = wb[mark.sheet][mark.cell]
    cell.fill = PatternFill("solid", start_color=mark.fill, end_color=mark.fill)
    comment = Comment(mark.comment, author)
    comment.width, comment.height = mark.width, mark.height
    cell.comment = comment


def _style(cell, style: Style) -> None:
    if style.bold or style.italic or style.size or style.color or style.underline:
        # Named: a font without a name is shown in the spreadsheet's default, a serif one in LibreOffice.
        cell.font = Font(name=BODY_FONT, bold=style.bold or None, italic=style.italic or None, size=style.size or 11,
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
    HTML table saved as .xls). Each worksheet is copied to the end of its content (BLANK_RUN empty
    rows); chart and macro sheets hold no cells and are left out."""
    source = source if isinstance(source, Source) else inspect(Path(source))
    src = open_workbook(source)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    grids: dict[str, tuple[object, list[list]]] = {}
    ods_merges = ods_merged_ranges(source.path) if source.kind == "ods" else None  # once for all sheets
    for name in worksheet_names(src):
        sheet = src.get_sheet_by_name(name)
        ws = wb.create_sheet(name[:31])
        # A corrupted .xls may claim more columns than a worksheet has.
        grid = [row[:16384] for row in _until_blank_rows(sheet_rows(sheet, source.info(name)))[:1048576]]
        grids[name] = (ws, grid)
        widths = _widths(grid)
        wrap = _style_setter(wb, "alignment", Alignment(wrap_text=True, vertical="top"))
        for r, row in enumerate(grid, start=1):
            in_table = sum(v not in ("", None) for v in row) > 1  # a lone title or footnote spills over
            for c, value in enumerate(row, start=1):
                if value not in ("", None):
                    cell = ws.cell(r, c)
                    set_value(cell, value if isinstance(value, (int, float, str)) else str(value))
                    if in_table:
                        wrap(cell)
            if in_table:
                ws.row_dimensions[r].height = row_height(row, widths)
        merges = ods_merges.get(name, []) if ods_merges is not None else sheet.merged_cell_ranges or []
        add_merges(ws, merges, len(grid), len(widths))
        for c, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(c)].width = width
    _lay_out(source, grids)
    return wb


def _style_setter(wb: openpyxl.Workbook, name: str, style):
    """A function giving a cell this style. The style is registered with the workbook once: openpyxl
    hashes the style object again for every cell it is set on (40 % of a 100 000-cell copy)."""
    collection = getattr(wb, {"alignment": "_alignments"}[name], None)
    key = {"alignment": "alignmentId"}[name]
    if collection is None:
        return lambda cell: setattr(cell, name, style)
    index = collection.add(style)

    def give(cell) -> None:
        array = getattr(cell, "_style", None)
        if array is None:
            setattr(cell, name, style)
        else:
            setattr(array, key, index)
    return give


# Cells of the occupancy map add_merges keeps (a byte each); a larger extent is cut to the copied rows.
_MERGE_MAP_CELLS = 50_000_000


def add_merges(ws, merges: list, rows: int, cols: int) -> None:
    """Merge the ranges ((r1, c1), (r2, c2)), 0-based, that start in the copied rows (`rows` × `cols`).

    openpyxl's merge_cells checks each new range against all the sheet's ranges: 40 000 merges of a
    333 KB .xls took 326 s. Here a map of the cells already merged (a byte a cell, checked a row at
    a time by bytes.find) keeps the result valid in linear time: a range that is upside down, larger
    than MAX_RANGE_CELLS or overlaps one already added is left out (Excel refuses a workbook with
    overlapping merges), and the ranges are added straight to the sheet's set."""
    kept = [((r1, c1), (r2, c2)) for (r1, c1), (r2, c2) in merges
            if (r1, c1) != (r2, c2) and 0 <= r1 <= r2 and 0 <= c1 <= c2 and r1 < rows and c2 < 16384
            and (r2 - r1 + 1) * (c2 - c1 + 1) <= MAX_RANGE_CELLS]
    if not kept:
        return
    height = min(1_048_576, max(r2 for _, (r2, _) in kept) + 1)
    width = max(c2 for _, (_, c2) in kept) + 1
    if height * width > _MERGE_MAP_CELLS:  # ranges reaching far below or right of the copy end with it
        height, width = rows, max(1, cols)
        kept = [((r1, c1), (min(r2, rows - 1), min(c2, width - 1))) for (r1, c1), (r2, c2) in kept if c1 < width]
        kept = [(a, b) for a, b in kept if a != b]
    taken = bytearray(height * width)
    budget = height * width + len(kept)  # rows looked at: no valid set of merges needs more
    ranges = ws.merged_cells.ranges
    for (r1, c1), (r2, c2) in kept:
        budget -= r2 - r1 + 1
        if budget < 0:
            break
        if any(taken.find(1, r * width + c1, r * width + c2 + 1) >= 0 for r in range(r1, r2 + 1)):
            continue
        ones = b"\x01" * (c2 - c1 + 1)
        for r in range(r1, r2 + 1):
            taken[r * width + c1:r * width + c2 + 1] = ones
        # A plain range: openpyxl writes a merge by its reference. (Its MergedCellRange copies the
        # borders of the first cell to the edges, 0.5 ms a merge; a values copy has no borders.)
        rng = CellRange(min_col=c1 + 1, min_row=r1 + 1, max_col=c2 + 1, max_row=r2 + 1)
        if isinstance(ranges, set):
            ranges.add(rng)
        else:  # an openpyxl whose set is a list
            ranges.append(rng)


# --- print layout of a values copy ------------------------------------------------------------------

def _lay_out(source: Source, grids: dict[str, tuple[object, list[list]]]) -> None:
    """The author's widths, borders and print setup where the file states them (inbox.layout), the
    form's print layout where it does not; row heights fitted to the widths the copy ends up with."""
    rows = max((len(g) for _, g in grids.values()), default=0)
    cols = max((len(r) for _, g in grids.values() for r in g), default=0)
    layouts = sheet_layouts(source, rows, cols) if rows and cols else {}
    for name, (ws, grid) in grids.items():
        _lay_out_sheet(ws, grid, layouts.get(name) or SheetLayout())


def _in_table(row: list) -> bool:
    return sum(v not in ("", None) for v in row) > 1  # a lone title or footnote spills over


def _lay_out_sheet(ws, grid: list[list], layout: SheetLayout) -> None:
    table = [r for r, row in enumerate(grid) if _in_table(row)]
    ncols = max((len(r) for r in grid), default=0)
    for c, width in layout.widths.items():
        if c < ncols:
            ws.column_dimensions[get_column_letter(c + 1)].width = width
    sides_of: dict[tuple, Border] = {}
    for (r, c), sides in layout.borders.items():
        if r < len(grid) and c < ncols:
            border = sides_of.get(sides)
            if border is None:
                border = sides_of[sides] = Border(*(Side(style=s) if s else Side() for s in sides))
            ws.cell(r + 1, c + 1).border = border
    if table and not layout.borders:
        # The form is a table in borders: drawn round every cell of the table's rows and columns.
        first_col = min(next(c for c, v in enumerate(grid[r]) if v not in ("", None)) for r in table)
        last_col = max(max(c for c, v in enumerate(grid[r]) if v not in ("", None)) for r in table)
        thin = Side(style="thin")
        box = Border(left=thin, right=thin, top=thin, bottom=thin)
        for r in range(table[0], table[-1] + 1):
            for c in range(first_col, last_col + 1):
                ws.cell(r + 1, c + 1).border = box
    widths = [ws.column_dimensions[get_column_letter(c + 1)].width or 8.43 for c in range(ncols)]
    if layout.widths and table:
        # The author's widths: rows as tall as their wrapped text in them.
        for r in table:
            ws.row_dimensions[r + 1].height = row_height(grid[r], widths)
    if table:
        _wrap_lone_texts(ws, grid, set(table), widths)
    setup = ws.page_setup
    setup.paperSize = layout.paper or ws.PAPERSIZE_A4
    if layout.print_setup:
        setup.orientation = "landscape" if layout.landscape else "portrait"
        if layout.fit_width is not None:
            setup.fitToWidth, setup.fitToHeight = layout.fit_width, layout.fit_height or 0
            ws.sheet_properties.pageSetUpPr.fitToPage = True
        elif layout.scale:
            setup.scale = layout.scale
    else:
        # The form's own print layout: A4 landscape, one page wide, as many pages down as needed.
        setup.orientation = "landscape"
        setup.fitToWidth, setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    titles = layout.title_rows or (_header_rows(grid, table[0]) if table else None)
    if titles:
        ws.print_title_rows = f"{titles[0]}:{titles[1]}"


def _wrap_lone_texts(ws, grid: list[list], table: set[int], widths: list[float]) -> None:
    """A title or footnote alone in its row is wrapped within the table's width (in its merged range,
    or in one made across the table): left to spill over, a long footnote runs far to the right and
    the page, fitted to the width, shrinks to a fraction."""
    last_col = max(max(c for c, v in enumerate(grid[r]) if v not in ("", None)) for r in table)
    spans = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges if m.min_row == m.max_row}
    taken = {m.min_row for m in ws.merged_cells.ranges}
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(grid):
        filled = [c for c, v in enumerate(row) if v not in ("", None)]
        if r in table or len(filled) != 1 or not isinstance(row[filled[0]], str):
            continue
        c = filled[0]
        merged = spans.get((r + 1, c + 1))
        last = merged.max_col - 1 if merged else last_col
        width = sum(widths[c:last + 1])
        if len(row[c]) <= width:
            continue
        if merged is None:
            if c >= last or r + 1 in taken:
                continue
            ws.merge_cells(start_row=r + 1, start_column=c + 1, end_row=r + 1, end_column=last + 1)
        cell = ws.cell(r + 1, c + 1)
        cell.alignment = wrap
        ws.row_dimensions[r + 1].height = row_height([row[c]], [width])


def _header_rows(grid: list[list], first: int) -> tuple[int, int]:
    """The table's header as 1-based rows: its first row down to the row numbering the columns
    (1, 2, 3 …) when one follows within a few rows."""
    for r in range(first, min(first + 4, len(grid))):
        values = [v for v in grid[r] if v not in ("", None)]
        numbers = [int(float(v)) for v in values if isinstance(v, (int, float)) or str(v).strip().isdigit()]
        if len(values) >= 3 and len(numbers) == len(values) and numbers == list(range(1, len(numbers) + 1)):
            return first + 1, r + 1
    return first + 1, first + 1
