"""Real spreadsheets from the world (issue 17): no file may end the batch, none is wrongly called damaged.

Every class of the issue on a small workbook built here (tests/oddbooks.py writes .xls and .xlsb byte
by byte; the .xlsx and .ods are the form patched the way other programs write them):

- isolation: a file that makes the reader abort (a real one: an .xlsb whose only other value is in
  XFD1048576, let past the size checks, makes python-calamine ask for 550 GB and abort), or a copy
  that aborts, is that file's verdict, in every path (`--jobs 1`, a small inbox, the second process),
  and the batch writes every output; helper processes end with the process that started them;
- memory: a sheet whose values reach far is refused before any reader allocates it (.xls, .xlsb,
  .xlsx), and a helper's memory is limited;
- readable workbooks read: .xlsb chart and macro sheets, .xlsm with Excel 4 macro sheets, .xlsx whose
  parts are named otherwise, .ods with Basic macros, without `mimetype`, indented (KOffice), .xlsx
  with empty formatted rows down to row 1 048 576;
- right reasons: an XOR-obfuscated .xls, an Excel 2.x file, a reader's panic: plain Russian for the
  author, the technical detail in «Ошибки чтения.log», nothing on stderr;
- returned copies of .xls/.ods/.xlsb keep thousands of merges in linear time.

Real-world files that showed these (Apache POI, SheetJS, calamine, readODS, odfpy test data) are run
by benchmarks/corpus.py, not here.
"""
from __future__ import annotations

import io
import json
import multiprocessing
import os
import re
import subprocess
import sys
import time
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

import consolidator.run as pipeline
from consolidator.inbox.read import read_table
from consolidator.inbox.safety import PASSWORD_REASON, Limits, UnreadableError, inspect
from consolidator.outputs.read_errors import FILE_NAME as READ_ERRORS
from consolidator.profile import load_profile
from consolidator.run import Settings
from tests import oddbooks as ob
from tests.test_hostile import ODS_SAMPLE, ROW, ROWS, patch_zip
from tests.workbooks import FIRST_DATA_ROW, make_form

ROOT = Path(__file__).resolve().parent.parent
RUN_DATE = date(2024, 7, 16)
LINUX = sys.platform.startswith("linux")
FORK = multiprocessing.get_start_method() == "fork"
# What a reason the author reads may not contain: an exception's name or text, a panic.
ENGLISH = re.compile(r"[A-Za-z]+(Error|Exception)|panic|index out of bounds|Traceback")


@pytest.fixture(scope="module")
def profile():
    return load_profile("udmurt")


def _form(tmp: Path, profile, rows=ROWS) -> bytes:
    return make_form(tmp / f"form-{time.perf_counter_ns()}.xlsx", profile, rows).read_bytes()


def _outputs(out: Path) -> None:
    for name in ("report.json", "Протокол проверки.xlsx", "Сводный перечень.xlsx", "Проект приказа.docx", READ_ERRORS):
        assert (out / name).is_file(), name


def _far_xlsb(profile) -> bytes:
    """The form as .xlsb with one more value in XFD1048576: calamine would allocate the rectangle."""
    cells = ob.form_cells(profile, ROWS)
    cells[(1_048_575, 16_383)] = "x"
    return ob.xlsb([("Лист1", "worksheets", ob.xlsb_sheet(cells))])


# --- no file may end the batch ---------------------------------------------------------------

def _abort_inbox(tmp: Path, profile) -> Path:
    inbox = tmp / "in"
    make_form(inbox / "Отдел А" / "перечень.xlsx", profile, ROWS)
    make_form(inbox / "Отдел Б" / "перечень.xlsx", profile, [{**ROW, "group": ""}])
    (inbox / "Отдел В").mkdir()
    (inbox / "Отдел В" / "перечень.xlsb").write_bytes(_far_xlsb(profile))
    return inbox


