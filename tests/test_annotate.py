"""The returned copy: the author's workbook untouched but for fills, comments and the remarks sheet;
and its e-mail draft."""
from __future__ import annotations

import email
import random
import subprocess
import sys
import warnings
import zipfile
from datetime import date, datetime, timedelta, timezone
from email import policy
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import python_calamine
from openpyxl.comments import Comment
from openpyxl.styles import Border, Font, Side

import consolidator.outputs.returned as annotate
from benchmarks.generate import workbook_rows, write_xlsx
import consolidator.ooxml.xlsx_patch as xlsxpatch
from consolidator.outputs.returned import write_returned
from consolidator.outputs.returned_remarks import FILL, REMARKS_SHEET
from consolidator.outputs.eml import compose, rfc5322_date, write_draft
from consolidator.model import Batch, FileResult, Remark
from consolidator.profile import load_profile
from consolidator.run import check
from consolidator.run import Settings
from tests.workbooks import make_form

BASE = {"group": "Предоставление государственных услуг", "service": "Выдача удостоверения многодетной семьи",
        "interaction": "Подача заявления"}
FIXTURES = Path(__file__).parent / "fixtures"


def _load(path: Path, **kw) -> openpyxl.Workbook:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path, **kw)


def _values(path: Path) -> dict[str, list[list]]:
    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def _returned(tmp_path, udmurt, rows, styled=False):
    src = make_form(tmp_path / "in" / "Управление семьи" / "перечень.xlsx", udmurt, rows)
    if styled:
        wb = openpyxl.load_workbook(src)
        wb.active["C6"].font = Font(name="Arial", bold=True)
        wb.active["F6"].font = Font(name="Arial", italic=True, color="FF0000FF")
        wb.active["F6"].border = Border(bottom=Side(style="double"))
        wb.active["A7"].number_format = "0.00"
        wb.active.column_dimensions["C"].width = 55
        wb.save(src)
    batch = check(Settings(udmurt, tmp_path / "in", tmp_path / "out", date(2024, 7, 16)))
    f = batch.files[0]
    rel = write_returned(batch, f, tmp_path / "out")
    return f, tmp_path / "out" / rel, src


def test_flagged_cells_comments_and_remarks_sheet(tmp_path, udmurt):
    rows = [
        {**BASE, "point": "Телефон горячей линии", "kind": "Офлайн-точка"},  # error at F6
        {**BASE, "point": "Многофункциональный центр", "kind": "Офлайн-точка"},  # warning at D7
        {**BASE, "point": '=HYPERLINK("https://minsoc18.ru")', "kind": "Онлайн-точка"},
        {**BASE, "point": "Портал", "kind": "=Онлайн-точка"},  # an error on a cell holding «=…»
    ]
    f, copy, src = _returned(tmp_path, udmurt, rows, styled=True)
    assert f.verdict == "returned" and f.fix_deadline == date(2024, 7, 23)
    assert copy.name == "перечень.xlsx"
    wb = _load(copy)
    assert wb.sheetnames == [REMARKS_SHEET, "Лист1"] and wb.active.title == REMARKS_SHEET
    assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == [REMARKS_SHEET]
    sheet = wb["Лист1"]
    assert sheet["F6"].fill.fgColor.rgb == "FF" + FILL["error"]
    assert sheet["D7"].fill.fgColor.rgb == "FF" + FILL["warning"]
    assert "п. 3 Порядка" in sheet["F6"].comment.text and "Укажите «Онлайн-точка»" in sheet["F6"].comment.text
    assert sheet["F6"].comment.author == "Проверка перечня"
    assert sheet["D6"].comment is None and sheet["D6"].fill.fill_type is None
    # A flagged cell keeps its font and border; the author's other formats stay.
    assert sheet["F6"].font.name == "Arial" and sheet["F6"].font.i and sheet["F6"].font.color.rgb == "FF0000FF"
    assert sheet["F6"].border.bottom.style == "double"
    assert sheet["C6"].font.bold and sheet["C6"].font.name == "Arial" and sheet["A7"].number_format == "0.00"
    assert sheet.column_dimensions["C"].width == 55
    # The author's values, read by openpyxl and by calamine, are all as they were.
    before, after = _values(src), _values(copy)
    assert after["Лист1"] == before["Лист1"]
    assert sheet["D8"].value == '=HYPERLINK("https://minsoc18.ru")' and sheet["D8"].data_type == "s"
    remarks = wb[REMARKS_SHEET]
    text = "\n".join(str(c.value) for row in remarks.iter_rows() for c in row if c.value is not None)
    assert "Управление семьи" in text and "16.07.2024" in text and "23.07.2024" in text
    table = [[c.value for c in row] for row in remarks.iter_rows() if isinstance(row[0].value, int)]
    assert [(r[2], r[5]) for r in table] == [(r.cell, {"error": "ошибка", "warning": "предупреждение"}[r.severity])
                                             for r in f.remarks]
    assert ("F6", "ошибка") in [(r[2], r[5]) for r in table] and ("D7", "предупреждение") in [(r[2], r[5]) for r in table]
    # The remark on «=Онлайн-точка» shows the value as text: nothing anywhere became a formula.
    assert "=Онлайн-точка" in [r[4] for r in table]
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate)
    assert ["=Онлайн-точка"] == [v for row in after[REMARKS_SHEET] for v in row if v == "=Онлайн-точка"]
    # Each remark links to its cell; the header row is frozen and printed on every page.
    links = {row[2].value: row[2].hyperlink.location for row in remarks.iter_rows() if row[2].hyperlink}
    assert links["F6"] == "'Лист1'!F6" and links["D7"] == "'Лист1'!D7"
    header = next(row[0].row for row in remarks.iter_rows() if row[0].value == "№")
    assert remarks.freeze_panes == f"A{header + 1}" and remarks.print_title_rows == f"${header}:${header}"
    assert remarks.page_setup.orientation == "landscape" and remarks.sheet_properties.pageSetUpPr.fitToPage


