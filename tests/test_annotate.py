"""The returned copy: the author's workbook untouched but for fills, comments and the remarks sheet."""
from __future__ import annotations

from datetime import date

import openpyxl
from openpyxl.styles import Font

from consolidator.annotate import FILL, REMARKS_SHEET, write_returned
from consolidator.pipeline import check
from tests.workbooks import make_form

BASE = {"group": "Предоставление государственных услуг", "service": "Выдача удостоверения многодетной семьи",
        "interaction": "Подача заявления"}


def _returned(tmp_path, udmurt, rows, styled=False):
    src = make_form(tmp_path / "in" / "Управление семьи" / "перечень.xlsx", udmurt, rows)
    if styled:
        wb = openpyxl.load_workbook(src)
        wb.active["C6"].font = Font(name="Arial", bold=True)
        wb.active.column_dimensions["C"].width = 55
        wb.save(src)
    batch = check(udmurt, tmp_path / "in", tmp_path / "out", date(2024, 7, 16))
    f = batch.files[0]
    rel = write_returned(batch, f, tmp_path / "out")
    return f, openpyxl.load_workbook(tmp_path / "out" / rel), src


def test_flagged_cells_comments_and_remarks_sheet(tmp_path, udmurt):
    rows = [
        {**BASE, "point": "Телефон горячей линии", "kind": "Офлайн-точка"},  # error at F6
        {**BASE, "point": "Многофункциональный центр", "kind": "Офлайн-точка"},  # warning at D7
        {**BASE, "point": '=HYPERLINK("https://minsoc18.ru")', "kind": "Онлайн-точка"},
    ]
    f, wb, _ = _returned(tmp_path, udmurt, rows, styled=True)
    assert f.verdict == "returned" and f.fix_deadline == date(2024, 7, 23)
    assert wb.sheetnames[0] == REMARKS_SHEET and wb.sheetnames[1] == "Лист1"
    sheet = wb["Лист1"]
    assert sheet["F6"].fill.start_color.rgb.endswith(FILL["error"].start_color.rgb[-6:])
    assert sheet["D7"].fill.start_color.rgb.endswith(FILL["warning"].start_color.rgb[-6:])
    assert "п. 3 Порядка" in sheet["F6"].comment.text and "Укажите «Онлайн-точка»" in sheet["F6"].comment.text
    assert sheet["D6"].comment is None
    # The author's values and formatting are kept.
    assert sheet["D6"].value == "Телефон горячей линии"
    assert sheet["C6"].font.bold and sheet["C6"].font.name == "Arial"
    assert sheet.column_dimensions["C"].width == 55
    remarks = wb[REMARKS_SHEET]
    text = "\n".join(str(c.value) for row in remarks.iter_rows() for c in row if c.value is not None)
    assert "Управление семьи" in text and "16.07.2024" in text and "23.07.2024" in text
    table = [[c.value for c in row] for row in remarks.iter_rows() if row[0].value in (1, 2)]
    assert [(r[2], r[5]) for r in table] == [("F6", "ошибка"), ("D7", "предупреждение")]
    # No cell anywhere became a formula, and the «=…» text stayed literal.
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate)
    assert wb["Лист1"]["D8"].value == '=HYPERLINK("https://minsoc18.ru")'


def test_inbox_file_is_not_touched(tmp_path, udmurt):
    rows = [{**BASE, "point": "Портал", "kind": "Онлайн-точка"}]
    src = make_form(tmp_path / "in" / "a.xlsx", udmurt, rows)
    before = src.read_bytes()
    batch = check(udmurt, tmp_path / "in", tmp_path / "out", date(2024, 7, 16))
    write_returned(batch, batch.files[0], tmp_path / "out")
    assert src.read_bytes() == before