# The size checks let the far cell through: the reader itself is then what aborts (SIGABRT, after
# «memory allocation of 549755813888 bytes failed»), as it did before the .xlsb had a size check.
NO_CHECKS = Limits(max_cells=10**13, sparse_cells=10**13)


@pytest.mark.skipif(not LINUX, reason="the abort is a Rust allocation failure; its signal is POSIX")
@pytest.mark.parametrize("path", ["--jobs 1", "small inbox", "second process"])
def test_a_reader_that_aborts_ends_its_file_not_the_batch(tmp_path, profile, path):
    inbox, out = _abort_inbox(tmp_path, profile), tmp_path / "out"
    if path == "second process":  # the survey of a small inbox there dies; this process surveys again
        settings = Settings(None, inbox, out, RUN_DATE, limits=NO_CHECKS)
        batch = pipeline.main(settings)
    else:
        settings = Settings(profile, inbox, out, RUN_DATE, limits=NO_CHECKS, jobs=1 if path == "--jobs 1" else None)
        batch = pipeline.run(settings)
    verdicts = {f.path.split("/")[0]: f for f in batch.files}
    assert verdicts["Отдел А"].verdict == "accepted" and verdicts["Отдел Б"].verdict == "returned"
    dead = verdicts["Отдел В"]
    assert dead.verdict == "unreadable" and "не хватило памяти" in dead.reason and not ENGLISH.search(dead.reason)
    _outputs(out)
    log = (out / READ_ERRORS).read_text(encoding="utf-8")
    assert "Отдел В/перечень.xlsb" in log and "SIGABRT" in log and "memory allocation" in log
    assert (out / verdicts["Отдел Б"].returned_copy).is_file()


@pytest.mark.skipif(not FORK, reason="the stand-in reaches the helper process only when it is forked")
def test_a_copy_that_aborts_comes_back_as_the_remarks_sheet(tmp_path, profile, monkeypatch):
    import consolidator.outputs.returned as annotate

    inbox, out = tmp_path / "in", tmp_path / "out"
    make_form(inbox / "Отдел" / "перечень.xlsx", profile, [{**ROW, "group": ""}])
    monkeypatch.setattr(annotate, "_patched", lambda *args: os.abort())
    batch = pipeline.run(Settings(profile, inbox, out, RUN_DATE))
    f = batch.files[0]
    assert f.verdict == "returned" and "SIGABRT" in f.detail
    wb = openpyxl.load_workbook(out / f.returned_copy)
    assert wb.sheetnames == ["Замечания"]
    assert any("только список замечаний" in str(c.value) for c in wb["Замечания"]["A"] if c.value)


