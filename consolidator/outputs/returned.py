"""The returned workbook: a copy of the subdivision's own file with every remark written into it.

Flagged cells are filled (one colour for errors, another for warnings) and carry a comment; a new
first sheet «Замечания» lists every remark under a heading with the subdivision, the date of the check
and the deadline to fix. An .xls or .ods is returned as an .xlsx copy holding its values, and the sheet
says so. The inbox is only read.

An .xlsx or .xlsm is copied part by part and only the parts that change are patched
(consolidator.ooxml.xlsx_patch): a few milliseconds a file, and everything the author put in the workbook
(macros, images, charts, validations, conditional formats) stays. A package the patcher does not
handle, and every other format, goes through openpyxl (consolidator.outputs.returned_openpyxl), imported only
then: it is slow to import and to run. A text table (a CSV export, an HTML page saved as .xls) holds
values only: its .xlsx copy is streamed (ooxml.xlsx_writer) and then patched as a workbook is, which
keeps a survey's export of tens of thousands of rows to a fraction of a second.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import consolidator.ooxml.xlsx_patch as xlsxpatch
from consolidator.inbox.safety import MAX_RANGE_CELLS, Source, UnreadableError, inspect, technical
from consolidator.model import Batch, FileResult
from consolidator.outputs.atomic import atomic_path
from consolidator.outputs.returned_remarks import (NATIVE_SUFFIXES, RETURNED_DIR, cell_marks,
                                                   remarks_sheet, remarks_sheet_name, returned_copy_path,
                                                   source_notes, until_blank_rows, value_widths)

__all__ = ["RETURNED_DIR", "write_returned"]


def write_returned(batch: Batch, f: FileResult, root: Path, notes: list[str] | None = None,
                   read_source: bool = True) -> str:
    """Write the returned copy of one file under `root`; return its path relative to OUT.

    The file is read again through safety.inspect, as when it was checked: the copy is made of the
    same (possibly trimmed) bytes calamine read, and never of a file the checks refused. This reads
    untrusted bytes: it runs in a helper process (consolidator.run). `read_source=False` makes the
    sheet of remarks alone, reading nothing (the file killed the process that tried). What could not
    be kept in the copy is added to `notes`, in English, for the log."""
    notes = notes if notes is not None else []
    src: Source | None = None
    if read_source:
        try:
            src = inspect(f.source, batch.limits)
        except UnreadableError as exc:
            notes.append(f"the file was not inspected again for its copy: {exc.detail or exc}")
    if src is not None and src.kind == "xlsx" and f.source.suffix.lower() in NATIVE_SUFFIXES:
        try:
            return _patched(batch, f, root, src)
        except Exception as exc:  # an odd package: openpyxl below makes the copy, so no file goes without one
            notes.append(f"the package could not be patched, openpyxl makes the copy: {technical(exc)}")
    elif src is not None and src.text:
        suffix = f.source.suffix.lower()
        converted = suffix if suffix == ".csv" else f"{suffix} (на самом деле это {src.actual})"
        try:
            return _patched(batch, f, root, _values_workbook(src), converted)
        except Exception as exc:  # a table the streaming writer refuses (a sheet name): openpyxl makes the copy
            notes.append(f"the table could not be streamed, openpyxl makes the copy: {technical(exc)}")
    from consolidator.outputs.returned_openpyxl import write_returned as write_with_openpyxl

    return write_with_openpyxl(batch, f, root, src, notes)


def _patched(batch: Batch, f: FileResult, root: Path, src: Source, converted: str | None = None) -> str:
    wb = xlsxpatch.Workbook(src.binary())
    names = wb.sheet_names
    sheet = remarks_sheet(batch, f, remarks_sheet_name(names), names, converted, source_notes(src))
    xlsxpatch.apply(wb, cell_marks(f, names, wb.merge_anchor), sheet, batch.profile.wording.comment_author)
    rel = returned_copy_path(f.path)
    data = wb.bytes()
    with atomic_path(root / rel) as tmp:
        tmp.write_bytes(data)
    return rel


# A text table longer than this is copied one line a row (its values not wrapped).
WRAP_ROWS = 2000


def _values_workbook(src: Source) -> Source:
    """An .xlsx holding the values (and merges) of a text table, each sheet under its own name, written by
    the streaming writer; a table row's cells wrap, with the row as high as its text."""
    from consolidator.inbox.workbook import open_workbook, sheet_rows
    from consolidator.ooxml.xlsx_writer import Align, row_heights
    from consolidator.ooxml.xlsx_writer import Workbook as StreamedWorkbook

    wb = open_workbook(src)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "copy.xlsx"
        with StreamedWorkbook(path) as book:
            wrap = book.style(align=Align(vertical="top", wrap=True))
            for name in wb.sheet_names:
                sheet = wb.get_sheet_by_name(name)
                grid = [row[:16384] for row in until_blank_rows(sheet_rows(sheet, src.info(name)))[:1048576]]
                widths = value_widths(grid)
                # A lone title or footnote spills over the next cells; a table row wraps.
                in_table = [sum(v not in ("", None) for v in row) > 1 for row in grid]
                if len(grid) > WRAP_ROWS:
                    # A long export stays one line a row, as it was: measuring the heights of its wrapped
                    # rows cost more than the rest of the copy.
                    in_table = [False] * len(grid)
                # Heights measured column by column, each distinct text once (an export repeats its answers).
                columns = [[row[c] if c < len(row) and table else "" for row, table in zip(grid, in_table)]
                           for c in range(len(widths))] if any(in_table) else []
                heights = row_heights(columns, widths) if columns else [None] * len(grid)
                with book.sheet(name, widths=widths) as ws:
                    for r, (row, table, height) in enumerate(zip(grid, in_table, heights), start=1):
                        values = [v if isinstance(v, (int, float, str)) else str(v) for v in row]
                        ws.row(r, values, wrap if table else 0, height=height if table else None)
                    for (r1, c1), (r2, c2) in getattr(sheet, "merged_cell_ranges", None) or []:
                        if (r1, c1) != (r2, c2) and r1 <= r2 and c1 <= c2 and r1 < len(grid) and \
                                (r2 - r1 + 1) * (c2 - c1 + 1) <= MAX_RANGE_CELLS:
                            ws.merge(r1 + 1, c1 + 1, r2 + 1, c2 + 1)
        return Source(path=src.path, kind="xlsx", data=path.read_bytes())