def test_inline_string_workbook(tmp_path, udmurt):
    """A workbook written as bare XML with inline strings (as exporting tools do), no shared strings."""
    src = tmp_path / "in" / "Отдел" / "перечень.xlsx"
    write_xlsx(src, workbook_rows(random.Random(3), "Отдел", 12, with_error=True))
    batch = check(Settings(udmurt, tmp_path / "in", tmp_path / "out", date(2024, 7, 16)))
    f = batch.files[0]
    assert f.verdict == "returned"
    copy = tmp_path / "out" / write_returned(batch, f, tmp_path / "out")
    with zipfile.ZipFile(copy) as z:
        assert "xl/sharedStrings.xml" not in z.namelist()
    assert _values(copy)["Лист1"] == _values(src)["Лист1"]
    wb = _load(copy)
    [error] = [r for r in f.remarks if r.severity == "error"]
    assert wb["Лист1"][error.cell].fill.fgColor.rgb == "FF" + FILL["error"]
    assert error.message in wb["Лист1"][error.cell].comment.text


def test_authors_comments_stay(tmp_path, udmurt):
    rows = [{**BASE, "point": "Телефон горячей линии", "kind": "Офлайн-точка"}]  # error at F6
    src = make_form(tmp_path / "in" / "Отдел" / "перечень.xlsx", udmurt, rows)
    wb = openpyxl.load_workbook(src)
    wb.active["B6"].comment = Comment("Группу уточнить у методиста", "Иванова")
    wb.active["F6"].comment = Comment("Проверить вид точки", "Иванова")
    wb.save(src)
    batch = check(Settings(udmurt, tmp_path / "in", tmp_path / "out", date(2024, 7, 16)))
    copy = tmp_path / "out" / write_returned(batch, batch.files[0], tmp_path / "out")
    sheet = _load(copy)["Лист1"]
    assert sheet["B6"].comment.text == "Группу уточнить у методиста"
    assert sheet["F6"].comment.text.startswith("Проверить вид точки") and "Укажите «Онлайн-точка»" in sheet["F6"].comment.text


def test_xlsm_keeps_its_macros(tmp_path, udmurt):
    inbox = tmp_path / "in" / "Отдел"
    inbox.mkdir(parents=True)
    (inbox / "перечень.xlsm").write_bytes((FIXTURES / "hostile" / "macro.xlsm").read_bytes())
    batch = check(Settings(udmurt, tmp_path / "in", tmp_path / "out", date(2024, 7, 16)))
    f = batch.files[0]
    rel = write_returned(batch, f, tmp_path / "out")
    assert rel.endswith("перечень.xlsm")
    with zipfile.ZipFile(FIXTURES / "hostile" / "macro.xlsm") as a, zipfile.ZipFile(tmp_path / "out" / rel) as b:
        assert b.read("xl/vbaProject.bin") == a.read("xl/vbaProject.bin")
        assert b"macroEnabled" in b.read("[Content_Types].xml")
        # Patched, not rewritten: what had nothing to change is the author's to the byte.
        for name in ("xl/sharedStrings.xml", "docProps/core.xml", "docProps/custom.xml", "_rels/.rels"):
            assert b.read(name) == a.read(name), name
    wb = _load(tmp_path / "out" / rel, keep_vba=True)
    assert wb.sheetnames[0] == REMARKS_SHEET and wb["Лист1"]["B6"].comment is not None