_ORPHANS = """
import os, sys, time
from consolidator.speed.pool import Started
from consolidator.speed.side import EarlyProcess
if sys.argv[1] == "watchdog":  # the kernel's watch off: the watchdog thread alone
    import consolidator.speed.child as child
    child.PR_SET_PDEATHSIG = 0
side = EarlyProcess()
side.submit("time:sleep", 60)
pool = Started(time.sleep, [60] * 50, None, jobs=2)  # a pool of two workers
time.sleep(0.5)
pids = [w.proc.pid for w in pool._workers] + list(side._pool._processes)
print(" ".join(map(str, pids)), flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not LINUX, reason="reads /proc")
@pytest.mark.parametrize("how", ["kernel", "watchdog"])
def test_helpers_end_with_the_process_that_started_them(how):
    proc = subprocess.Popen([sys.executable, "-c", _ORPHANS, how], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    pids = [int(p) for p in proc.stdout.readline().split()]
    assert len(pids) == 3 and all(_alive(p) for p in pids)
    proc.kill()  # killed alone, as a task manager does
    proc.wait()
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in pids)


def test_what_a_worker_prints_on_stderr_is_its_items_note(capfd):
    from consolidator.speed.pool import Started

    pool = Started(_noisy, [1, 2, 3], None, jobs=1)
    assert list(pool.results()) == [1, 2, 3]
    assert pool.notes == {1: "thread '<unnamed>' panicked at src/xls.rs: 2"}
    assert "panicked" not in capfd.readouterr().err


def _noisy(n: int) -> int:
    if n == 2:
        os.write(2, b"thread '<unnamed>' panicked at src/xls.rs: 2\n")
    return n


@pytest.mark.skipif(not LINUX, reason="the address-space limit is Linux's")
def test_a_helper_cannot_hold_more_memory_than_allowed():
    from consolidator.speed.pool import Started

    pool = Started(_allocate, [10, 400], None, jobs=1, memory_mb=200)
    assert list(pool.results()) == ["ok", "MemoryError"]


def _allocate(mb: int) -> str:
    try:
        bytearray(mb * 1024 * 1024)
    except MemoryError:
        return "MemoryError"
    return "ok"


# --- memory bounded by what a sheet holds -------------------------------------------------------

def test_a_far_value_is_refused_before_it_is_read(tmp_path, profile):
    """One value in IV65536 of a 41 KB .xls took 1.2 GB; in XFD1048576 of an .xlsb, 550 GB and an
    abort. Both are refused from the records alone, naming the cell."""
    xls = ob.form_cells(profile, ROWS)
    xls[(65535, 255)] = "x"
    far_xlsx = patch_zip(_form(tmp_path, profile), {"xl/worksheets/sheet1.xml": lambda x: x.replace(
        b"</sheetData>", b'<row r="60000"><c r="Z60000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')})
    for name, data, cell in [("a.xls", ob.xls(xls), "IV65536"), ("b.xlsb", _far_xlsb(profile), "XFD1048576"),
                             ("c.xlsx", far_xlsx, "Z60000")]:
        (tmp_path / name).write_bytes(data)
        with pytest.raises(UnreadableError, match=f"далеко за пределами таблицы.*{cell}"):
            inspect(tmp_path / name)


# --- readable workbooks are read --------------------------------------------------------------

def _read(tmp: Path, name: str, data: bytes, profile):
    path = tmp / name
    path.write_bytes(data)
    table = read_table(path, profile)
    assert table is not None and [r for r, _ in table.rows] == [FIRST_DATA_ROW, FIRST_DATA_ROW + 1], name
    return table


def test_xlsb_chart_and_macro_sheets_are_not_tables(tmp_path, profile):
    chart = ob.brt(0x0081) + ob.brt(0x0082)  # a chart sheet has no cells (calamine: «failed to fill whole buffer»)
    macro = ob.xlsb_sheet({(0, 0): "=RETURN()"})  # calamine refuses the whole workbook for one
    data = ob.xlsb([("Диаграмма", "chartsheets", chart), ("Лист1", "worksheets", ob.xlsb_sheet(ob.form_cells(profile, ROWS))),
                    ("Макрос1", "macrosheets", macro)])
    table = _read(tmp_path, "перечень.xlsb", data, profile)
    assert table.sheet == "Лист1"


MACRO_SHEET = ('<?xml version="1.0" encoding="UTF-8"?><xm:macrosheet xmlns="http://schemas.openxmlformats.org/'
               'spreadsheetml/2006/main" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData>'
               '<row r="1"><c r="A1" t="str"><f>RETURN()</f><v></v></c></row></sheetData></xm:macrosheet>')


def _with_macro_sheet(data: bytes) -> bytes:
    """An Excel 4.0 macro sheet added, as an .xlsm holding XLM macros has one."""
    return patch_zip(data, {
        "xl/workbook.xml": lambda x: x.replace(b"</sheets>", b'<sheet xmlns:r="http://schemas.openxmlformats.org/'
                                               b'officeDocument/2006/relationships" name="Macro1" sheetId="9" '
                                               b'r:id="rId99"/></sheets>'),
        "xl/_rels/workbook.xml.rels": lambda x: x.replace(b"</Relationships>", (
            f'<Relationship Id="rId99" Type="{ob.SHEET_RELS["macrosheets"]}" Target="macrosheets/sheet9.xml"/>'
            '</Relationships>').encode()),
    }, add={"xl/macrosheets/sheet9.xml": MACRO_SHEET})


def test_xlsm_with_an_excel4_macro_sheet_is_read_and_returned_whole(tmp_path, profile):
    data = _with_macro_sheet(_form(tmp_path, profile, [ROW, {**ROWS[1], "group": ""}]))
    inbox, out = tmp_path / "in", tmp_path / "out"
    (inbox / "Отдел").mkdir(parents=True)
    (inbox / "Отдел" / "перечень.xlsm").write_bytes(data)
    batch = pipeline.run(Settings(profile, inbox, out, RUN_DATE))
    f = batch.files[0]
    assert f.verdict == "returned" and f.rows == 2, f.reason
    with zipfile.ZipFile(out / f.returned_copy) as copy:  # the author's macro sheet stays in the copy
        assert copy.read("xl/macrosheets/sheet9.xml").decode() == MACRO_SHEET
        assert b'name="Macro1"' in copy.read("xl/workbook.xml")


def _renamed(data: bytes, rename) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info)
            if info.filename.endswith((".rels", "[Content_Types].xml")):
                body = rename.targets(body)
            zout.writestr(rename(info.filename), body)
    return out.getvalue()


class _Upper:
    """The workbook's parts named in capitals with «\\» in the zip, while the relationships name them
    in lower case with «/» (ExcelDataReader's Test_git_issue_301_IgnoreCase and _385_backslash)."""

    def __call__(self, name: str) -> str:
        return name.upper().replace("/", "\\") if name.startswith("xl/") else name

    def targets(self, body: bytes) -> bytes:
        return body


class _Folder:
    """The workbook's parts in another folder, named only by the relationships (SheetJS wtf_path.xlsx)."""

    def __call__(self, name: str) -> str:
        return "wtf/" + name[3:] if name.startswith("xl/") else name

    def targets(self, body: bytes) -> bytes:
        return body.replace(b'"xl/', b'"wtf/').replace(b'"/xl/', b'"/wtf/')


@pytest.mark.parametrize("rename", [_Upper(), _Folder()], ids=["case-and-backslash", "other-folder"])
def test_xlsx_whose_parts_are_named_otherwise_is_read(tmp_path, profile, rename):
    _read(tmp_path, "перечень.xlsx", _renamed(_form(tmp_path, profile), rename), profile)


def test_an_office_document_that_is_no_workbook_is_named_once(tmp_path, profile):
    data = patch_zip(_form(tmp_path, profile), {"_rels/.rels": lambda x: x.replace(b"xl/workbook.xml", b"xl/styles.xml")})
    (tmp_path / "a.xlsx").write_bytes(data)
    with pytest.raises(UnreadableError) as caught:
        inspect(tmp_path / "a.xlsx")
    assert str(caught.value).count("а не книга Excel") == 1, str(caught.value)


BASIC = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD '
         'OfficeDocument 1.0//EN" "module.dtd">\n<script:module xmlns:script="http://openoffice.org/2000/script" '
         'script:name="Module1" script:language="StarBasic">Sub Main\nEnd Sub</script:module>')


