"""Returned copies of .xls and .ods files print as the author's file does: its column widths, merged
cells, borders and print setup as far as the file states them (inbox.layout), otherwise the form's own
print layout; the «Замечания» sheet keeps a sans font. Read back with openpyxl."""
from __future__ import annotations

import io
import shutil
import struct
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from consolidator.inbox.layout import _print_titles, sheet_layouts
from consolidator.inbox.safety import inspect
from consolidator.outputs.returned import write_returned
from consolidator.run import Settings, check

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def _copy(tmp_path: Path, source: Path, udmurt) -> openpyxl.Workbook:
    inbox = tmp_path / "in" / "Отдел"
    inbox.mkdir(parents=True)
    shutil.copy(source, inbox / source.name)
    batch = check(Settings(udmurt, tmp_path / "in", tmp_path / "out", date(2024, 7, 16)))
    f = batch.files[0]
    rel = write_returned(batch, f, tmp_path / "out")
    return openpyxl.load_workbook(tmp_path / "out" / rel)


@pytest.mark.parametrize("name", ["title_merged.xls", "title_merged.ods"])
def test_the_authors_widths_borders_and_print_setup_are_kept(tmp_path, udmurt, name):
    ws = _copy(tmp_path, FIXTURES / name, udmurt)["Лист1"]
    # The fixture's own widths (made in .xlsx as 6, 30, 40, 34, 48, 17), not widths guessed from values.
    assert [round(ws.column_dimensions[c].width) for c in "ABCDEF"] == [6, 30, 40, 34, 48, 17]
    # The header, the numbering row and the data rows in borders; the title above them in none.
    for row in (5, 6, 7, 10):
        for col in "ABCDEF":
            assert ws[f"{col}{row}"].border.left.style == "thin", f"{col}{row}"
    assert ws["A1"].border.left.style is None
    assert "A1:F1" in {str(m) for m in ws.merged_cells.ranges}  # the title merged as in the file
    setup = ws.page_setup
    assert setup.orientation == "landscape" and setup.fitToWidth == 1 and setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$5:$6"  # the header and the numbering row on every page


@pytest.mark.parametrize("name", ["title_merged.xls", "title_merged.ods"])
def test_a_long_footnote_wraps_within_the_table(tmp_path, udmurt, name):
    ws = _copy(tmp_path, FIXTURES / name, udmurt)["Лист1"]
    # Footnote ** (row 13) is longer than the table is wide: wrapped in a range across the table, so
    # that the page fitted to the width is not shrunk to the footnote's length.
    assert ws["A13"].value.startswith("**")
    assert any(m.min_row == m.max_row == 13 and m.min_col == 1 and m.max_col == 6 for m in ws.merged_cells.ranges)
    assert ws["A13"].alignment.wrap_text and ws.row_dimensions[13].height > 15


def test_a_file_without_a_layout_gets_the_forms_print_layout(tmp_path, udmurt):
    # LibreOffice's defaults only: columns of one width, portrait at 100 %, no borders.
    wb = _copy(tmp_path, FIXTURES / "hostile" / "hidden_errors.xls", udmurt)
    ws = wb["Лист1"]
    setup = ws.page_setup
    assert setup.orientation == "landscape" and setup.paperSize == 9 and setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    header = next(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 2).value or "").startswith("Наименование"))
    assert ws.print_title_rows.split(":")[0] == f"${header}"
    for col in range(1, 7):
        assert ws.cell(header, col).border.top.style == "thin"
        assert ws.cell(header + 2, col).border.bottom.style == "thin"
    assert ws.cell(1, 1).border.left.style is None  # the title stays outside the table's borders


def test_the_remarks_sheet_keeps_a_sans_font(tmp_path, udmurt):
    wb = _copy(tmp_path, FIXTURES / "title_merged.ods", udmurt)
    ws = wb.worksheets[0]
    assert ws.title == "Замечания"
    fonts = {ws.cell(r, c).font.name for r in range(1, ws.max_row + 1) for c in range(1, 9)
             if ws.cell(r, c).value is not None}
    assert fonts == {"Calibri"}  # a font without a name shows in LibreOffice's serif default
    assert "границы и параметры печати" in ws["A6"].value