def test_resubmission_shows_the_resolution_column(tmp_path, udmurt):
    rows = [{**BASE, "point": "Телефон горячей линии", "kind": "Офлайн-точка"}]
    make_form(tmp_path / "in" / "Отдел" / "перечень.xlsx", udmurt, rows)
    batch = check(Settings(udmurt, tmp_path / "in", tmp_path / "out", date(2024, 7, 16)))
    f = batch.files[0]
    for r in f.remarks:
        r.resolution = "не устранено"
    f.resolved = [{"sheet": "Лист1", "cell": "B6", "column": "Группа", "value": "Предоставление госуслуг",
                   "severity": "error", "message": "Группа не из п. 7 Порядка.", "clause": "п. 7 Порядка",
                   "resolution": "устранено"}]
    remarks = _load(tmp_path / "out" / write_returned(batch, f, tmp_path / "out"))[REMARKS_SHEET]
    rows = [[c.value for c in row] for row in remarks.iter_rows()]
    header = next(r for r in rows if r[0] == "№")
    assert header[-1] == "Отметка об устранении"
    assert [r[-1] for r in rows if isinstance(r[0], int)] == ["не устранено"] * len(f.remarks)
    fixed = [r for r in rows if r[-1] == "устранено"]
    assert len(fixed) == 1 and fixed[0][2] == "B6 (прежняя версия)" and fixed[0][6] == "Группа не из п. 7 Порядка."


def test_a_trimmed_workbook_comes_back_trimmed_and_says_so(tmp_path, udmurt):
    """A formula filled down 5 000 rows past the table: safety.inspect cuts those rows, and the copy
    is made of what the checks read."""
    rows = [{**BASE, "point": "Телефон горячей линии", "kind": "Офлайн-точка"}]
    src = make_form(tmp_path / "in" / "Отдел" / "перечень.xlsx", udmurt, rows)
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    filled = b"".join(b'<row r="%d"><c r="G%d" t="str"><f>IF(B%d="","",1)</f><v></v></c></row>' % (r, r, r)
                      for r in range(20, 5020))
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(b"</sheetData>", filled + b"</sheetData>")
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    batch = check(Settings(udmurt, tmp_path / "in", tmp_path / "out", date(2024, 7, 16)))
    copy = tmp_path / "out" / write_returned(batch, batch.files[0], tmp_path / "out")
    wb = _load(copy)
    assert wb["Лист1"].max_row < 20 and wb["Лист1"]["F6"].comment is not None
    notes = " ".join(str(c.value) for c in wb[REMARKS_SHEET]["A"] if c.value)
    assert "Из копии убраны 5000 пустых строк ниже таблицы" in notes


def _batch(udmurt, tmp_path) -> Batch:
    return Batch(profile=udmurt, run_date=date(2024, 7, 16), inbox=tmp_path, out=tmp_path, files=[],
                 data=pd.DataFrame())


@pytest.mark.parametrize("name, sheet, cells", [
    ("reordered.xlsx", "Лист1", ["B3", "E4", "H2"]),
    ("two_sheets.xlsx", "Перечень", ["B6", "D5", "A1"]),  # B6 is inside the merged B5:B7
    ("blank_rows_footer.xlsx", "Лист1", ["C7", "E16", "D9"]),  # row 7 is blank
])
def test_fixture_workbooks(tmp_path, udmurt, name, sheet, cells):
    src = FIXTURES / name
    remarks = [Remark(code="T", severity="error" if i % 2 == 0 else "warning", sheet=sheet, cell=cell, row=None,
                      column="Графа", value="=1+1", message=f"Замечание {i} к ячейке {cell}", clause="п. 7 Порядка")
               for i, cell in enumerate(cells)]
    f = FileResult(path=f"Отдел/{name}", source=src, subdivision="Отдел", verdict="returned", remarks=remarks)
    copy = tmp_path / write_returned(_batch(udmurt, tmp_path), f, tmp_path)
    before, after = _values(src), _values(copy)
    assert list(after) == [REMARKS_SHEET, *before] and {k: after[k] for k in before} == before
    wb = _load(copy)
    for r in remarks:
        anchor = next((str(m.start_cell.coordinate) for m in wb[sheet].merged_cells.ranges if r.cell in m), r.cell)
        cell = wb[sheet][anchor]
        assert cell.fill.fgColor.rgb == "FF" + FILL[r.severity] and r.message in cell.comment.text, r.cell
    if name == "two_sheets.xlsx":  # shown on the merged range's top left cell, the one Excel shows
        assert "Замечание 0 к ячейке B6" in wb["Перечень"]["B5"].comment.text
    values = [row[4].value for row in wb[REMARKS_SHEET].iter_rows() if isinstance(row[0].value, int)]
    assert values == ["=1+1"] * len(cells)


