"""The reader on the layouts subdivisions really send (workbooks made here with openpyxl; .xls and
.ods fixtures made with LibreOffice live in tests/fixtures)."""
from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from consolidator.inbox.read import read_table
from consolidator.inbox.safety import UnreadableError
from consolidator.profile.form import match_header

ROWS = [
    ["1", "Предоставление государственных услуг", "Выдача удостоверения многодетной семьи",
     "Личный прием", "Подача заявления", "Офлайн-точка"],
    ["2", "Предоставление государственных услуг", "Выдача удостоверения многодетной семьи",
     "Единый портал государственных услуг", "Подача заявления", "Онлайн-точка"],
]


def _sheet(ws, start_row, headers, rows, numbering=True):
    for c, h in enumerate(headers, start=1):
        ws.cell(start_row, c, h)
    r = start_row + 1
    if numbering:
        for c in range(1, len(headers) + 1):
            ws.cell(r, c, c)
        r += 1
    for row in rows:
        for c, v in enumerate(row, start=1):
            ws.cell(r, c, v)
        r += 1
    return r


def _headers(profile):
    return [c.header for c in profile.columns]


def test_title_rows_header_variants_and_numbering_row(tmp_path, udmurt):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "ПЕРЕЧЕНЬ точек взаимодействия"
    ws["A3"] = "Структурное подразделение:"
    ws["C3"] = "Управление опеки"
    headers = ["№\nп/п", "НАИМЕНОВАНИЕ ГРУППЫ  услуг, функций (сервисов) *", "Наименование услуги,\nфункции (сервиса)",
               "Точка взаимодействия**", "Осуществляемое взаимодействие ***", "Особенности взаимодействия с клиентом"]
    end = _sheet(ws, 20, headers, ROWS)
    ws.cell(end + 1, 1, "* В соответствии с Реестром процессов Министерства;")
    ws.cell(end + 2, 1, "Примечание: заполняется ежеквартально")
    wb.save(tmp_path / "a.xlsx")
    t = read_table(tmp_path / "a.xlsx", udmurt)
    assert t.header_row == 20 and t.missing == []
    assert t.subdivision == "Управление опеки"
    assert [r for r, _ in t.rows] == [22, 23]
    assert t.rows[1][1] == ROWS[1]


def test_reordered_columns_and_ye(tmp_path, udmurt):
    wb = openpyxl.Workbook()
    ws = wb.active
    order = [0, 3, 1, 2, 5, 4]
    headers = [_headers(udmurt)[i].replace("е", "ё", 1) if i == 4 else _headers(udmurt)[i] for i in order]
    _sheet(ws, 1, headers, [[row[i] for i in order] for row in ROWS], numbering=False)
    wb.save(tmp_path / "b.xlsx")
    t = read_table(tmp_path / "b.xlsx", udmurt)
    assert t.columns == {"num": 0, "point": 1, "group": 2, "service": 3, "kind": 4, "interaction": 5}
    assert [v for _, v in t.rows] == ROWS


def test_merged_cells_fill_down_and_remember_origin(tmp_path, udmurt):
    wb = openpyxl.Workbook()
    ws = wb.active
    rows = [list(ROWS[0]), list(ROWS[1]), ["3", "", "", "Телефон горячей линии", "Консультация", "Онлайн-точка"]]
    rows[1][1] = rows[1][2] = rows[2][1] = rows[2][2] = None
    _sheet(ws, 1, _headers(udmurt), rows)
    ws.merge_cells("B3:B5")
    ws.merge_cells("C3:C5")
    wb.save(tmp_path / "m.xlsx")
    t = read_table(tmp_path / "m.xlsx", udmurt)
    assert [v[1] for _, v in t.rows] == [ROWS[0][1]] * 3
    assert [v[2] for _, v in t.rows] == [ROWS[0][2]] * 3
    assert t.origin[(5, 1)] == (3, 1)


def test_blank_row_inside_table_and_signature_below(tmp_path, udmurt):
    wb = openpyxl.Workbook()
    ws = wb.active
    end = _sheet(ws, 1, _headers(udmurt), [ROWS[0], [None] * 6, ROWS[1]])
    ws.cell(end + 1, 2, "Начальник управления")
    ws.cell(end + 1, 5, "И.И. Иванова")
    wb.save(tmp_path / "s.xlsx")
    t = read_table(tmp_path / "s.xlsx", udmurt)
    assert [r for r, _ in t.rows] == [3, 5]


def test_table_on_second_sheet(tmp_path, udmurt):
    wb = openpyxl.Workbook()
    wb.active.title = "Письмо"
    wb.active["A1"] = "Направляем перечень точек взаимодействия"
    ws = wb.create_sheet("Перечень")
    _sheet(ws, 2, _headers(udmurt), ROWS)
    wb.save(tmp_path / "t.xlsx")
    t = read_table(tmp_path / "t.xlsx", udmurt)
    assert t.sheet == "Перечень" and len(t.rows) == 2


def test_missing_column_is_reported(tmp_path, udmurt):
    wb = openpyxl.Workbook()
    headers = _headers(udmurt)[:4] + _headers(udmurt)[5:]
    _sheet(wb.active, 1, headers, [r[:4] + r[5:] for r in ROWS])
    wb.save(tmp_path / "c.xlsx")
    t = read_table(tmp_path / "c.xlsx", udmurt)
    assert t.missing == ["interaction"]


def test_no_form_table(tmp_path, udmurt):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Совсем другая таблица"
    wb.save(tmp_path / "d.xlsx")
    assert read_table(tmp_path / "d.xlsx", udmurt) is None


def test_not_a_workbook(tmp_path, udmurt):
    (tmp_path / "e.xlsx").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(UnreadableError):
        read_table(tmp_path / "e.xlsx", udmurt)


def test_match_header_ignores_layout_but_not_meaning(udmurt):
    cells = ["№ п/п", "Точка  взаимодействия", "Вид деятельности"]
    assert match_header(cells, udmurt) == {"num": 0, "point": 1}


FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXPECTED_FIXTURES = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED_FIXTURES))
def test_fixture_layouts(name, udmurt):
    """Real .xls/.ods made by LibreOffice and .xlsx layouts: rows found, merges filled down."""
    exp = EXPECTED_FIXTURES[name]
    t = read_table(FIXTURES / name, udmurt)
    assert t.sheet == exp["sheet"] and t.header_row == exp["header_row"] and t.missing == []
    assert [(row, dict(zip(udmurt.keys, values))) for row, values in t.rows] == \
        [(row, values) for row, values in exp["rows"]]