def test_xls_layout_is_read_from_the_file():
    layout = sheet_layouts(inspect(FIXTURES / "title_merged.xls"), rows=20, cols=8)["Лист1"]
    assert layout.widths[1] == 30.0 and layout.landscape and layout.fit_width == 1 and layout.paper == 9
    assert layout.borders[(4, 0)] == ("thin",) * 4 and (0, 0) not in layout.borders
    assert all(r < 20 and c < 8 for r, c in layout.borders)  # bounded by the copy's extent


def test_xls_print_titles_name_is_read():
    # NAME record of the built-in Print_Titles (code 7) for sheet 1: rows 5–6 over every column.
    formula = bytes([0x3B]) + struct.pack("<HHHHH", 0, 4, 5, 0, 0xFF)
    body = struct.pack("<HBBHHH", 0x20, 0, 1, len(formula), 0, 1) + bytes(4) + bytes([0, 7]) + formula
    assert _print_titles(body) == (1, (5, 6))
    assert _print_titles(body[:10]) is None


def _ods(content_body: str, styles_body: str = "") -> bytes:
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
          'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", f'<office:document-content {ns}>{content_body}</office:document-content>')
        z.writestr("styles.xml", f'<office:document-styles {ns}>{styles_body}</office:document-styles>')
    return out.getvalue()


def test_ods_layout_header_rows_borders_and_page(tmp_path):
    content = (
        '<office:automatic-styles>'
        '<style:style style:name="co1" style:family="table-column">'
        '<style:table-column-properties style:column-width="0.5in"/></style:style>'
        '<style:style style:name="co2" style:family="table-column">'
        '<style:table-column-properties style:column-width="2.9165in"/></style:style>'
        '<style:style style:name="ce1" style:family="table-cell">'
        '<style:table-cell-properties fo:border="0.74pt solid #000000"/></style:style>'
        '<style:style style:name="ta1" style:family="table" style:master-page-name="Wide"/>'
        '</office:automatic-styles><office:body><office:spreadsheet>'
        '<table:table table:name="Лист1" table:style-name="ta1">'
        '<table:table-column table:style-name="co1"/><table:table-column table:style-name="co2" '
        'table:number-columns-repeated="1000000"/>'
        '<table:table-row><table:table-cell><text:p>Заголовок</text:p></table:table-cell></table:table-row>'
        '<table:table-header-rows><table:table-row table:number-rows-repeated="2">'
        '<table:table-cell table:style-name="ce1" table:number-columns-repeated="3"/></table:table-row>'
        '</table:table-header-rows>'
        '<table:table-row table:number-rows-repeated="900"><table:table-cell table:style-name="ce1" '
        'table:number-columns-repeated="1000"/></table:table-row>'
        '</table:table></office:spreadsheet></office:body>')
    styles = ('<office:automatic-styles><style:page-layout style:name="pm1"><style:page-layout-properties '
              'style:print-orientation="landscape" style:scale-to-X="1" style:scale-to-Y="0"/></style:page-layout>'
              '</office:automatic-styles><office:master-styles><style:master-page style:name="Wide" '
              'style:page-layout-name="pm1"/></office:master-styles>')
    path = tmp_path / "a.ods"
    path.write_bytes(_ods(content, styles))
    layout = sheet_layouts(inspect(path), rows=10, cols=4)["Лист1"]
    assert layout.widths == {0: round(0.5 * 72 / 7, 2), 1: 30.0, 2: 30.0, 3: 30.0}
    assert layout.title_rows == (2, 3)
    assert layout.landscape and layout.fit_width == 1 and layout.fit_height == 0
    assert (1, 0) in layout.borders and (9, 3) in layout.borders and (0, 0) not in layout.borders
    assert max(r for r, _ in layout.borders) == 9  # 900 repeated rows: bounded by the copy