def test_a_package_the_patcher_refuses_goes_through_openpyxl(tmp_path, udmurt, monkeypatch):
    def refuse(*args):
        raise xlsxpatch.PatchError("odd package")

    monkeypatch.setattr(xlsxpatch, "apply", refuse)
    rows = [{**BASE, "point": "Телефон горячей линии", "kind": "Офлайн-точка"}]
    f, copy, src = _returned(tmp_path, udmurt, rows, styled=True)
    wb = _load(copy)
    assert wb.sheetnames == [REMARKS_SHEET, "Лист1"]
    assert wb["Лист1"]["F6"].fill.fgColor.rgb.endswith(FILL["error"]) and wb["Лист1"]["F6"].font.name == "Arial"
    assert "Укажите «Онлайн-точка»" in wb["Лист1"]["F6"].comment.text
    assert [row[2].value for row in wb[REMARKS_SHEET].iter_rows() if isinstance(row[0].value, int)] == ["F6"]
    assert _values(copy)["Лист1"] == _values(src)["Лист1"]


def test_the_remarks_sheet_is_the_same_whichever_writer(tmp_path, udmurt, monkeypatch):
    rows = [{**BASE, "point": "Телефон горячей линии", "kind": "Офлайн-точка"},
            {**BASE, "point": "Многофункциональный центр", "kind": "Офлайн-точка"}]
    _, patched, _ = _returned(tmp_path / "a", udmurt, rows)
    monkeypatch.setattr(annotate, "_patched", lambda *a: (_ for _ in ()).throw(xlsxpatch.PatchError("x")))
    _, written, _ = _returned(tmp_path / "b", udmurt, rows)
    sheets = [_load(p)[REMARKS_SHEET] for p in (patched, written)]
    grids = [[[c.value for c in row] for row in ws.iter_rows()] for ws in sheets]
    assert grids[0] == grids[1]
    a, b = sheets
    assert sorted(str(m) for m in a.merged_cells.ranges) == sorted(str(m) for m in b.merged_cells.ranges)
    assert [[_look(c) for c in row] for row in a.iter_rows()] == [[_look(c) for c in row] for row in b.iter_rows()]
    assert {r: d.height for r, d in a.row_dimensions.items() if d.height} == \
           {r: d.height for r, d in b.row_dimensions.items() if d.height}
    assert [a.column_dimensions[c].width for c in "ABCDEFGH"] == [b.column_dimensions[c].width for c in "ABCDEFGH"]
    assert {c.coordinate: c.hyperlink.location for row in a.iter_rows() for c in row if c.hyperlink} == \
           {c.coordinate: c.hyperlink.location for row in b.iter_rows() for c in row if c.hyperlink}
    assert (a.freeze_panes, a.print_title_rows) == (b.freeze_panes, b.print_title_rows)


def _look(cell) -> tuple:
    """What a cell looks like, the same written either way (openpyxl leaves a bold font without
    name and size: the workbook's default then, which the patcher writes out)."""
    font, fill, align = cell.font, cell.fill, cell.alignment
    color = font.color.rgb[-6:] if font.color is not None and font.color.type == "rgb" else None
    return (bool(font.b), bool(font.i), font.u, font.sz or 11, color, cell.border.left.style, fill.fill_type,
            fill.fgColor.rgb[-6:] if fill.fill_type == "solid" else None, align.horizontal, align.vertical,
            bool(align.wrap_text))


