"""The blank form: read back as the form, passes the check once filled with valid rows, carries
drop-down lists, the instruction and a protected header. Run for every profile in rules/."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner
from openpyxl.utils import get_column_letter, range_boundaries

from consolidator.cli import main
from consolidator.run import check
from consolidator.profile import available_profiles, load_profile, rules_dir
from consolidator.inbox.read import read_table
from consolidator.outputs.template import (FIRST_DATA_ROW, HEADER_ROW, NUMBERING_ROW, SHEET_FORM, SHEET_HELP, SHEET_LISTS,
                                   SUBDIVISION_ROW, vocabulary_columns, write_template)
from consolidator.run import Settings

PROFILES = available_profiles()
SUBDIVISION = "Управление тестирования бланков"


def _examples(name: str) -> dict:
    path = rules_dir() / "examples" / f"{name}.yaml"
    if not path.exists():
        pytest.skip(f"no examples file for profile {name} yet")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _valid_rows(name: str) -> list[dict]:
    """A few valid rows: the largest passing example of the profile laid over its `base` row (a single
    base row repeated could be a duplicate)."""
    ex = _examples(name)
    base = ex["base"]
    best: list[dict] = [{}]
    for cases in ex.get("examples", {}).values():
        passing = cases.get("pass") or {}
        rows = passing.get("rows")
        # Only plain examples: the form as is, no dropped columns or other special layout.
        if rows and set(passing) <= {"rows", "other_profile_check"} and len(rows) > len(best):
            best = rows
    return [{**base, **row} for row in best]


def _fill(path: Path, profile, rows: list[dict]) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET_FORM]
    for i, row in enumerate(rows):
        for c, key in enumerate(profile.keys, 1):
            value = row.get(key, i + 1 if key == profile.number_column else None)
            cell = ws.cell(FIRST_DATA_ROW + i, c)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # keep "=..." text as text
    wb.save(path)


@pytest.mark.parametrize("name", PROFILES)
def test_filled_template_is_accepted(tmp_path, name):
    profile = load_profile(name)
    rows = _valid_rows(name)
    path = write_template(profile, tmp_path / "inbox" / "бланк.xlsx", subdivision=SUBDIVISION)
    _fill(path, profile, rows)
    batch = check(Settings(profile, tmp_path / "inbox", tmp_path / "out", date(2024, 7, 16)))
    [f] = batch.files
    assert f.remarks == [], [r.message for r in f.remarks]
    assert f.verdict == "accepted"
    assert f.rows == len(rows) and f.sheet == SHEET_FORM
    assert f.subdivision == SUBDIVISION


@pytest.mark.parametrize("name", PROFILES)
def test_untouched_template_reads_as_empty_form(tmp_path, name):
    profile = load_profile(name)
    path = write_template(profile, tmp_path / "бланк.xlsx")
    table = read_table(path, profile)
    assert table is not None and table.sheet == SHEET_FORM
    assert table.header_row == HEADER_ROW
    assert table.missing == [] and set(table.columns) == set(profile.keys)
    assert table.rows == []
    assert table.subdivision is None  # the blank line to fill in is not a name

    named = write_template(profile, tmp_path / "named.xlsx", subdivision=SUBDIVISION, rows=5)
    assert read_table(named, profile).subdivision == SUBDIVISION


@pytest.mark.parametrize("name", PROFILES)
def test_untouched_template_is_only_an_empty_table(tmp_path, name):
    profile = load_profile(name)
    write_template(profile, tmp_path / "inbox" / "бланк.xlsx")
    [f] = check(Settings(profile, tmp_path / "inbox", tmp_path / "out", date(2024, 7, 16))).files
    assert f.rows == 0
    # Only file-level remarks (an empty table), never one about an empty styled row.
    assert all(r.cell is None for r in f.remarks)
    if any(r.check == "table_not_empty" for r in profile.rules):
        assert {r.code for r in f.remarks} == {r.code for r in profile.rules if r.check == "table_not_empty"}


@pytest.mark.parametrize("name", PROFILES)
def test_layout_and_header(tmp_path, name):
    profile = load_profile(name)
    wb = openpyxl.load_workbook(write_template(profile, tmp_path / "t.xlsx", rows=7))
    assert wb.sheetnames[0] == SHEET_FORM and wb.active.title == SHEET_FORM
    ws = wb[SHEET_FORM]
    assert ws.cell(1, 1).value.split() == profile.form_title.split()
    assert ws.cell(SUBDIVISION_ROW, 1).value.rstrip(":").lower() == (
        profile.subdivision_labels[0].lower() if profile.subdivision_labels else "структурное подразделение")
    for c, col in enumerate(profile.columns, 1):
        assert ws.cell(HEADER_ROW, c).value == col.header
        assert ws.cell(NUMBERING_ROW, c).value == c
        assert ws.column_dimensions[get_column_letter(c)].width == col.width
        assert ws.cell(FIRST_DATA_ROW + 6, c).border.bottom.style == "thin"
        assert ws.cell(FIRST_DATA_ROW + 6, c).alignment.wrap_text
    assert ws.freeze_panes == f"A{FIRST_DATA_ROW}"
    assert ws.print_title_rows == f"${HEADER_ROW}:${NUMBERING_ROW}"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    notes = [ws.cell(r, 1).value for r in range(FIRST_DATA_ROW + 7, ws.max_row + 1)]
    assert [n for n in notes if n] == list(profile.footnotes)


@pytest.mark.parametrize("name", PROFILES)
def test_header_locked_data_unlocked(tmp_path, name):
    profile = load_profile(name)
    ws = openpyxl.load_workbook(write_template(profile, tmp_path / "t.xlsx", rows=10))[SHEET_FORM]
    p = ws.protection
    assert p.sheet and not p.password
    # False means allowed: users add, delete, format and sort rows under protection.
    assert not (p.insertRows or p.deleteRows or p.formatCells or p.formatRows or p.sort or p.autoFilter)
    n = len(profile.columns)
    for c in range(1, n + 1):
        assert ws.cell(HEADER_ROW, c).protection.locked
        assert ws.cell(NUMBERING_ROW, c).protection.locked
        for r in range(FIRST_DATA_ROW, FIRST_DATA_ROW + 10):
            assert not ws.cell(r, c).protection.locked, ws.cell(r, c).coordinate
    assert ws.cell(1, 1).protection.locked
    # The subdivision's name is filled in by the subdivision.
    name_cell = next(ws.cell(SUBDIVISION_ROW, c) for c in range(2, n + 1)
                     if not ws.cell(SUBDIVISION_ROW, c).protection.locked)
    assert name_cell.column > 1


@pytest.mark.parametrize("name", PROFILES)
def test_drop_down_lists(tmp_path, name):
    profile = load_profile(name)
    rows = 12
    wb = openpyxl.load_workbook(write_template(profile, tmp_path / "t.xlsx", rows=rows))
    ws, lists = wb[SHEET_FORM], wb[SHEET_LISTS]
    assert lists.sheet_state == "hidden"
    expected = vocabulary_columns(profile)
    if any(r.check == "in_vocabulary" for r in profile.rules):
        assert expected
    validations = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert len(validations) == len(expected)
    for key, rule, values in expected:
        letter = get_column_letter(profile.keys.index(key) + 1)
        dv = next(dv for dv in validations if str(dv.sqref).startswith(letter))
        assert str(dv.sqref) == f"{letter}{FIRST_DATA_ROW}:{letter}{FIRST_DATA_ROW + rows - 1}"
        # Only a whole-cell vocabulary warns about other values; other checks get the list as a help.
        assert bool(dv.showErrorMessage) == (rule.check == "in_vocabulary")
        assert dv.error and dv.errorTitle and dv.prompt and dv.showInputMessage
        assert dv.errorStyle in ("warning", "information")
        assert len(dv.error) <= 255 and len(dv.prompt) <= 255 and len(dv.promptTitle) <= 32
        sheet, ref = dv.formula1.rsplit("!", 1)
        assert sheet.strip("'") == SHEET_LISTS
        min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
        listed = [lists.cell(r, min_col).value for r in range(min_row, max_row + 1)]
        assert listed == list(values)
        assert set(values) == set(profile.vocabulary(rule.params["vocabulary"]).values())


def test_udmurt_lists_on_group_and_kind(tmp_path, udmurt):
    ws = openpyxl.load_workbook(write_template(udmurt, tmp_path / "t.xlsx", rows=3))[SHEET_FORM]
    lists = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert set(lists) == {f"B{FIRST_DATA_ROW}:B{FIRST_DATA_ROW + 2}", f"F{FIRST_DATA_ROW}:F{FIRST_DATA_ROW + 2}"}
    assert all(dv.errorStyle == "warning" and dv.formula1.startswith(f"'{SHEET_LISTS}'!") for dv in lists.values())
    whole = [dv for dv in ws.data_validations.dataValidation if dv.type == "whole"]
    assert [str(dv.sqref) for dv in whole] == [f"A{FIRST_DATA_ROW}:A{FIRST_DATA_ROW + 2}"]


@pytest.mark.parametrize("name", PROFILES)
def test_instruction_lists_every_rule_and_deadline(tmp_path, name):
    profile = load_profile(name)
    ws = openpyxl.load_workbook(write_template(profile, tmp_path / "t.xlsx"))[SHEET_HELP]
    cells = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    text = "\n".join(cells)
    for rule in profile.rules:
        assert rule.code in cells, rule.code
        assert rule.summary in cells and rule.clause in cells
    for d in profile.deadlines.values():
        assert d.clause in text and d.text.lower() in text.lower()


def test_cli_writes_template(tmp_path):
    out = tmp_path / "бланк.xlsx"
    res = CliRunner().invoke(main, ["template", "--profile", "udmurt", "--subdivision", SUBDIVISION,
                                    "--rows", "20", str(out)])
    assert res.exit_code == 0, res.output
    assert out.is_file() and "Бланк формы записан" in res.output
    profile = load_profile("udmurt")
    assert read_table(out, profile).subdivision == SUBDIVISION


def test_cli_rejects_bad_arguments(tmp_path):
    res = CliRunner().invoke(main, ["template", str(tmp_path / "бланк.xls")])
    assert res.exit_code == 2 and ".xlsx" in res.output
    res = CliRunner().invoke(main, ["template", "--profile", "nowhere", str(tmp_path / "бланк.xlsx")])
    assert res.exit_code == 2
    assert not (tmp_path / "бланк.xlsx").exists()
