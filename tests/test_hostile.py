"""Hostile and broken input (issue «Hostile and broken input: nothing crashes, nothing is lost, nothing
gets in»): one generated example of every case, each in its own subdivision folder of one inbox,
checked in one run for its verdict and its Russian reason; then each reader path on its own against
entity expansion, the million-row sheet against the clock, and the runs' own safety (an inbox never
written, a killed run, two runs on one results folder).

Real-application files that cannot be generated here (password-protected workbooks, an .xlsm with a
VBA project, a LibreOffice .ods with a hidden sheet) are in tests/fixtures/hostile/
(scripts/make_hostile_fixtures.py).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import threading
import time
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import python_calamine
from click.testing import CliRunner

import consolidator.run as pipeline
from consolidator.cli import main
from consolidator.outputs.lock import LockBusy, out_lock
from consolidator.profile import load_profile
from consolidator.inbox.read import read_table
from consolidator.inbox.workbook import ods_merged_ranges
from consolidator.inbox.safety import PASSWORD_REASON, Limits, inspect
from consolidator.inbox.textgrid import read_sheets
from consolidator.ooxml.cells import MAX_CELL_TEXT
from consolidator.run import Settings
from tests.workbooks import FIRST_DATA_ROW, make_form

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"
ODS_SAMPLE = ROOT / "tests" / "fixtures" / "title_merged.ods"
RUN_DATE = date(2024, 7, 16)

ROW = {"group": "Предоставление государственных услуг",
       "service": "Назначение ежемесячной денежной выплаты на ребенка в возрасте от 3 до 7 лет",
       "point": "Телефон горячей линии", "interaction": "Получение консультации", "kind": "Онлайн-точка"}
ROWS = [ROW, {**ROW, "point": "Личный прием граждан", "kind": "Офлайн-точка"}]
SECRET = "СЕКРЕТ-ИЗ-ЧУЖОГО-ФАЙЛА-271828"
LOL = "".join(f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10))
BILLION_LAUGHS = f'<!DOCTYPE lolz [<!ENTITY lol0 "lol">{LOL}]>'


@pytest.fixture(scope="module")
def profile():
    return load_profile("udmurt")


# --- builders ----------------------------------------------------------------------------------

def form_bytes(tmp: Path, profile, rows=ROWS, **kw) -> bytes:
    path = make_form(tmp / f"form-{time.perf_counter_ns()}.xlsx", profile, rows, **kw)
    return path.read_bytes()


def patch_zip(data: bytes, patches: dict, add: dict | None = None) -> bytes:
    """A copy of a zip with members changed by functions (bytes -> bytes) and members added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info)
            if info.filename in patches:
                body = patches[info.filename](body)
            method = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            zout.writestr(info.filename, body, compress_type=method)
        for name, body in (add or {}).items():
            zout.writestr(name, body)
    return out.getvalue()


def sub(pattern: str, repl: str, count: int = 1):
    return lambda b: re.sub(pattern, repl, b.decode("utf-8"), count=count, flags=re.DOTALL).encode("utf-8")