def test_importing_the_modules_leaves_openpyxl_and_the_email_package_alone():
    code = ("import sys, consolidator.outputs.returned, consolidator.outputs.eml; "
            "print(sorted(m for m in ('openpyxl', 'email.policy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parent.parent)
    assert out.stdout.strip() == "[]"


def test_inbox_file_is_not_touched(tmp_path, udmurt):
    rows = [{**BASE, "point": "Портал", "kind": "Онлайн-точка"}]
    src = make_form(tmp_path / "in" / "a.xlsx", udmurt, rows)
    before = src.read_bytes()
    batch = check(Settings(udmurt, tmp_path / "in", tmp_path / "out", date(2024, 7, 16)))
    write_returned(batch, batch.files[0], tmp_path / "out")
    assert src.read_bytes() == before


# --- the e-mail draft -----------------------------------------------------------------------------

def test_email_draft_holds_the_copy(tmp_path, udmurt):
    rows = [{**BASE, "point": "Телефон горячей линии", "kind": "Офлайн-точка"}]
    make_form(tmp_path / "in" / "Управление семьи" / "перечень точек взаимодействия.xlsx", udmurt, rows)
    batch = check(Settings(udmurt, tmp_path / "in", tmp_path / "out", date(2024, 7, 16)))
    f = batch.files[0]
    f.returned_copy = write_returned(batch, f, tmp_path / "out")
    draft = write_draft(batch, f, "semya@example.ru", tmp_path / "out")
    # Not «….xlsx.eml»: with extensions hidden that shows as the workbook itself.
    assert draft.name == "Письмо — перечень точек взаимодействия.eml"
    raw = draft.read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"") and max(map(len, raw.split(b"\r\n"))) <= 998
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert not [d for part in msg.walk() for d in part.defects]
    assert msg["To"] == "semya@example.ru" and msg["X-Unsent"] == "1"
    assert msg["Subject"] == "Перечень точек взаимодействия возвращен на доработку: Управление семьи, срок до 23.07.2024"
    body = msg.get_body(("plain",)).get_content()
    assert body.startswith("Добрый день!") and "1. Ячейка F6" in body and "до 23.07.2024 включительно" in body
    # No address in the profile: no From, the mail client puts its account; the signature is there.
    assert msg["From"] is None
    assert body.replace("\r\n", "\n").rstrip().endswith(
        "С уважением,\nУправление стратегического развития\nМинистерство социальной политики и труда Удмуртской Республики")
    assert msg["Date"].datetime.date() == date(2024, 7, 16)
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "перечень точек взаимодействия.xlsx"
    assert attachment.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert attachment.get_content() == (tmp_path / "out" / f.returned_copy).read_bytes()


def test_email_draft_from_the_org_file(tmp_path):
    org = tmp_path / "org.yaml"
    org.write_text("email: strategy@example.ru\nsender: |\n  Отдел стратегического развития\n  Минсоцполитики УР\n",
                   encoding="utf-8")
    profile = load_profile("udmurt", org)
    make_form(tmp_path / "in" / "Отдел" / "п.xlsx", profile, [{**BASE, "point": "Телефон", "kind": "Офлайн-точка"}])
    batch = check(Settings(profile, tmp_path / "in", tmp_path / "out", date(2024, 7, 16)))
    f = batch.files[0]
    f.returned_copy = write_returned(batch, f, tmp_path / "out")
    from email.header import decode_header, make_header

    raw = write_draft(batch, f, None, tmp_path / "out").read_bytes()
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["From"].addresses[0].addr_spec == "strategy@example.ru"
    # Decoded as RFC 2047 says (email's address parser puts a space between two encoded words of a name).
    compat = email.message_from_bytes(raw, policy=policy.compat32)
    assert str(make_header(decode_header(compat["From"]))) == "Отдел стратегического развития <strategy@example.ru>"
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n").rstrip().endswith(
        "С уважением,\nОтдел стратегического развития\nМинсоцполитики УР")


def test_a_long_draft_name_fits_a_file_name():
    from consolidator.outputs.eml import draft_path

    long = Path("на доработку") / (("Перечень точек взаимодействия с клиентом " * 4)[:124].rstrip() + ".xlsx")
    name = draft_path(long).name
    assert name.startswith("Письмо — Перечень") and name.endswith("….eml") and len(name.encode()) <= 250


def test_email_date_reads_as_the_email_package_writes_it():
    from email.utils import format_datetime

    for when in (datetime(2026, 11, 25, 14, 54, 53, tzinfo=timezone(timedelta(hours=3))),
                 datetime(2024, 1, 7, 3, 4, 5, tzinfo=timezone(timedelta(hours=-9, minutes=-30))),
                 datetime.now().astimezone()):
        assert rfc5322_date(when) == format_datetime(when.replace(microsecond=0))


@pytest.mark.parametrize("to", ["", "a@b.ru, c@d.ru", "Отдел кадров <kadry@example.ru>"])
def test_email_headers_and_names(to):
    name = "Очень длинное имя файла перечня точек взаимодействия «Управления» (версия 2).xlsm"
    data = bytes(range(256)) * 50
    subject = " ".join(["Тема письма"] * 12)
    msg = email.message_from_bytes(compose(to, subject, "Строка 1\nСтрока 2", data,
                                           "application/vnd.ms-excel.sheet.macroEnabled.12", name),
                                   policy=policy.default)
    assert str(msg["To"] or "") == to and msg["Subject"] == subject
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == name and attachment.get_content() == data
    assert msg.get_body(("plain",)).get_content() == "Строка 1\r\nСтрока 2\r\n"