def test_ods_from_other_programs_are_read(tmp_path, profile):
    good = ODS_SAMPLE.read_bytes()
    table = read_table(ODS_SAMPLE, profile)
    rows = [r for r, _ in table.rows]
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        names = [n for n in z.namelist() if n != "mimetype"]
        google = io.BytesIO()
        with zipfile.ZipFile(google, "w", zipfile.ZIP_DEFLATED) as out:  # Google Docs writes no mimetype
            for n in names:
                out.writestr(n, z.read(n))
    cases = {
        "basic.ods": patch_zip(good, {}, add={"Basic/Standard/Module1.xml": BASIC}),  # LibreOffice Basic macros
        "google.ods": google.getvalue(),
        "koffice.ods": patch_zip(good, {"content.xml": lambda x: re.sub(  # KOffice indents content.xml
            rb"(<table:table-row|<table:table-cell|<table:covered-table-cell|</table:table-row>|</table:table-cell>)",
            rb"\n    \1", x)}),
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        got = read_table(tmp_path / name, profile)
        assert got is not None and [r for r, _ in got.rows] == rows and got.rows == table.rows, name


def test_empty_formatted_rows_down_to_the_last_row_are_no_content(tmp_path, profile):
    """LibreOffice writes the rows of a formatted column down to row 1 048 576, empty: not «cells far
    beyond the table» (Apache POI's 60384.xlsx)."""
    tail = b"".join(b'<row r="%d" customFormat="1" s="1"><c r="AH%d" s="1"/></row>' % (r, r)
                    for r in range(1_048_564, 1_048_577))
    data = patch_zip(_form(tmp_path, profile), {"xl/worksheets/sheet1.xml": lambda x: x.replace(
        b"</sheetData>", tail + b"</sheetData>")})
    _read(tmp_path, "перечень.xlsx", data, profile)


# --- right reasons, and nothing on stderr ------------------------------------------------------

def test_reasons_are_plain_russian_and_the_detail_goes_to_the_log(tmp_path, profile):
    inbox, out = tmp_path / "in", tmp_path / "out"
    make_form(inbox / "Отдел А" / "перечень.xlsx", profile, ROWS)
    files = {
        "Отдел Б/xor.xls": ob.xls(ob.form_cells(profile, ROWS), filepass=True),
        "Отдел В/excel2.xls": ob.biff2({(0, 0): 1.0, (1, 0): 2.0}),
        "Отдел Г/panic.xls": ob.xls(ob.form_cells(profile, ROWS), broken_strings=True),
    }
    for rel, data in files.items():
        (inbox / rel).parent.mkdir(parents=True)
        (inbox / rel).write_bytes(data)
    done = subprocess.run([sys.executable, "-m", "consolidator", "run", str(inbox), "--out", str(out), "--profile",
                           "udmurt", "--date", "2024-07-16"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1, done.stderr
    assert not re.search(r"panicked|stack backtrace|Traceback|Error", done.stderr), done.stderr
    report = {f["path"].split("/")[0]: f for f in json.loads((out / "report.json").read_text(encoding="utf-8"))["files"]}
    assert report["Отдел Б"]["reason"] == PASSWORD_REASON
    assert "файл старой версии Excel (Excel 2.x)" in report["Отдел В"]["reason"]
    assert "сохраните как .xlsx" in report["Отдел В"]["reason"]
    assert "сохраните его в формате .xlsx" in report["Отдел Г"]["reason"]
    for f in report.values():
        assert not ENGLISH.search(f["reason"] or ""), f["reason"]
    _outputs(out)
    log = (out / READ_ERRORS).read_text(encoding="utf-8")
    assert "Отдел Г/panic.xls" in log and "index out of bounds" in log and "panicked at" in log


# --- returned copies with many merges ---------------------------------------------------------

def test_many_merges_are_added_in_linear_time_and_stay_valid(tmp_path):
    from consolidator.outputs.returned_openpyxl import add_merges

    wb = openpyxl.Workbook()
    ws = wb.active
    merges = [((r, 0), (r, 1)) for r in range(20_000)]  # 20 000 merges took openpyxl's merge_cells 70 s
    merges += [((5, 1), (6, 2)), ((7, 0), (7, 1)), ((3, 3), (2, 3))]  # overlapping, a duplicate, upside down
    started = time.perf_counter()
    add_merges(ws, merges, rows=20_000, cols=3)
    assert time.perf_counter() - started < 2
    wb.save(tmp_path / "m.xlsx")
    with zipfile.ZipFile(tmp_path / "m.xlsx") as z:
        refs = re.findall(rb'<mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"', z.read("xl/worksheets/sheet1.xml"))
    assert len(refs) == 20_000 and len({r[1] for r in refs}) == 20_000  # one per row: none overlaps
    assert all(a == b"A" and c == b"B" and b == d for a, b, c, d in refs)