def set_cell(ref: str, xml: str):
    """Replace cell `ref` of sheet1 (it must exist) with raw cell XML."""
    return sub(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', xml)


def zip_claiming(data: bytes, member: str, size: int) -> bytes:
    """The zip with the uncompressed size of `member` in its central directory (and local header)
    set to `size`: what a zip bomb's directory says, without anything to inflate."""
    buf = bytearray(data)
    name = member.encode()
    pos = 0
    while True:
        pos = buf.find(b"PK\x01\x02", pos)
        if pos < 0:
            break
        n_len = int.from_bytes(buf[pos + 28:pos + 30], "little")
        if bytes(buf[pos + 46:pos + 46 + n_len]) == name:
            buf[pos + 24:pos + 28] = size.to_bytes(4, "little")
            local = int.from_bytes(buf[pos + 42:pos + 46], "little")
            buf[local + 22:local + 26] = size.to_bytes(4, "little")
        pos += 4
    return bytes(buf)


def corrupt_member(data: bytes, member: str) -> bytes:
    """Flip bytes in the middle of one member's compressed data: its CRC no longer matches."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(member)
    local = info.header_offset
    n_len = int.from_bytes(data[local + 26:local + 28], "little")
    x_len = int.from_bytes(data[local + 28:local + 30], "little")
    start = local + 30 + n_len + x_len
    mid = start + info.compress_size // 2
    buf = bytearray(data)
    for i in range(mid, mid + 8):
        buf[i] ^= 0x5A
    return bytes(buf)


def headers(profile) -> list[str]:
    return [c.header for c in profile.columns]


def csv_form(profile, rows=ROWS, encoding="cp1251") -> bytes:
    lines = [profile.form_title, "Структурное подразделение: Управление по CSV", "",
             ";".join(headers(profile)), ";".join(str(i) for i in range(1, 7))]
    for i, r in enumerate(rows, start=1):
        lines.append(";".join([str(i)] + [f'"{r[k]}"' if ";" in r[k] else r[k] for k in profile.keys[1:]]))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def html_form(profile, encoding="cp1251") -> bytes:
    th = "".join(f"<th>{h}</th>" for h in headers(profile))
    return (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251"></head>'
            f"<body><table border=1><tr><td colspan=6>{profile.form_title}</td></tr><tr>{th}</tr>"
            f"<tr><td>1</td><td rowspan=3>{ROW['group']}</td><td rowspan=2>{ROW['service']}</td>"
            f"<td>Телефон горячей линии</td><td>Получение консультации</td><td>Онлайн-точка</td></tr>"
            f"<tr><td>2</td><td>Личный прием граждан</td><td>Подача заявления<br>и документов</td>"
            f"<td>Офлайн-точка</td></tr>"
            f"<tr><td>3</td><td>Выдача удостоверения многодетной семьи</td><td>Официальный сайт "
            f"Министерства (minsoc18.ru)</td><td>Получение информации &amp; бланков</td><td>Онлайн-точка</td></tr>"
            f"</table><p>Исполнитель: Иванова</p></body></html>").encode(encoding)


def xml2003_form(profile) -> bytes:
    def row(values):
        return "<Row>" + "".join(f'<Cell><Data ss:Type="String">{v}</Data></Cell>' for v in values) + "</Row>"
    body = row([profile.form_title]) + row(headers(profile))
    for i, r in enumerate(ROWS, start=1):
        body += row([str(i)] + [r[k] for k in profile.keys[1:]])
    return ('<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
            '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
            'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
            f'<Worksheet ss:Name="Перечень"><Table>{body}</Table></Worksheet></Workbook>').encode("utf-8")


def docx_bytes() -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph("Направляем перечень точек взаимодействия")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def million_rows(data: bytes, last_row: int = 1_048_576, column: str = "F") -> bytes:
    """The form with a formula filled down `column` to `last_row`, its cached result empty: Excel's
    used range then runs to the last row although the table ends at row 8."""
    def grow(xml: bytes) -> bytes:
        head, tail = xml.split(b"</sheetData>")
        head = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{column}{last_row}"/>'.encode(), head)
        rows = b"".join(b'<row r="%d"><c r="%s%d" t="str"><f>IF(B%d="","",1)</f><v></v></c></row>'
                        % (r, column.encode(), r, r) for r in range(20, last_row + 1))
        return head + rows + b"</sheetData>" + tail
    return patch_zip(data, {"xl/worksheets/sheet1.xml": grow})


def far_cell(data: bytes, ref: str = "XFD1048576") -> bytes:
    row = re.match(r"[A-Za-z]+(\d+)", ref).group(1)
    return patch_zip(data, {"xl/worksheets/sheet1.xml": lambda x: x.replace(
        b"</sheetData>", f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'.encode())})


def xlsx_billion_laughs(data: bytes) -> bytes:
    """The entity bomb in the sheet's XML (the forms here hold inline strings, no sharedStrings.xml)."""
    def bomb(xml: bytes) -> bytes:
        s = xml.decode("utf-8")
        s = s.replace("<worksheet", BILLION_LAUGHS.replace("lolz", "worksheet") + "<worksheet", 1)
        return re.sub(r"<t>[^<]*</t>", "<t>&lol9;</t>", s, count=1).encode("utf-8")
    return patch_zip(data, {"xl/worksheets/sheet1.xml": bomb})


def xlsx_external_entity(data: bytes, secret: Path) -> bytes:
    def xxe(xml: bytes) -> bytes:
        s = xml.decode("utf-8")
        s = s.replace("<worksheet", f'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]><worksheet', 1)
        return s.replace("</sheetData>", '<row r="30"><c r="A30" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
                                           "</sheetData>").encode("utf-8")
    return patch_zip(data, {"xl/worksheets/sheet1.xml": xxe})


def ods_billion_laughs() -> bytes:
    def bomb(xml: bytes) -> bytes:
        s = xml.decode("utf-8")
        s = s.replace("<office:document-content", BILLION_LAUGHS.replace("lolz", "office:document-content")
                      + "<office:document-content", 1)
        return s.replace("<text:p>ПЕРЕЧЕНЬ", "<text:p>&lol9;ПЕРЕЧЕНЬ", 1).encode("utf-8")
    return patch_zip(ODS_SAMPLE.read_bytes(), {"content.xml": bomb})


LONG = "Подача заявления и документов. " * 1400  # 43 400 characters


def long_value(data: bytes, ref: str) -> bytes:
    """The cell `ref` with a 43 400-character text (openpyxl itself would cut it at 32 767)."""
    return patch_zip(data, {"xl/worksheets/sheet1.xml": set_cell(
        ref, f'<c r="{ref}" t="inlineStr"><is><t>{LONG}</t></is></c>')})


LONG_NAME = ("Перечень точек взаимодействия с клиентом " * 4)[:118].rstrip() + ".xlsx"  # ~240 bytes in UTF-8


# --- one inbox with every case ------------------------------------------------------------------

def build_cases(tmp: Path, profile, outside: Path) -> dict[str, dict]:
    """label -> {file: relative path in the inbox, bytes or a symlink target, and the expectation}."""
    good = form_bytes(tmp, profile)
    secret = outside / "секрет.txt"
    secret.write_text(SECRET, encoding="utf-8")
    errors = patch_zip(good, {"xl/worksheets/sheet1.xml": lambda x: set_cell(
        f"D{FIRST_DATA_ROW}", f'<c r="D{FIRST_DATA_ROW}" t="e"><v>#REF!</v></c>')(set_cell(
        f"E{FIRST_DATA_ROW + 1}", f'<c r="E{FIRST_DATA_ROW + 1}" t="e"><f>VLOOKUP(A1,Z:Z,2,0)</f><v>#N/A</v></c>')(x))})
    zeros = patch_zip(good, {}, add={"xl/media/image1.bin": b"\0" * (24 * 1024 * 1024)})
    cases = {
        "zero-byte": dict(name="перечень.xlsx", data=b"", verdict="unreadable", reason="Файл пустой (0 байт)"),
        "truncated": dict(name="перечень.xlsx", data=good[: len(good) // 2], verdict="unreadable",
                          reason="поврежден или передан не полностью (обрезан)"),
        "corrupted": dict(name="перечень.xlsx", data=corrupt_member(good, "xl/worksheets/sheet1.xml"),
                          verdict="unreadable", reason="Файл поврежден: часть книги «xl/worksheets/sheet1.xml» не распаковывается"),
        "password-xlsx": dict(name="перечень.xlsx", data=(HOSTILE / "encrypted.xlsx").read_bytes(),
                              verdict="unreadable", reason=PASSWORD_REASON),
        "password-xls": dict(name="перечень.xls", data=(HOSTILE / "encrypted.xls").read_bytes(),
                             verdict="unreadable", reason=PASSWORD_REASON),
        "password-ods": dict(name="перечень.ods", data=(HOSTILE / "encrypted.ods").read_bytes(),
                             verdict="unreadable", reason=PASSWORD_REASON),
        "csv-as-xls": dict(name="выгрузка.xls", data=csv_form(profile), verdict="accepted", rows=2),
        "csv-as-xls-errors": dict(name="выгрузка.xls", data=csv_form(profile, [ROW, {**ROWS[1], "kind": "дистанционно"}]),
                                  verdict="returned", codes={"UD-KIND"}, copy_note="на самом деле это текст CSV"),
        "html-as-xls": dict(name="реестр.xls", data=html_form(profile), verdict="accepted", rows=3),
        "xml2003-as-xls": dict(name="выгрузка.xls", data=xml2003_form(profile), verdict="accepted", rows=2),
        "csv-not-form": dict(name="выгрузка.xls", data="Код;Наименование;Сумма\r\n1;Пособие;100\r\n".encode("cp1251"),
                             verdict="unreadable", reason="на самом деле — текст CSV (значения через «;»), и таблицы "
                                                          "по форме Перечня в нем нет"),
        "text-as-xlsx": dict(name="перечень.xlsx", data="Перечень направим позже.\n".encode("utf-8"),
                             verdict="unreadable", reason="на самом деле — текстовый файл, а не книга Excel"),
        "docx": dict(name="письмо.docx", data=docx_bytes(), verdict="skipped", reason="Файл .docx не является книгой"),
        "pdf": dict(name="скан.pdf", data=PDF, verdict="skipped", reason="Файл .pdf не является книгой"),
        "docx-as-xlsx": dict(name="перечень.xlsx", data=docx_bytes(), verdict="unreadable",
                             reason="Это документ Word (.docx), а не книга Excel"),
        "pdf-as-xls": dict(name="перечень.xls", data=PDF, verdict="unreadable", reason="Это документ PDF, а не книга Excel"),
        "zip-bomb-directory": dict(name="перечень.xlsx", data=zip_claiming(good, "xl/worksheets/sheet1.xml", 3_000_000_000),
                                   verdict="unreadable", reason="похож на «zip-бомбу»"),
        "zip-bomb-ratio": dict(name="перечень.xlsx", data=zeros, verdict="unreadable", reason="сжата в"),
        "billion-laughs-xlsx": dict(name="перечень.xlsx", data=xlsx_billion_laughs(good), verdict="unreadable",
                                    reason="содержит объявление DTD"),
        "external-entity-xlsx": dict(name="перечень.xlsx", data=xlsx_external_entity(good, secret),
                                     verdict="unreadable", reason="содержит объявление DTD"),
        "billion-laughs-ods": dict(name="перечень.ods", data=ods_billion_laughs(), verdict="unreadable",
                                   reason="содержит объявление DTD"),
        "million-rows": dict(name="перечень.xlsx", data=million_rows(good), verdict="accepted", rows=2),
        "far-cell": dict(name="перечень.xlsx", data=far_cell(good), verdict="unreadable",
                         reason="заполнены ячейки далеко за пределами таблицы"),
        "excel-errors": dict(name="перечень.xlsx", data=errors, verdict="returned",
                             cells={("UD-CELL-ERROR", f"D{FIRST_DATA_ROW}", "#REF!"),
                                    ("UD-CELL-ERROR", f"E{FIRST_DATA_ROW + 1}", "#N/A")}),
        "numbers-dates": dict(name="перечень.xlsx", data=form_bytes(tmp, profile, [
            {**ROW, "service": 12345}, {**ROW, "interaction": date(2024, 7, 16), "point": "Личный прием граждан",
                                        "kind": "Офлайн-точка"}]), verdict="returned",
            cells={("UD-TEXT", f"C{FIRST_DATA_ROW}", "12345"), ("UD-TEXT", f"E{FIRST_DATA_ROW + 1}", "16.07.2024")}),
        "long-value-returned": dict(name="перечень.xlsx", data=long_value(form_bytes(tmp, profile, [
            ROW, {**ROW, "point": ""}]), f"E{FIRST_DATA_ROW}"), verdict="returned", codes={"UD-EMPTY-POINT"}),
        "long-value-accepted": dict(name="перечень.xlsx", data=long_value(form_bytes(tmp, profile, [ROW]),
                                                                          f"E{FIRST_DATA_ROW}"),
                                    verdict="accepted", rows=1),
        "breaks-tabs": dict(name="перечень.xlsx", data=form_bytes(tmp, profile, [
            {**ROW, "service": "Назначение\tежемесячной\nденежной  выплаты", "interaction": "Подача\r\nзаявления"}]),
            verdict="accepted", rows=1),
        "hidden-rows": dict(name="перечень.xlsx", data=form_bytes(tmp, profile, hidden_rows=(2,)), verdict="accepted",
                            rows=2, warning=("UD-HIDDEN", f"скрыты строки таблицы: {FIRST_DATA_ROW + 1}")),
        "hidden-sheet": dict(name="перечень.xlsx", data=form_bytes(tmp, profile, hidden_sheet=True),
                             verdict="accepted", rows=2, warning=("UD-HIDDEN-SHEET", "на скрытом листе «Лист1»")),
        "hidden-ods": dict(name="перечень.ods", data=(HOSTILE / "hidden.ods").read_bytes(), verdict="accepted", rows=2,
                           warning=("UD-HIDDEN", f"скрыты строки таблицы: {FIRST_DATA_ROW + 1}")),
        "xls-hidden-errors": dict(name="перечень.xls", data=(HOSTILE / "hidden_errors.xls").read_bytes(),
                                  verdict="returned", rows=2,
                                  cells={("UD-CELL-ERROR", f"C{FIRST_DATA_ROW}", "#REF!"),
                                         ("UD-CELL-ERROR", f"D{FIRST_DATA_ROW}", "#DIV/0!"),
                                         ("UD-CELL-ERROR", f"E{FIRST_DATA_ROW}", "#N/A")},
                                  warning=("UD-HIDDEN", f"скрыты строки таблицы: {FIRST_DATA_ROW + 1}")),
        "xlsm-macros": dict(name="перечень.xlsm", data=(HOSTILE / "macro.xlsm").read_bytes(), verdict="returned",
                            codes={"UD-EMPTY-GROUP"}),
        # The name is near the 255-byte limit of a file name; the file is returned, so that its copy
        # and its e-mail draft are written under the same long name.
        "cyrillic-long-nested": dict(name="вложенная папка/ещё глубже/" + LONG_NAME,
                                     data=form_bytes(tmp, profile, [ROW, {**ROWS[1], "kind": ""}]), verdict="returned",
                                     codes={"UD-EMPTY-KIND"}),
        "symlink-outside": dict(name="перечень.xlsx", link=outside / "чужой.xlsx", verdict="skipped",
                                reason="Ссылка на файл вне папки входящих"),
        "symlink-inside": dict(name="копия.xlsx", link="../zz-target/перечень.xlsx", verdict="skipped",
                               reason="Ссылка на файл «zz-target/перечень.xlsx» этой же папки входящих"),
        "zz-target": dict(name="перечень.xlsx", data=good, verdict="accepted", rows=2),
    }
    (outside / "чужой.xlsx").write_bytes(good)
    return cases


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, profile):
    tmp = tmp_path_factory.mktemp("hostile")
    inbox, out, outside = tmp / "входящие", tmp / "результаты", tmp / "снаружи"
    outside.mkdir()
    cases = build_cases(tmp, profile, outside)
    for label, case in cases.items():
        path = inbox / label / case["name"]
        path.parent.mkdir(parents=True, exist_ok=True)
        if "link" in case:
            path.symlink_to(case["link"])
        else:
            path.write_bytes(case["data"])
    # A folder that is a link out of the inbox is not entered at all.
    (inbox / "linked-folder").symlink_to(outside, target_is_directory=True)
    before = _hashes(inbox)
    started = time.perf_counter()
    batch = pipeline.run(Settings(profile, inbox, out, RUN_DATE))
    elapsed = time.perf_counter() - started
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return cases, batch, report, inbox, out, before, elapsed


def _hashes(folder: Path) -> dict[str, str]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_symlink():
            out[str(p.relative_to(folder))] = "->" + os.readlink(p)
        elif p.is_file():
            out[str(p.relative_to(folder))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


CASE_LABELS = [
    "zero-byte", "truncated", "corrupted", "password-xlsx", "password-xls", "password-ods", "csv-as-xls",
    "csv-as-xls-errors", "html-as-xls", "xml2003-as-xls", "csv-not-form", "text-as-xlsx", "docx", "pdf",
    "docx-as-xlsx", "pdf-as-xls", "zip-bomb-directory", "zip-bomb-ratio", "billion-laughs-xlsx",
    "external-entity-xlsx", "billion-laughs-ods", "million-rows", "far-cell", "excel-errors", "numbers-dates",
    "long-value-returned", "long-value-accepted", "breaks-tabs", "hidden-rows", "hidden-sheet", "hidden-ods",
    "xls-hidden-errors", "xlsm-macros", "cyrillic-long-nested", "symlink-outside", "symlink-inside", "zz-target",
]


def _file(report, label):
    found = [f for f in report["files"] if f["path"].split("/", 1)[0] == label]
    assert len(found) == 1, (label, [f["path"] for f in report["files"]])
    return found[0]


@pytest.mark.parametrize("label", CASE_LABELS)
def test_every_case_gets_its_verdict_and_reason(hostile, label):
    cases, batch, report, *_ = hostile
    case, f = cases[label], _file(report, label)
    assert f["verdict"] == case["verdict"], (label, f["reason"], [(r["code"], r["cell"]) for r in f["remarks"]])
    if "reason" in case:
        assert case["reason"] in (f["reason"] or ""), (label, f["reason"])
        assert "Traceback" not in f["reason"] and "Error:" not in f["reason"]
    if "rows" in case:
        assert f["rows"] == case["rows"], label
    codes = {r["code"] for r in f["remarks"]}
    if "codes" in case:
        assert case["codes"] <= codes, (label, codes)
    if "cells" in case:
        got = {(r["code"], r["cell"], r["value"]) for r in f["remarks"] if r["code"] == next(iter(case["cells"]))[0]}
        assert got == case["cells"], (label, got)
    if "warning" in case:
        code, text = case["warning"]
        [w] = [r for r in f["remarks"] if r["code"] == code]
        assert w["severity"] == "warning" and text in w["message"], (label, w["message"])
    if f["verdict"] in ("unreadable", "skipped"):
        assert f["reason"] and f["remarks"] == [] and f["returned_copy"] is None


def test_every_file_is_listed_once(hostile):
    cases, batch, report, *_ = hostile
    assert sorted(f["path"].split("/", 1)[0] for f in report["files"]) == sorted(CASE_LABELS)
    assert set(cases) == set(CASE_LABELS)


def test_inbox_is_never_written(hostile):
    *_, inbox, out, before, _ = hostile
    assert _hashes(inbox) == before


def test_no_temporary_litter_and_no_lock_held(hostile):
    *_, out, _, _ = hostile
    names = [p.name for p in out.rglob("*")]
    assert not [n for n in names if n.startswith(".~tmp-") or n.endswith((".new", ".old"))], names
    with out_lock(out, timeout=0):  # the run released its lock
        pass


def test_the_whole_hostile_inbox_is_quick(hostile):
    *_, elapsed = hostile
    assert elapsed < 60, elapsed


def test_nothing_from_the_external_entity_leaks(hostile):
    *_, out, _, _ = hostile
    for p in out.rglob("*"):
        if p.suffix in (".json", ".eml", ".txt"):
            assert SECRET not in p.read_text(encoding="utf-8", errors="replace"), p
        elif p.suffix in (".xlsx", ".xlsm", ".docx"):
            with zipfile.ZipFile(p) as z:
                for name in z.namelist():
                    assert SECRET.encode() not in z.read(name), (p, name)


def test_returned_copy_of_csv_says_what_the_file_was(hostile):
    _, _, report, _, out, *_ = hostile
    f = _file(report, "csv-as-xls-errors")
    assert f["returned_copy"].endswith("выгрузка.xlsx")
    wb = openpyxl.load_workbook(out / f["returned_copy"])
    notes = " ".join(str(c.value) for row in wb["Замечания"].iter_rows(max_row=10) for c in row if c.value)
    assert "на самом деле это текст CSV" in notes
    assert wb.sheetnames[1] == "CSV"


def test_long_values_fit_excel_and_say_they_were_cut(hostile):
    _, batch, report, _, out, *_ = hostile
    f = _file(report, "long-value-returned")
    wb = openpyxl.load_workbook(out / f["returned_copy"])
    cell = wb["Лист1"][f"E{FIRST_DATA_ROW}"]
    assert len(cell.value) <= MAX_CELL_TEXT and "[текст обрезан: в ячейке было" in cell.value
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert not isinstance(c.value, str) or len(c.value) <= MAX_CELL_TEXT
    consolidated = openpyxl.load_workbook(out / "Сводный перечень.xlsx")
    longest = max((c.value for ws in consolidated.worksheets for row in ws.iter_rows() for c in row
                   if isinstance(c.value, str)), key=len)
    assert len(longest) <= MAX_CELL_TEXT and "[текст обрезан" in longest


def test_line_breaks_and_tabs_are_layout(hostile):
    _, batch, *_ = hostile
    rows = batch.accepted_rows()
    mine = rows[rows["path"].str.startswith("breaks-tabs/")]
    # Tabs and runs of spaces become one space; a line break (also \r\n) is kept, once.
    assert list(mine["service"]) == ["Назначение ежемесячной\nденежной выплаты"]
    assert list(mine["interaction"]) == ["Подача\nзаявления"]


def test_hidden_rows_are_consolidated_with_a_warning(hostile):
    _, batch, *_ = hostile
    rows = batch.accepted_rows()
    for label in ("hidden-rows", "hidden-sheet", "hidden-ods"):
        mine = rows[rows["path"].str.startswith(label + "/")]
        assert sorted(mine["row"]) == [FIRST_DATA_ROW, FIRST_DATA_ROW + 1], label


def test_million_row_sheet_is_consolidated_whole(hostile):
    _, batch, *_ = hostile
    rows = batch.accepted_rows()
    assert len(rows[rows["path"].str.startswith("million-rows/")]) == 2


def test_xlsm_copy_keeps_the_authors_macros(hostile):
    _, _, report, _, out, *_ = hostile
    f = _file(report, "xlsm-macros")
    assert f["returned_copy"].endswith(".xlsm")
    with zipfile.ZipFile(HOSTILE / "macro.xlsm") as src, zipfile.ZipFile(out / f["returned_copy"]) as copy:
        assert copy.read("xl/vbaProject.bin") == src.read("xl/vbaProject.bin")
        assert b"macroEnabled" in copy.read("[Content_Types].xml")
    wb = openpyxl.load_workbook(out / f["returned_copy"], keep_vba=True)
    assert wb.sheetnames[0] == "Замечания" and wb["Лист1"][f"B{FIRST_DATA_ROW}"].comment is not None


def test_long_cyrillic_nested_names(hostile):
    _, _, report, _, out, *_ = hostile
    f = _file(report, "cyrillic-long-nested")
    assert f["subdivision"] == "cyrillic-long-nested"
    assert f["path"] == f"cyrillic-long-nested/вложенная папка/ещё глубже/{LONG_NAME}"
    assert len(LONG_NAME.encode()) > 220
    assert (out / f["returned_copy"]).is_file()
    assert f["returned_copy"] == f"на доработку/{f['path']}"


# --- each reader path against entity expansion, on its own ------------------------------------

def test_calamine_does_not_expand_entities(tmp_path, profile):
    """python-calamine (quick-xml) does not expand entities: a billion-laughs workbook reads at once,
    with no value longer than what is written; an external entity is never fetched."""
    good = form_bytes(tmp_path, profile)
    secret = tmp_path / "секрет.txt"
    secret.write_text(SECRET, encoding="utf-8")
    for name, data in [("laughs.xlsx", xlsx_billion_laughs(good)), ("xxe.xlsx", xlsx_external_entity(good, secret)),
                       ("laughs.ods", ods_billion_laughs())]:
        (tmp_path / name).write_bytes(data)
        started = time.perf_counter()
        try:
            wb = python_calamine.CalamineWorkbook.from_path(str(tmp_path / name))
            cells = [v for s in wb.sheet_names for row in wb.get_sheet_by_name(s).to_python() for v in row]
        except python_calamine.CalamineError:
            cells = []  # refusing the file is as good
        assert time.perf_counter() - started < 5, name
        assert all(len(str(v)) < 1000 for v in cells), name
        assert not any(SECRET in str(v) for v in cells), name


def test_openpyxl_uses_defusedxml(tmp_path, profile):
    import defusedxml
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML
    good = form_bytes(tmp_path, profile)
    secret = tmp_path / "секрет.txt"
    secret.write_text(SECRET, encoding="utf-8")
    for data in (xlsx_billion_laughs(good), xlsx_external_entity(good, secret)):
        with pytest.raises(Exception) as caught:
            openpyxl.load_workbook(io.BytesIO(data))
        # openpyxl wraps the parser's refusal in a ValueError.
        assert isinstance(caught.value, defusedxml.DefusedXmlException) or \
            isinstance(caught.value.__cause__, defusedxml.DefusedXmlException), repr(caught.value)


def test_own_ods_reader_uses_defusedxml(tmp_path):
    import defusedxml

    (tmp_path / "laughs.ods").write_bytes(ods_billion_laughs())
    with pytest.raises(defusedxml.DefusedXmlException):
        ods_merged_ranges(tmp_path / "laughs.ods")


def test_text_readers_do_not_expand_entities(profile):
    import defusedxml

    xml = xml2003_form(profile).decode().replace("<Workbook", BILLION_LAUGHS.replace("lolz", "Workbook") + "<Workbook", 1)
    with pytest.raises(defusedxml.DefusedXmlException):
        read_sheets("xml2003", xml.replace("ПЕРЕЧЕНЬ", "&lol9;", 1).encode())
    html = html_form(profile).decode("cp1251").replace("<html>", f"<!DOCTYPE html [{LOL}]><html>", 1)
    sheets = read_sheets("html", html.replace("ПЕРЕЧЕНЬ", "&lol9;ПЕРЕЧЕНЬ", 1).encode("utf-8"))
    assert all(len(v) < 1000 for s in sheets for row in s.rows for v in row)


def test_every_reader_path_refuses_a_dtd_first(tmp_path, profile):
    """What reaches calamine, openpyxl or the .ods reader went through safety.inspect first."""
    from consolidator.inbox.safety import UnreadableError

    good = form_bytes(tmp_path, profile)
    for name, data in [("a.xlsx", xlsx_billion_laughs(good)), ("b.ods", ods_billion_laughs()),
                       ("c.xls", xml2003_form(profile).replace(b"<Workbook", b"<!DOCTYPE Workbook [<!ENTITY a 'b'>]><Workbook", 1))]:
        (tmp_path / name).write_bytes(data)
        with pytest.raises(UnreadableError, match="объявление DTD"):
            inspect(tmp_path / name)


# --- the million-row sheet against the clock -----------------------------------------------------

def _timed(fn, repeat=3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def test_million_row_sheet_reads_like_a_small_file(tmp_path, profile):
    good = form_bytes(tmp_path, profile)
    small, big = tmp_path / "small.xlsx", tmp_path / "big.xlsx"
    small.write_bytes(good)
    big.write_bytes(million_rows(good))
    t_small = _timed(lambda: read_table(small, profile))
    t_big = _timed(lambda: read_table(big, profile), repeat=1)
    table = read_table(big, profile)
    assert [r for r, _ in table.rows] == [FIRST_DATA_ROW, FIRST_DATA_ROW + 1]
    assert inspect(big).trimmed_rows == 1_048_576 - 19
    print(f"million-row .xlsx: {t_big:.2f} s; small .xlsx: {t_small:.3f} s")
    # Before the reader stopped at the table's end this took ~5 s and 600 MB; now it is the time
    # to inflate the sheet's XML once (~0.3-0.6 s here).
    assert t_big < 3.0, t_big


def test_million_repeated_rows_in_ods(tmp_path, profile):
    """LibreOffice writes a formula filled down as one row repeated a million times: calamine
    expands it, the reader stops at the table's end."""
    def grow(xml: bytes) -> bytes:
        return re.sub(rb'<table:table-row table:style-name="ro1" table:number-rows-repeated="\d+">'
                      rb'<table:table-cell table:number-columns-repeated="16384"/></table:table-row>',
                      b'<table:table-row table:number-rows-repeated="1048000"><table:table-cell '
                      b'table:number-columns-repeated="6"/><table:table-cell table:formula="of:=&quot;&quot;" '
                      b'office:value-type="string" office:string-value=""><text:p/></table:table-cell>'
                      b'</table:table-row>', xml, count=1)
    path = tmp_path / "big.ods"
    path.write_bytes(patch_zip(ODS_SAMPLE.read_bytes(), {"content.xml": grow}))
    assert inspect(path).trimmed_rows >= 1_047_999  # the repeated row is written once for calamine
    started = time.perf_counter()
    table = read_table(path, profile)
    elapsed = time.perf_counter() - started
    assert len(table.rows) == 4
    assert elapsed < 2, elapsed  # ~0.01 s; 2.9 s and 1.1 GB when calamine expanded the million rows


def test_far_cell_is_refused_before_calamine_allocates(tmp_path, profile):
    """One value in XFD1048576 would make calamine allocate 550 GB and abort the whole process."""
    from consolidator.inbox.safety import UnreadableError

    path = tmp_path / "far.xlsx"
    path.write_bytes(far_cell(form_bytes(tmp_path, profile)))
    with pytest.raises(UnreadableError, match="XFD"):
        read_table(path, profile)


def test_far_cell_written_in_lower_case_is_refused_too(tmp_path, profile):
    """calamine takes «xfd400» for XFD400 (400 rows of 16 384 columns: 6.5 million cells): the extent
    counts lower-case column letters too."""
    from consolidator.inbox.safety import UnreadableError

    path = tmp_path / "far.xlsx"
    path.write_bytes(far_cell(form_bytes(tmp_path, profile), ref="xfd400"))
    with pytest.raises(UnreadableError, match="XFD400"):
        read_table(path, profile)


def test_a_text_that_looks_like_a_far_reference_is_no_far_cell(tmp_path, profile):
    """The extent's first count of columns takes any r="…" for a cell's reference; a text holding one is
    then told from a cell by the values themselves, and the file is read."""
    rows = ROWS * 40  # 80 rows: a reference in column ZZZ would make 1.5 million cells of a few hundred values
    path = tmp_path / "text.xlsx"
    path.write_bytes(patch_zip(form_bytes(tmp_path, profile, rows), {"xl/worksheets/sheet1.xml": lambda x: re.sub(
        rb"<t>[^<]*</t>", '<t>в графе r="ZZZ9" нет ничего</t>'.encode(), x, count=1)}))
    table = read_table(path, profile)
    assert table is not None and len(table.rows) == len(rows)


def test_unpacked_limit_is_configurable(tmp_path, profile, monkeypatch):
    from consolidator.inbox.safety import ENV_MAX_UNPACKED_MB, UnreadableError

    path = tmp_path / "big.xlsx"
    path.write_bytes(million_rows(form_bytes(tmp_path, profile), last_row=60_000))  # ~3.7 MB unpacked
    assert read_table(path, profile) is not None
    with pytest.raises(UnreadableError, match="zip-бомб"):
        read_table(path, profile, Limits.from_env(1))
    monkeypatch.setenv(ENV_MAX_UNPACKED_MB, "1")
    with pytest.raises(UnreadableError, match="--max-unpacked-mb"):
        read_table(path, profile)
    inbox = tmp_path / "in" / "Отдел"
    inbox.mkdir(parents=True)
    (inbox / "перечень.xlsx").write_bytes(path.read_bytes())
    monkeypatch.delenv(ENV_MAX_UNPACKED_MB)
    res = CliRunner().invoke(main, ["run", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--profile",
                                    "udmurt", "--date", "2024-07-16", "--max-unpacked-mb", "1"])
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert res.exit_code == 1 and "zip-бомб" in report["files"][0]["reason"]


# --- runs that stay safe ------------------------------------------------------------------------

def test_out_inside_inbox_is_a_usage_error(tmp_path, profile):
    inbox = tmp_path / "in"
    make_form(inbox / "Отдел" / "перечень.xlsx", profile, ROWS)
    before = _hashes(inbox)
    res = CliRunner().invoke(main, ["run", str(inbox), "--out", str(inbox / "результаты"), "--profile", "udmurt"])
    assert res.exit_code == 2 and "внутри папки входящих" in res.output
    assert _hashes(inbox) == before and not (inbox / "результаты").exists()


def _run(profile, inbox, out, on_lock_wait=None, **kw):
    ui = pipeline.Ui(say=on_lock_wait) if on_lock_wait else None
    return pipeline.run(Settings(profile, inbox, out, RUN_DATE, **kw), ui)


def test_a_run_killed_midway_leaves_the_old_outputs(tmp_path, profile, monkeypatch):
    inbox, out = tmp_path / "in", tmp_path / "out"
    make_form(inbox / "Отдел А" / "перечень.xlsx", profile, ROWS)
    make_form(inbox / "Отдел Б" / "перечень.xlsx", profile, [{**ROW, "group": ""}])
    _run(profile, inbox, out)
    before = _hashes(out)
    make_form(inbox / "Отдел В" / "перечень.xlsx", profile, [{**ROW, "kind": "дистанционно"}])

    import consolidator.outputs.protocol as protocol

    real = protocol.write_protocol

    def killed(batch, path):
        # Dies after its temporary file exists, as a run killed while writing.
        from consolidator.outputs.atomic import atomic_path

        with atomic_path(Path(path)) as tmp:
            tmp.write_bytes(b"half a workbook")
            raise KeyboardInterrupt("killed")

    monkeypatch.setattr(protocol, "write_protocol", killed)
    journal = _journal_state(out)
    with pytest.raises(KeyboardInterrupt):
        _run(profile, inbox, out)
    after = _hashes(out)
    assert after["Протокол проверки.xlsx"] == before["Протокол проверки.xlsx"]
    assert after["report.json"] == before["report.json"]
    # The journal keeps nothing of it: its run and list's rows (recorded before the protocol), its versions.
    assert _journal_state(out) == journal
    assert not [p for p in out.rglob("*") if p.name.startswith(".~tmp-") or p.name.endswith((".new", ".old"))]
    monkeypatch.setattr(protocol, "write_protocol", real)
    batch = _run(profile, inbox, out)
    assert sorted(f.verdict for f in batch.files) == ["accepted", "returned", "returned"]
    assert openpyxl.load_workbook(out / "Протокол проверки.xlsx")


def _journal_state(out: Path) -> dict[str, int]:
    import sqlite3

    with sqlite3.connect(out / "журнал.sqlite") as db:
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("runs", "run_lists", "versions")}


def test_a_run_killed_while_writing_returned_copies(tmp_path, profile, monkeypatch):
    inbox, out = tmp_path / "in", tmp_path / "out"
    make_form(inbox / "Отдел Б" / "перечень.xlsx", profile, [{**ROW, "group": ""}])
    _run(profile, inbox, out)
    before = _hashes(out / "на доработку")
    import consolidator.outputs.returned as annotate

    def killed(*args, **kwargs):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(pipeline, "write_returned", killed)
    with pytest.raises(KeyboardInterrupt):
        _run(profile, inbox, out, recheck=True)  # the copy made again, not kept from the run before
    assert _hashes(out / "на доработку") == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")and p.name != ".consolidator.lock"]
    monkeypatch.setattr(pipeline, "write_returned", annotate.write_returned)
    assert _run(profile, inbox, out).files[0].returned_copy


def test_stale_temporary_files_of_a_killed_process_are_swept(tmp_path, profile):
    inbox, out = tmp_path / "in", tmp_path / "out"
    make_form(inbox / "Отдел" / "перечень.xlsx", profile, ROWS)
    out.mkdir()
    (out / ".~tmp-abc123.xlsx").write_bytes(b"half")
    (out / "мой файл.txt").write_text("не трогать", encoding="utf-8")
    _run(profile, inbox, out)
    assert not (out / ".~tmp-abc123.xlsx").exists()
    assert (out / "мой файл.txt").read_text(encoding="utf-8") == "не трогать"


def test_second_run_waits_for_the_lock_then_runs(tmp_path, profile):
    inbox, out = tmp_path / "in", tmp_path / "out"
    make_form(inbox / "Отдел" / "перечень.xlsx", profile, ROWS)
    messages = []
    held = threading.Event()

    def first():
        with out_lock(out):
            held.set()
            time.sleep(1.0)

    t = threading.Thread(target=first)
    t.start()
    held.wait(5)
    started = time.perf_counter()
    batch = _run(profile, inbox, out, lock_timeout=30, on_lock_wait=messages.append)
    t.join()
    assert time.perf_counter() - started >= 0.5
    assert batch.files[0].verdict == "accepted"
    assert len(messages) == 1 and "занята другим запуском consolidator" in messages[0]
    assert f"процесс {os.getpid()}" in messages[0]


def test_second_run_refuses_when_the_lock_stays(tmp_path, profile):
    inbox, out = tmp_path / "in", tmp_path / "out"
    make_form(inbox / "Отдел" / "перечень.xlsx", profile, ROWS)
    with out_lock(out):
        with pytest.raises(LockBusy, match="не завершился за 0 с"):
            _run(profile, inbox, out, lock_timeout=0.3)
        assert not (out / "report.json").exists()


def test_cli_reports_a_busy_results_folder(tmp_path, profile, monkeypatch):
    import consolidator.outputs.lock as lock

    inbox, out = tmp_path / "in", tmp_path / "out"
    make_form(inbox / "Отдел" / "перечень.xlsx", profile, ROWS)
    monkeypatch.setattr(lock, "DEFAULT_TIMEOUT", 0.3)
    with out_lock(out):
        res = CliRunner().invoke(main, ["run", str(inbox), "--out", str(out), "--profile", "udmurt"])
    assert res.exit_code == 2, res.output
    assert "занята другим запуском consolidator" in res.output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_skipped_not_opened(tmp_path, profile):
    """Opening a pipe with no writer would wait forever."""
    inbox, out = tmp_path / "in", tmp_path / "out"
    make_form(inbox / "Отдел" / "перечень.xlsx", profile, ROWS)
    os.mkfifo(inbox / "Отдел" / "канал.xlsx")
    batch = _run(profile, inbox, out)
    [pipe] = [f for f in batch.files if f.path.endswith("канал.xlsx")]
    assert pipe.verdict == "skipped" and "не обычный файл" in pipe.reason


def test_a_workbook_openpyxl_cannot_write_back_comes_back_as_values(tmp_path, profile, monkeypatch):
    """openpyxl reads more than it can write back; such a file still comes back with its remarks."""
    inbox, out = tmp_path / "in", tmp_path / "out"
    make_form(inbox / "Отдел" / "перечень.xlsx", profile, [{**ROW, "group": ""}])
    real_save = openpyxl.Workbook.save

    def save(self, filename):
        if "Лист1" in self.sheetnames and self["Лист1"]["B6"].comment is not None and \
                not any("записать с оформлением" in str(c.value) for c in self["Замечания"]["A"]):
            raise ValueError("cannot write this workbook back")
        return real_save(self, filename)

    monkeypatch.setattr(openpyxl.Workbook, "save", save)
    import consolidator.outputs.returned as annotate  # the patcher refuses the package: openpyxl is asked
    monkeypatch.setattr(annotate, "_patched", lambda *args: (_ for _ in ()).throw(ValueError("odd package")))
    batch = _run(profile, inbox, out)
    f = batch.files[0]
    assert f.verdict == "returned" and f.returned_copy.endswith(".xlsx")
    wb = openpyxl.load_workbook(out / f.returned_copy)
    notes = " ".join(str(c.value) for c in wb["Замечания"]["A"] if c.value)
    assert "не удалось записать с оформлением" in notes
    assert wb["Лист1"]["B6"].comment is not None
