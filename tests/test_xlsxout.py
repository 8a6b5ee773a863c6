"""The streaming xlsx writer: what it writes is read back the same by openpyxl and calamine."""
from __future__ import annotations

import re
import subprocess
import sys
import tracemalloc
import zipfile
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import numpy as np
import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from consolidator.ooxml.cells import MAX_CELL_TEXT
from consolidator.ooxml.xlsx_writer import (BOX, DATE_FORMAT, Align, Border, Font, Page, Workbook, column_letter, fit_height,
                                  row_heights)

FORMULA = '=HYPERLINK("http://example.ru","сайт")'
FOOTER = "&C&8 Страница &P из &N"


def _calamine(path: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


@pytest.fixture()
def book_path(tmp_path: Path) -> Path:
    """A workbook with two sheets exercising values, styles and sheet settings."""
    path = tmp_path / "out" / "книга.xlsx"
    with Workbook(path, title="Проверка") as book:
        header = book.style(font=Font("Times New Roman", 13, bold=True), fill="e7e6e6", border=BOX,
                            align=Align("center", "center", wrap=True))
        text = book.style(align=Align(vertical="top", wrap=True), border=BOX)
        day = book.style(num_fmt=DATE_FORMAT, border=Border(bottom="thin"))
        italic = book.style(font=Font(italic=True, color="FF0000", size=9))
        with book.sheet("Данные", widths=(6, 40.5, 12), freeze="A3",
                        page=Page(landscape=True, footer=FOOTER)) as ws:
            ws.row(1, ("№", "Текст", "Дата"), header, height=30)
            ws.row(2, (1, 2, 3), text)
            ws.row(3, (1, FORMULA, date(2024, 7, 16)), (text, text, day))
            ws.row(4, (2.5, " пробелы по краям ", datetime(2024, 7, 16, 12, 0)), (text, text, day))
            ws.row(5, (np.int64(7), "a\x01b\x0bc\tтаб\nстрока\ufffe", None), text)
            ws.row(6, (float("nan"), "", True), text)
            ws.row(8, ("x" * (MAX_CELL_TEXT + 10),), italic, first_col=2)
            ws.merge(10, 1, 10, 3)
            ws.row(10, ("объединено",), text)
            ws.autofilter(1, 1, 6, 3)
            ws.print_titles = (1, 2)
            ws.print_area = "A1:C10"
        with book.sheet("Вторая", freeze="B2", page=Page(landscape=False, fit_width=None)) as ws:
            ws.row(1, ("заголовок",), header)
    return path


def test_values_keep_their_type_and_text_stays_text(book_path):
    ws = openpyxl.load_workbook(book_path)["Данные"]
    assert [c.value for c in ws[1]] == ["№", "Текст", "Дата"]
    assert [c.value for c in ws[2]] == [1, 2, 3]
    assert ws["B3"].value == FORMULA and ws["B3"].data_type == "s"  # never a formula
    assert ws["C3"].value == datetime(2024, 7, 16) and ws["C3"].number_format == DATE_FORMAT
    assert ws["C4"].value == datetime(2024, 7, 16, 12, 0)
    assert ws["A4"].value == 2.5 and ws["B4"].value == " пробелы по краям "
    assert ws["A5"].value == 7 and isinstance(ws["A5"].value, int)
    assert ws["B5"].value == "abc\tтаб\nстрока"  # XML-illegal characters dropped, tab and line break kept
    assert ws["A6"].value is None and ws["B6"].value is None  # NaN and "" are empty cells…
    assert ws["A6"].border.left.style == "thin"  # …still styled
    assert ws["C6"].value == "True"
    long = ws["B8"].value
    assert len(long) <= MAX_CELL_TEXT and "[текст обрезан" in long

    grid = _calamine(book_path, "Данные")
    assert grid[2][1] == FORMULA and grid[2][2] == date(2024, 7, 16)
    assert grid[3][1] == " пробелы по краям " and grid[4][0] == 7
    assert grid[4][1] == "abc\tтаб\nстрока"
    assert len(grid[7][1]) <= MAX_CELL_TEXT


def test_styles(book_path):
    ws = openpyxl.load_workbook(book_path)["Данные"]
    a1 = ws["A1"]
    assert (a1.font.name, a1.font.sz, a1.font.b) == ("Times New Roman", 13, True)
    assert a1.fill.fill_type == "solid" and a1.fill.fgColor.rgb.endswith("E7E6E6")
    assert {a1.border.left.style, a1.border.right.style, a1.border.top.style, a1.border.bottom.style} == {"thin"}
    assert (a1.alignment.horizontal, a1.alignment.vertical, a1.alignment.wrap_text) == ("center", "center", True)
    b2 = ws["B2"]
    assert b2.alignment.wrap_text and b2.alignment.vertical == "top" and b2.alignment.horizontal is None
    assert b2.font.name == "Calibri" and b2.font.sz == 11 and not b2.font.b
    c3 = ws["C3"]
    assert c3.border.bottom.style == "thin" and c3.border.left.style is None
    b8 = ws["B8"]
    assert b8.font.i and b8.font.sz == 9 and b8.font.color.rgb.endswith("FF0000")
    assert ws["A8"].value is None and ws["A8"].has_style is False  # first_col=2 left column A alone


def test_same_parts_same_style(tmp_path):
    with Workbook(tmp_path / "s.xlsx") as book:
        a = book.style(font=Font(bold=True), border=BOX)
        assert book.style(border=BOX, font=Font(bold=True)) == a
        assert book.style(font=Font(bold=True)) != a
        assert book.style() == book.style(font=Font(), border=Border(), align=Align()) == 0
        with book.sheet("Лист1") as ws:
            ws.row(1, ("x",), a)


def test_sheet_settings(book_path):
    wb = openpyxl.load_workbook(book_path)
    assert wb.sheetnames == ["Данные", "Вторая"]
    assert wb.active.title == "Данные"
    ws = wb["Данные"]
    assert [ws.column_dimensions[column_letter(i)].width for i in (1, 2, 3)] == [6, 40.5, 12]
    assert ws.row_dimensions[1].height == 30 and ws.row_dimensions[2].height is None
    assert ws.freeze_panes == "A3"
    assert {str(r) for r in ws.merged_cells.ranges} == {"A10:C10"}
    assert ws.auto_filter.ref == "A1:C6"
    assert ws.print_title_rows == "$1:$2"
    assert ws.print_area == "'Данные'!$A$1:$C$10"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.print_options.horizontalCentered
    assert ws.oddFooter.center.text == "Страница &P из &N" and ws.oddFooter.center.size == 8
    second = wb["Вторая"]
    assert second.freeze_panes == "B2"
    assert second.page_setup.orientation == "portrait"
    assert not (second.sheet_properties.pageSetUpPr and second.sheet_properties.pageSetUpPr.fitToPage)


def test_active_sheet(tmp_path):
    path = tmp_path / "a.xlsx"
    with Workbook(path, active=1) as book:
        for name in ("Первый", "Второй"):
            with book.sheet(name) as ws:
                ws.row(1, (name,))
    assert openpyxl.load_workbook(path).active.title == "Второй"


def test_package_is_complete(book_path):
    """Every relationship points to a part that exists and every part has a content type: Excel and
    LibreOffice find parts only through them (openpyxl and calamine also look at default names)."""
    with zipfile.ZipFile(book_path) as z:
        names = set(z.namelist())
        types = ElementTree.fromstring(z.read("[Content_Types].xml"))
        overrides = {e.get("PartName").lstrip("/") for e in types if e.tag.endswith("Override")}
        targets = set()
        for rels in (n for n in names if n.endswith(".rels")):
            base = PurePosixPath(rels).parent.parent
            for rel in ElementTree.fromstring(z.read(rels)):
                targets.add(str(base / rel.get("Target")))
        parts = {n for n in names if not n.endswith(".rels") and n != "[Content_Types].xml"}
        assert targets == parts
        assert overrides == parts
        sst = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))
        used = {int(i) for n in names if n.startswith("xl/worksheets/")
                for i in re.findall(rb' t="s"><v>(\d+)</v>', z.read(n))}
        assert int(sst.get("uniqueCount")) == len(sst) and used == set(range(len(sst)))


