"""The check protocol: one line per file, every remark in one filterable table."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from consolidator.model import ACCEPTED, RETURNED, SKIPPED, UNREADABLE, Batch, FileResult, Remark
from consolidator.profile import load_profile
from consolidator.outputs.protocol import (FILE_HEADERS, FILES_HEADER_ROW, REMARK_EXTRA_HEADERS, REMARK_HEADERS,
                                          REMARK_WIDTHS, SHEET_FILES, SHEET_REMARKS, write_protocol)

FORMULA = "=SUM(A1:A3)"


def _remark(code: str, severity: str, cell: str | None, row: int | None, value: str | None, message: str) -> Remark:
    return Remark(code=code, severity=severity, sheet="Лист1" if cell else None, cell=cell, row=row,
                  column="Точка взаимодействия" if cell else None, value=value, message=message,
                  clause="п. 11 Порядка")


def make_batch(tmp_path: Path) -> Batch:
    files = [
        FileResult("Аппарат/перечень.xlsx", tmp_path / "a", "Аппарат", ACCEPTED, sheet="Лист1", rows=12,
                   remarks=[_remark("UD-LATIN", "warning", "D7", 7, "Тeлефон", "Ячейка D7: смешаны буквы.")]),
        FileResult("Опека/перечень.xlsx", tmp_path / "b", "Отдел опеки", RETURNED, sheet="Лист1", rows=5,
                   returned_copy="На доработку/Опека/перечень.xlsx", fix_deadline=date(2026, 12, 2),
                   remarks=[_remark("UD-DUP", "error", "D9", 9, FORMULA, "Ячейка D9: точка уже указана."),
                            _remark("UD-DUP", "error", "D10", 10, "Сайт", "Ячейка D10: точка уже указана."),
                            _remark("UD-POINT-UNKNOWN", "warning", "D11", 11, "Окно", "Ячейка D11: неизвестная точка.")]),
        FileResult("Кадры/перечень.xls", tmp_path / "c", "Отдел кадров", UNREADABLE, reason="Файл поврежден.",
                   remarks=[_remark("UD-FORM", "error", None, None, None, "Не найдены графы формы.")]),
        FileResult("Кадры/~$перечень.xlsx", tmp_path / "d", "Отдел кадров", SKIPPED, reason="Временный файл Excel."),
    ]
    return Batch(profile=load_profile("udmurt"), run_date=date(2026, 11, 25), inbox=tmp_path, out=tmp_path / "out",
                 files=files, data=pd.DataFrame())


@pytest.fixture()
def written(tmp_path):
    batch = make_batch(tmp_path)
    path = tmp_path / "out" / "Протокол проверки.xlsx"
    write_protocol(batch, path)
    return batch, path


def _grid(path: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def test_files_sheet_has_a_line_per_file(written):
    batch, path = written
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [SHEET_FILES, SHEET_REMARKS]
    ws = wb[SHEET_FILES]
    assert "Удмуртская Республика" in ws["A2"].value and "25.11.2026" in ws["A2"].value
    assert "Файлов: 4" in ws["A2"].value
    h = FILES_HEADER_ROW
    assert [c.value for c in ws[h]] == list(FILE_HEADERS)
    assert ws.auto_filter.ref == f"A{h}:I{h + 4}"
    assert ws.freeze_panes == f"A{h + 1}"
    assert ws.print_title_rows == f"${h}:${h}"
    lines = [[c.value for c in row] for row in ws.iter_rows(min_row=h + 1, max_row=ws.max_row)]
    # The file below its subdivision's folder: the folder would only repeat the first column.
    assert [line[:6] for line in lines] == [
        ["Аппарат", "перечень.xlsx", "принят", 12, 0, 1],
        ["Отдел опеки", "Опека/перечень.xlsx", "возвращен на доработку", 5, 2, 1],
        ["Отдел кадров", "Кадры/перечень.xls", "не прочитан", 0, 1, 0],
        ["Отдел кадров", "Кадры/~$перечень.xlsx", "пропущен", 0, 0, 0],
    ]
    # The deadline is a date shown as dd.mm.yyyy; the copy is the relative path.
    deadline = ws.cell(row=h + 2, column=7)
    assert deadline.value.date() == date(2026, 12, 2) and deadline.number_format == "DD.MM.YYYY"
    assert lines[1][7] == "На доработку/Опека/перечень.xlsx"
    assert [line[8] for line in lines] == [None, "см. лист «Замечания»", "Файл поврежден.", "Временный файл Excel."]
    assert [line[6] for line in lines if line[6] is not None] == [deadline.value]

    grid = _grid(path, SHEET_FILES)
    assert [r[0] for r in grid[h:]] == ["Аппарат", "Отдел опеки", "Отдел кадров", "Отдел кадров"]
    assert grid[h + 1][6] == date(2026, 12, 2)  # a date cell, not text


def test_remarks_sheet_lists_every_remark_with_autofilter(written):
    batch, path = written
    ws = openpyxl.load_workbook(path)[SHEET_REMARKS]
    assert [c.value for c in ws[1]] == list(REMARK_HEADERS + REMARK_EXTRA_HEADERS)
    expected = [(f, m) for f in batch.files for m in f.remarks]
    assert ws.max_row == 1 + len(expected) == 6
    assert ws.auto_filter.ref == f"A1:M{1 + len(expected)}"
    assert ws.freeze_panes == "A2"
    titles = {r.code: r.summary for r in batch.profile.rules}
    for row, (f, m) in zip(ws.iter_rows(min_row=2, values_only=True), expected):
        assert row == (f.subdivision, f.path.split("/", 1)[1] if f.path.startswith(f.subdivision + "/") else f.path,
                       m.cell or "весь файл", {"error": "ошибка", "warning": "предупреждение"}[m.severity], m.message,
                       f"{titles[m.code]} ({m.code})", m.clause, None, m.sheet, m.row, m.column, m.value, m.code)
    grid = _grid(path, SHEET_REMARKS)
    assert [r[12] for r in grid[1:]] == ["UD-LATIN", "UD-DUP", "UD-DUP", "UD-POINT-UNKNOWN", "UD-FORM"]
    assert grid[2][11] == FORMULA  # read back as the text it was


def test_remarks_sheet_prints_on_a4_landscape_with_borders(written):
    _, path = written
    ws = openpyxl.load_workbook(path)[SHEET_REMARKS]
    setup = ws.page_setup
    assert setup.orientation == "landscape" and setup.paperSize == 9 and setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # The clerk's columns are printed; the filter columns (sheet, row, column, value, code) are not.
    assert ws.print_area == f"'{SHEET_REMARKS}'!$A$1:$H$6"
    assert ws.print_title_rows == "$1:$1"
    # Readable on paper: the printed columns fit A4 landscape at no less than about 80 %.
    assert sum(REMARK_WIDTHS) <= 180
    for row in ws.iter_rows(min_row=2, max_row=6, max_col=len(REMARK_HEADERS)):
        for c in row:
            assert c.border.left.style == "thin" and c.border.bottom.style == "thin", c.coordinate
    assert ws["D3"].fill.fgColor.rgb.endswith("FFC7CE")  # an error stands out


def test_no_formulas_in_the_protocol(written):
    _, path = written
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate} holds a formula"
    assert FORMULA in [c.value for c in wb[SHEET_REMARKS]["L"]]


def test_batch_without_remarks_says_so(tmp_path):
    batch = make_batch(tmp_path)
    for f in batch.files:
        f.remarks = []
    path = tmp_path / "p.xlsx"
    write_protocol(batch, path)
    grid = _grid(path, SHEET_REMARKS)
    assert grid[1][0] == "Замечаний нет."
    assert "Замечаний: 0" in _grid(path, SHEET_FILES)[1][0]
