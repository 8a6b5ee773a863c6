"""The main job on the bundled sample inbox, through the CLI, checked against the samples' oracle
(tests/sample_expectations.json, written by scripts/make_samples.py beside the workbooks)."""
from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from consolidator.cli import main
from tests.oracle import assert_matches_oracle, hashes

ROOT = Path(__file__).resolve().parent.parent
INBOX = ROOT / "sample_inputs" / "udmurt"
EXPECTED = json.loads((ROOT / "tests" / "sample_expectations.json").read_text(encoding="utf-8"))["files"]


_hashes = hashes


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    before = _hashes(INBOX)
    res = CliRunner().invoke(main, ["run", str(INBOX), "--out", str(out), "--date", "2024-07-16"])
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return res, report, out, before


def test_exit_code_and_summary(result):
    res, report, _, _ = result
    assert res.exit_code == 1, res.output  # the samples hold returned files
    verdicts = [f["verdict"] for f in report["files"]]
    counts = (f"принят — {verdicts.count('accepted')}, возвращен на доработку — {verdicts.count('returned')}, "
              f"пропущен — {verdicts.count('skipped')}")
    assert f"Файлов: {counts}." in res.output
    for f in report["files"]:
        # The table wraps a long name over the lines of its row: every word is there.
        assert all(word in res.output for word in f["subdivision"].replace("-", " ").split())


def test_inbox_untouched(result):
    *_, before = result
    assert _hashes(INBOX) == before


def test_report_matches_the_samples(result):
    _, report, _, _ = result
    assert_matches_oracle(report, EXPECTED)


def test_report_contract(result):
    _, report, out, _ = result
    assert report["profile"] == "udmurt" and report["run_date"] == "2024-07-16"
    keys = {"path", "subdivision", "verdict", "reason", "sheet", "rows", "remarks", "returned_copy", "fix_deadline"}
    assert {s["name"] for s in report["subdivisions"]} == {f["subdivision"] for f in report["files"]
                                                          if f["verdict"] != "skipped"}
    for f in report["files"]:
        assert set(f) == keys
        if f["verdict"] == "returned":
            assert f["fix_deadline"] == "2024-07-23"
            assert (out / f["returned_copy"]).is_file()
            assert f["returned_copy"].startswith("на доработку/")
        else:
            assert f["returned_copy"] is None and f["fix_deadline"] is None
    assert report["consolidated"]["path"] == "Сводный перечень.xlsx"
    assert report["order"] == {"path": "Проект приказа.docx"}
    assert (out / "Протокол проверки.xlsx").is_file()


def test_returned_copies_carry_every_remark(result):
    _, report, out, _ = result
    for f in report["files"]:
        if f["verdict"] != "returned":
            continue
        wb = openpyxl.load_workbook(out / f["returned_copy"])
        assert wb.sheetnames[0] == "Замечания"
        for r in f["remarks"]:
            if r["cell"]:
                comment = wb[r["sheet"]][r["cell"]].comment
                assert comment is not None and r["message"] in comment.text, (f["path"], r["cell"])
        listed = [row[2].value for row in wb["Замечания"].iter_rows() if isinstance(row[0].value, int)]
        assert listed == [r["cell"] or "весь файл" for r in f["remarks"]]


def test_every_row_is_consolidated_or_under_a_remark(result):
    _, report, _, _ = result
    accepted = sum(f["rows"] for f in report["files"] if f["verdict"] == "accepted")
    assert report["consolidated"]["rows"] == accepted
    for f in report["files"]:
        if f["verdict"] == "returned":
            assert any(r["severity"] == "error" for r in f["remarks"])


def test_consolidated_text_has_no_latin_lookalikes_in_russian_words(result):
    """The samples hold «Oнлайн-точка» and «реaбилитации» with Latin letters in an accepted file: the
    author is warned, and the consolidated list reads them in Russian letters."""
    from consolidator.profile.text import mixed_script_words

    _, report, out, _ = result
    assert any(r["code"] == "UD-LATIN" for f in report["files"] if f["verdict"] == "accepted" for r in f["remarks"])
    wb = openpyxl.load_workbook(out / "Сводный перечень.xlsx")
    values = [c.value for row in wb.worksheets[0].iter_rows() for c in row if isinstance(c.value, str)]
    assert any("реабилитации" in v for v in values)
    assert not [v for v in values if mixed_script_words(v)]