def test_full_string_table_writes_the_rest_inline(tmp_path):
    path = tmp_path / "inline.xlsx"
    with Workbook(path, shared_strings_max=2) as book:
        with book.sheet("Лист1") as ws:
            for r in range(1, 5):
                ws.row(r, ("один", "два", f"новый {r}", FORMULA))
    with zipfile.ZipFile(path) as z:
        assert b'uniqueCount="2"' in z.read("xl/sharedStrings.xml")
        assert b'inlineStr' in z.read("xl/worksheets/sheet1.xml")
    expected = [["один", "два", f"новый {r}", FORMULA] for r in range(1, 5)]
    ws = openpyxl.load_workbook(path)["Лист1"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == expected
    assert all(c.data_type == "s" for row in ws.iter_rows() for c in row)
    assert _calamine(path, "Лист1") == expected


def test_rows_are_streamed_not_held(tmp_path):
    """A long sheet goes to the zip member in chunks: memory stays far below the sheet's size."""
    path = tmp_path / "long.xlsx"
    rows = 60_000
    tracemalloc.start()
    try:
        with Workbook(path, shared_strings_max=1000) as book:
            with book.sheet("Лист1") as ws:
                for r in range(1, rows + 1):
                    ws.row(r, (r, f"строка номер {r} с уникальным текстом", "общий текст"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    with zipfile.ZipFile(path) as z:
        sheet_size = z.getinfo("xl/worksheets/sheet1.xml").file_size
    assert sheet_size > 8_000_000
    assert peak < sheet_size / 4
    grid = _calamine(path, "Лист1")
    assert len(grid) == rows and grid[-1] == [rows, f"строка номер {rows} с уникальным текстом", "общий текст"]


def test_misuse_is_refused(tmp_path):
    with Workbook(tmp_path / "m.xlsx") as book:
        with pytest.raises(ValueError):
            book.sheet("a/b")
        with pytest.raises(ValueError):
            book.sheet("x" * 32)
        with book.sheet("Лист1") as ws:
            with pytest.raises(RuntimeError):
                book.sheet("Лист2")  # the first one is still open
            ws.row(2, ("b",))
            with pytest.raises(ValueError):
                ws.row(2, ("again",))  # rows go down only
            ws.merge(3, 1, 4, 2)
            with pytest.raises(ValueError):
                ws.merge(4, 2, 4, 3)  # overlaps A3:B4
            ws.merge(5, 1, 5, 1)  # a single cell: nothing to merge
        with pytest.raises(ValueError):
            book.sheet("лист1")  # names are unique whatever the case
    assert {str(r) for r in openpyxl.load_workbook(tmp_path / "m.xlsx")["Лист1"].merged_cells.ranges} == {"A3:B4"}


def test_failed_write_leaves_the_old_file(tmp_path):
    # The writer writes where it is told; the outputs give it a temporary path renamed into place.
    from consolidator.outputs.atomic import atomic_path

    path = tmp_path / "out.xlsx"
    with atomic_path(path) as tmp, Workbook(tmp) as book:
        with book.sheet("Лист1") as ws:
            ws.row(1, ("старый",))
    before = path.read_bytes()
    with pytest.raises(KeyError):
        with atomic_path(path) as tmp, Workbook(tmp) as book:
            with book.sheet("Лист1") as ws:
                ws.row(1, ("новый",))
                raise KeyError("boom")
    with pytest.raises(ValueError):
        with atomic_path(path) as tmp, Workbook(tmp):
            pass  # a workbook without sheets is not written
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_row_heights_match_fit_height():
    widths = (10, 20, 8)
    columns = [["короткий", "очень длинный текст, который не поместится в одну строку ячейки", None],
               [1, 2, 3],
               ["a", "b\nc\nd", float("nan")]]
    rows = list(zip(*columns))
    assert row_heights(columns, widths) == [fit_height(r, widths) for r in rows]
    assert row_heights(columns, widths)[0] is None and row_heights(columns, widths)[1] > 15
    assert row_heights(columns, widths, bold=True) == [fit_height(r, widths, bold=True) for r in rows]
    assert row_heights([[1, 2]], (10,)) == [None, None]


def test_tables_and_wide_rows(tmp_path):
    path = tmp_path / "t.xlsx"
    with Workbook(path) as book:
        bold = book.style(font=Font(bold=True))
        with book.sheet("Лист1") as ws:
            assert ws.rows(1, [list(range(30)), ["a", None, "b"]], (bold,) * 30, [None, 20.5]) == 3
            ws.row(3, list(range(26)), first_col=3)
            with pytest.raises(ValueError):
                ws.rows(3, [["again"]])
    ws = openpyxl.load_workbook(path)["Лист1"]
    assert [c.value for c in ws[1]][:30] == list(range(30)) and ws["AD1"].value == 29 and ws["AD1"].font.b
    assert (ws["A2"].value, ws["B2"].value, ws["C2"].value) == ("a", None, "b") and ws["B2"].font.b
    assert ws.row_dimensions[1].height is None and ws.row_dimensions[2].height == 20.5
    assert ws["B3"].value is None and ws["C3"].value == 0 and ws["AB3"].value == 25


def test_a_long_table_is_written_as_row_by_row(tmp_path):
    # Rows of equal length are written a column at a time (Sheet._chunk), others a row at a time: the
    # cells, their types and styles are the same either way, across chunks, past column Z and with
    # values of every kind in one column (numbers among texts, True beside 1, numpy, unhashable).
    kinds = [7, "7", True, 1, 2.5, None, "", np.int64(3), ["список"], date(2024, 7, 16), "=1+1"]
    rows = [[n, f"текст {n % 13}", kinds[n % len(kinds)], *range(n % 3, n % 3 + 25)] for n in range(2500)]
    rows.insert(1600, ["короткая"])  # in the middle of a chunk
    heights = [None if n % 4 else 20.5 for n in range(2501)]
    whole, single = tmp_path / "whole.xlsx", tmp_path / "single.xlsx"
    for path in (whole, single):
        with Workbook(path) as book:
            styles = [book.style(font=Font(bold=True)), *[book.style(border=BOX)] * 27]
            with book.sheet("Лист1") as ws:
                if path == whole:
                    assert ws.rows(1, iter(rows[:1500]), styles, iter(heights)) == 1501
                    ws.rows(1501, rows[1500:], styles, heights[1500:])
                else:
                    for r, (values, height) in enumerate(zip(rows, heights), 1):
                        ws.row(r, values, styles, height=height)
    a, b = openpyxl.load_workbook(whole)["Лист1"], openpyxl.load_workbook(single)["Лист1"]
    got = [[(c.value, c.data_type, c.font.b, c.border.left.style) for c in row] for row in a.iter_rows()]
    assert got == [[(c.value, c.data_type, c.font.b, c.border.left.style) for c in row] for row in b.iter_rows()]
    assert a.max_row == 2501 and a["AB2501"].value == rows[2500][-1] and a["A1601"].value == "короткая"
    assert a["B1601"].value is None and a["B1602"].value == "текст 1"
    assert (a["C1"].value, a["C2"].value, a["C3"].value, a["C4"].value) == (7, "7", "True", 1)
    assert [a.row_dimensions[r].height for r in (1, 2, 1501)] == [20.5, None, 20.5]
    assert _calamine(whole, "Лист1") == _calamine(single, "Лист1")


def test_rows_may_be_numpy_arrays(tmp_path):
    # A row is asked its length, never its truth: [0] is a row of one cell.
    path = tmp_path / "a.xlsx"
    with Workbook(path) as book:
        with book.sheet("Лист1") as ws:
            ws.rows(1, np.array([[1, 2], [3, 4]]))
            ws.rows(3, np.array([[0], [5]]))
    ws = openpyxl.load_workbook(path)["Лист1"]
    assert [[c.value for c in r] for r in ws.iter_rows()] == [[1, 2], [3, 4], [0, None], [5, None]]


def test_column_letters():
    assert [column_letter(c) for c in (1, 26, 27, 52, 703, 16384)] == ["A", "Z", "AA", "AZ", "AAA", "XFD"]
    with pytest.raises(ValueError):
        column_letter(0)


def test_writers_do_not_load_openpyxl():
    """openpyxl takes 0.4 s to import; a run writes its workbooks without it."""
    code = ("import sys, consolidator.outputs.consolidated, consolidator.outputs.protocol, consolidator.outputs.journal_xlsx; "
            "print('openpyxl' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_literal_excel_escape_sequence_stays_literal(tmp_path):
    # Excel reads _xHHHH_ in a cell's text as an escaped character: «_x0041_» would show as «A».
    path = tmp_path / "escape.xlsx"
    with Workbook(path) as book:
        with book.sheet("Лист") as ws:
            ws.row(1, ("код _x0041_ и _x000D_", "_xZZZZ_"))
    with zipfile.ZipFile(path) as z:
        xml = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/") and n.endswith(".xml"))
    assert b"_x005F_x0041_" in xml and b"_x005F_x000D_" in xml and b"_xZZZZ_" in xml
    assert openpyxl.load_workbook(path)["Лист"]["A1"].value == "код _x0041_ и _x000D_"
    assert _calamine(path, "Лист")[0] == ["код _x0041_ и _x000D_", "_xZZZZ_"]
