"""The returned workbook: a copy of the subdivision's own file with every remark written into it.

Flagged cells are filled (one colour for errors, another for warnings) and carry a comment; a new
first sheet «Замечания» lists every remark under a heading with the subdivision, the date of the check
and the deadline to fix. An .xls or .ods is returned as an .xlsx copy holding its values, and the sheet
says so. The inbox is only read.

An .xlsx or .xlsm is copied part by part and only the parts that change are patched
(consolidator.ooxml.xlsx_patch): a few milliseconds a file, and everything the author put in the workbook
(macros, images, charts, validations, conditional formats) stays. A package the patcher does not
handle, and every other format, goes through openpyxl (consolidator.outputs.returned_openpyxl), imported only
then: it is slow to import and to run.
"""
from __future__ import annotations

from pathlib import Path

import consolidator.ooxml.xlsx_patch as xlsxpatch
from consolidator.inbox.safety import Source, UnreadableError, inspect, technical
from consolidator.model import Batch, FileResult
from consolidator.outputs.atomic import atomic_path
from consolidator.outputs.returned_remarks import (COMMENT_AUTHOR, NATIVE_SUFFIXES, RETURNED_DIR, cell_marks,
                                                   remarks_sheet, remarks_sheet_name, returned_copy_path,
                                                   source_notes)

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
    from consolidator.outputs.returned_openpyxl import write_returned as write_with_openpyxl

    return write_with_openpyxl(batch, f, root, src, notes)


def _patched(batch: Batch, f: FileResult, root: Path, src: Source) -> str:
    wb = xlsxpatch.Workbook(src.binary())
    names = wb.sheet_names
    sheet = remarks_sheet(batch, f, remarks_sheet_name(names), names, None, source_notes(src))
    xlsxpatch.apply(wb, cell_marks(f, names, wb.merge_anchor), sheet, COMMENT_AUTHOR)
    rel = returned_copy_path(f.path)
    data = wb.bytes()
    with atomic_path(root / rel) as tmp:
        tmp.write_bytes(data)
    return rel


