"""The survey on the bundled sample answers, through the CLI, against the oracle written by
scripts/make_samples_survey.py from what it generated and planted (tests/sample_expectations_nso-econ.json)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from consolidator.cli import main
from tests.oracle import hashes

ROOT = Path(__file__).resolve().parent.parent
INBOX = ROOT / "sample_inputs" / "nso-econ"
LIST = next((ROOT / "sample_inputs" / "nso-econ-list").glob("*.xlsx"))
ORACLE = json.loads((ROOT / "tests" / "sample_expectations_nso-econ.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("survey_out")
    before = hashes(INBOX)
    res = CliRunner().invoke(main, ["survey", "run", str(INBOX), "--out", str(out), "--period", ORACLE["period"],
                                    "--date", ORACLE["date"], "--list", str(LIST)])
    return res, json.loads((out / "report.json").read_text(encoding="utf-8")), before, out


def test_every_file_as_the_oracle_says(result):
    res, report, *_ = result
    assert res.exit_code == 1, res.output  # files with planted errors are returned
    files = {f["path"]: f for f in report["files"]}
    assert set(files) == set(ORACLE["files"])
    for path, want in ORACLE["files"].items():
        got = files[path]
        assert got["verdict"] == want["verdict"], path
        if want["verdict"] == "skipped":
            assert got["reason"]
            continue
        for key in ("subdivision", "sheet", "rows", "counted"):
            assert got[key] == want[key], (path, key)
        assert sorted((r["code"], r["cell"]) for r in got["remarks"]) == sorted(map(tuple, want["remarks"])), path
        assert all(r["cell"] in r["message"] for r in got["remarks"])


def test_the_tally_is_the_generated_one(result):
    _, report, _, out = result
    want = ORACLE["tally"]
    assert report["results"]["answers"] == want["answers"] and report["results"]["counted"] == want["counted"]
    from openpyxl import load_workbook

    ws = load_workbook(out / "Итоги опроса.xlsx")["Итоги"]
    rows = [r for r in ws.iter_rows(values_only=True)]
    satisfied = next(r for r in rows if r[1] == "Скорее удовлетворен")
    assert satisfied[2] == want["satisfied"][0]
    for n in ("1", "2", "3", "4"):
        score_row = next(r for r in rows if r[0] == f"23.{n}")
        assert list(score_row[5:10]) == want["scores"][n]
        use_row = next(r for r in rows if r[0] == f"22.{n}")
        assert [use_row[2], use_row[4], use_row[6]] == want["use"][n]


def test_a_source_missing_from_the_approved_list_is_reported(result):
    res, report, *_ = result
    sources = report["approved_list"]["sources"]
    assert [s["number"] for s in sources if not s["points"]] == ORACLE["list_missing"]
    (remark,) = report["approved_list"]["remarks"]
    assert remark["code"] == "ECON-LIST" and "Внимание:" in res.output


def test_the_answers_folder_is_untouched(result):
    _, _, before, _ = result
    assert hashes(INBOX) == before
