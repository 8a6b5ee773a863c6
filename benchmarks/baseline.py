"""The straightforward version the benchmark compares against: what one would write first.

openpyxl reads every workbook; each file is validated by its own pandera call; returned files are
annotated with openpyxl; the consolidated list is written cell by cell with openpyxl; the order's
table is filled with python-docx `add_row`, one row at a time. The checks, the remarks and the
verdicts are the product's own, so both versions do the same work.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import docx
import openpyxl
from openpyxl.styles import Alignment, Font

from consolidator.outputs.returned import write_returned
from consolidator.checks.engine import check_batch
from consolidator.model import ACCEPTED, RETURNED, Batch
from consolidator.inbox.files import discover
from consolidator.profile import Profile
from consolidator.profile.form import Table, _data_rows, _fill_merged_down, find_header
from consolidator.ooxml.openpyxl_cells import BORDER, set_value


def _read(path: Path, profile: Profile) -> Table | None:
    wb = openpyxl.load_workbook(path, data_only=True)
    for ws in wb.worksheets:
        grid = [["" if c is None else c for c in row] for row in ws.iter_rows(values_only=True)]
        found = find_header(grid, profile)
        if found is None:
            continue
        header_row, columns = found
        merged = [((m.min_row - 1, m.min_col - 1), (m.max_row - 1, m.max_col - 1)) for m in ws.merged_cells.ranges]
        table = Table(ws.title, header_row + 1, columns, [k for k in profile.keys if k not in columns])
        table.origin = _fill_merged_down(grid, merged)
        table.rows = list(_data_rows(grid, header_row, columns, profile))
        return table
    return None


def baseline_run(profile: Profile, inbox: Path, out: Path, run_date: date) -> Batch:
    files = discover(inbox)
    out.mkdir(parents=True, exist_ok=True)
    frames = []
    for i, f in enumerate(files):
        table = _read(f.source, profile) or Table(None, 0, {}, list(profile.keys))
        one = check_batch(profile, [f], {0: table})  # one pandera call per file
        frames.append(one.assign(file=i))
        f.sheet, f.rows = table.sheet, len(table.rows)
        if f.errors:
            f.verdict = RETURNED
    import pandas as pd

    batch = Batch(profile, run_date, inbox, out, files, pd.concat(frames, ignore_index=True))
    for f in files:
        if f.verdict == RETURNED:
            f.returned_copy = write_returned(batch, f, out)
    rows = batch.accepted_rows()
    wb = openpyxl.Workbook()
    ws = wb.active
    for c, key in enumerate(profile.keys, start=1):
        cell = ws.cell(1, c, profile.column(key).header)
        cell.font = Font(bold=True)
        cell.border = BORDER
    for r, values in enumerate(rows[profile.keys].itertuples(index=False), start=2):
        for c, v in enumerate(values, start=1):
            cell = ws.cell(r, c)
            set_value(cell, v)
            cell.border = BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    wb.save(out / "Сводный перечень.xlsx")
    document = docx.Document()
    table = document.add_table(rows=1, cols=len(profile.keys))
    for c, key in enumerate(profile.keys):
        table.rows[0].cells[c].text = profile.header(key)
    for values in rows[profile.keys].itertuples(index=False):
        cells = table.add_row().cells
        for c, v in enumerate(values):
            cells[c].text = str(v)
    document.save(out / "Проект приказа.docx")
    return batch


if __name__ == "__main__":
    import sys

    from consolidator.profile import load_profile

    b = baseline_run(load_profile("udmurt"), Path(sys.argv[1]), Path(sys.argv[2]), date(2024, 7, 16))
    print(sum(f.verdict == ACCEPTED for f in b.files), "accepted of", len(b.files))
