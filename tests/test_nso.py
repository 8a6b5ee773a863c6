"""The two Novosibirsk profiles: the sample inboxes through the CLI against their oracles
(tests/sample_expectations_nso-*.json, written by scripts/make_samples_nso.py), the consolidated list
and the order draft they produce, and the check types the profiles brought (number_agrees,
mentions_vocabulary, not_placeholder)."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from docx import Document

from consolidator.profile.text import fix_mixed_script
from consolidator import checks
from consolidator.checks.row.number_agrees import number_key as _number_key
from consolidator.cli import main
from tests.oracle import assert_matches_oracle, hashes
from consolidator.profile.kinds import online_mask
from consolidator.outputs.order import APPROVAL_HEADERS, APPROVAL_TITLE
from consolidator.profile import ProfileError, VocabularyItem, load_profile
from consolidator.inbox.read import read_table

ROOT = Path(__file__).resolve().parent.parent
PROFILES = ("nso-minreg", "nso-gsn")
RUN_DATE = "2024-10-14"


def _oracle(name: str) -> dict:
    return json.loads((ROOT / "tests" / f"sample_expectations_{name}.json").read_text(encoding="utf-8"))["files"]


_hashes = hashes


@pytest.fixture(scope="module", params=PROFILES)
def run(request, tmp_path_factory):
    name = request.param
    inbox = ROOT / "sample_inputs" / name
    out = tmp_path_factory.mktemp(name)
    before = _hashes(inbox)
    res = CliRunner().invoke(main, ["run", str(inbox), "--profile", name, "--out", str(out), "--date", RUN_DATE])
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return name, inbox, out, res, report, before


# --- end to end -----------------------------------------------------------------------------------

def test_report_matches_the_oracle(run):
    name, inbox, _, res, report, before = run
    assert res.exit_code == 1, res.output  # the samples hold returned files
    assert report["profile"] == name
    assert _hashes(inbox) == before  # the inbox is only read
    expected = _oracle(name)
    assert_matches_oracle(report, expected)
    files = {f["path"]: f for f in report["files"]}
    prefix = "MINREG-" if name == "nso-minreg" else "GSN-"
    for path, exp in expected.items():
        got = files[path]
        if exp["verdict"] == "skipped":
            continue
        assert all(r["code"].startswith(prefix) for r in got["remarks"])
        if got["verdict"] == "returned":
            # The Порядки set no deadline for fixing remarks: none is invented.
            assert got["fix_deadline"] is None and got["returned_copy"].startswith("на доработку/")


def test_the_oracle_has_every_kind_of_file(run):
    name, *_ = run
    verdicts = Counter(f["verdict"] for f in _oracle(name).values())
    assert verdicts["accepted"] >= 2 and verdicts["returned"] >= 3 and verdicts["skipped"] >= 1
    codes = {c for f in _oracle(name).values() for c, _ in f["remarks"]}
    data = yaml.safe_load((ROOT / "rules" / f"{name}.yaml").read_text(encoding="utf-8"))
    severities = {r["code"]: r["severity"] for r in data["rules"]}
    # The samples show the typical defects: both severities, row- and file-level remarks.
    assert {severities[c] for c in codes} == {"error", "warning"}
    assert any(cell is None for f in _oracle(name).values() for _, cell in f["remarks"])


def _accepted_source_rows(name: str, inbox: Path, report: dict) -> list[tuple]:
    profile = load_profile(name)
    rows = []
    for f in report["files"]:
        if f["verdict"] == "accepted":
            table = read_table(inbox / f["path"], profile)
            # Latin look-alikes inside Russian words are written in Russian letters in the list.
            rows += [tuple(fix_mixed_script(v) for v in values) for _, values in table.rows]
    return rows


def test_consolidated_list_holds_the_accepted_rows(run):
    name, inbox, out, _, report, _ = run
    profile = load_profile(name)
    wb = openpyxl.load_workbook(out / "Сводный перечень.xlsx")
    ws = wb["Сводный перечень"]
    assert [ws.cell(2, i + 1).value for i in range(6)] == [c.header for c in profile.columns]
    body = []
    for r in range(4, ws.max_row + 1):
        values = [ws.cell(r, i + 1).value for i in range(6)]
        if values[1] is None and values[2] is None:
            break
        body.append(tuple("" if v is None else str(v) for v in values))
    expected = _accepted_source_rows(name, inbox, report)
    assert report["consolidated"]["rows"] == len(body) == len(expected) > 0
    assert Counter(body) == Counter(expected)
    # Column 1 is the group's number of the Порядок, kept as checked (not renumbered 1..N) ...
    numbers = {i.value: i.numbers for i in profile.items("groups")}
    assert all(row[0] in numbers[row[1]] for row in body)
    # ... and the rows follow the groups in the Порядок's order.
    order = [profile.groups.index(row[1]) for row in body]
    assert order == sorted(order)
    # The trace sheet numbers the rows of the list 1..N.
    trace = wb["Источник"]
    assert [trace.cell(r, 1).value for r in range(2, len(body) + 2)] == list(range(1, len(body) + 1))


def test_summary_counts_digital_points_by_the_point(run):
    name, _, out, _, _, _ = run
    ws = openpyxl.load_workbook(out / "Сводный перечень.xlsx")["Сводка"]
    # Column 6 is free text: a row that states no kind counts by its point (a site is digital; a
    # telephone, whose kind the Порядок leaves open, and a reception room are not counted as digital).
    counts = re.fullmatch(r"Строк в сводном перечне: (\d+) \(.+: (\d+), .+: (\d+)\)\.", ws["A3"].value)
    assert counts, ws["A3"].value
    assert tuple(map(int, counts.groups())) == {"nso-minreg": (12, 8, 4), "nso-gsn": (10, 6, 4)}[name]


def test_order_draft_of_the_sample(run):
    name, inbox, out, _, report, _ = run
    profile = load_profile(name)
    assert report["order"] == {"path": "Проект приказа.docx"}
    doc = Document(str(out / "Проект приказа.docx"))
    texts = [p.text.replace("\u00a0", " ") for p in doc.paragraphs]
    assert "г. Новосибирск" in texts
    # The approval sheet agrees changes (п. 3.4 Порядка): not in the first approval order.
    assert APPROVAL_TITLE not in texts
    assert not any([c.text for c in t.rows[0].cells] == list(APPROVAL_HEADERS) for t in doc.tables)
    placement = next(t for t in texts if t.startswith("2. "))
    # п. 3.1's 5 working days run from a change of the list: the first approval order does not name them.
    assert "разделе «Документы»" in placement and "не позднее 5 рабочих дней" not in placement
    # The ministry's minister keeps control himself, as in his order approving the Порядок (п. 3).
    control = next(t for t in texts if t.startswith("3. "))
    assert (control == "3. Контроль за исполнением настоящего приказа оставляю за собой.") == (name == "nso-minreg")

    # A portrait order, then the landscape appendix.
    assert [bool(s.orientation) for s in doc.sections] == [False, True]
    # The appendix: the list's rows, as in the consolidated list.
    table = next(t for t in doc.tables if [c.text for c in t.rows[0].cells] == [c.header for c in profile.columns])
    got = [tuple(c.text for c in r.cells) for r in table.rows[2:]]
    assert Counter(got) == Counter(_accepted_source_rows(name, inbox, report))
    assert [c.text for c in table.rows[0].cells] == [c.header for c in profile.columns]


@pytest.mark.parametrize("name", PROFILES)
def test_profile_is_detected_from_the_groups(tmp_path, name):
    # The two forms share a header; the groups tell them apart.
    res = CliRunner().invoke(main, ["run", str(ROOT / "sample_inputs" / name), "--out", str(tmp_path),
                                    "--date", RUN_DATE])
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["profile"] == name, res.output
    # The blanks neither profile can fill are named by the run (the approving order's date and number).
    assert "Внимание: в проекте приказа остались пропуски" in res.output
    assert "дата и номер приказа об утверждении Порядка" in res.output


# --- the check types ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def minreg():
    return load_profile("nso-minreg")


def _frame(rows: list[dict], profile) -> pd.DataFrame:
    df = pd.DataFrame([{k: "" for k in profile.keys} | r for r in rows])
    df.insert(0, "file", 0)
    df.insert(1, "sheet", "Лист1")
    df.insert(2, "row", range(6, 6 + len(df)))
    return df


def _fails(profile, code: str, rows: list[dict]) -> list[bool]:
    rule = profile.rule(code)
    df = _frame(rows, profile)
    return checks.get(rule.check).fails(df, rule, profile)[rule.column].tolist()


def _details(profile, code: str, row: dict) -> dict:
    rule = profile.rule(code)
    df = _frame([row], profile)
    return checks.get(rule.check).remark_fields(df, df.index, rule.column, rule, profile)[0]


@pytest.mark.parametrize("raw,key", [("5 а)", "5а"), ("5a", "5а"), ("5А.", "5а"), ("1.", "1"), ("№ 2", "2"),
                                     ("5.1", "5.1"), (3.0, "3"), ("5-в", "5в"), ("", "")])
def test_number_key(raw, key):
    assert _number_key(raw) == key


def test_number_agrees(minreg):
    g = {i.numbers[0]: i.value for i in minreg.items("groups")}
    rows = [
        {"num": "1", "group": g["1"]},
        {"num": "2", "group": g["1"]},  # the example: 2 under «Предоставление мер ...»
        {"num": "5", "group": g["5а"]},  # direction 5 without its letter
        {"num": "5.1", "group": g["5а"]},
        {"num": "5б", "group": g["5а"]},
        {"num": "", "group": g["1"]},  # empty: MINREG-EMPTY-NUM speaks of it
        {"num": "3", "group": "Кадровая работа"},  # unknown direction: MINREG-GROUP speaks of it
        {"num": "5 в)", "group": "Осуществление административно-хозяйственной деятельности"},  # an alias
        {"num": "1", "group": "информационно-техническое обеспечение"},
    ]
    assert _fails(minreg, "MINREG-GROUP-NUM", rows) == [False, True, False, False, True, False, False, False, True]
    assert _details(minreg, "MINREG-GROUP-NUM", rows[8]) == {"expected": "5а", "item": g["5а"]}


def test_mentions_vocabulary(minreg):
    rows = [{"interaction": t} for t in (
        "Получение консультации по заполнению заявки", "Круглосуточно, без выходных", "",
        "Оценка качества работы", "ПОЛУЧЕНИЕ ИНФОРМАЦИИ О ХОДЕ РАССМОТРЕНИЯ", "Специалист отдела")]
    assert _fails(minreg, "MINREG-NEEDS", rows) == [False, True, False, False, False, True]
    allowed = _details(minreg, "MINREG-NEEDS", rows[1])["allowed"]
    # п. 2.7 with its own numbering: 7 is followed by 9.
    assert "7) предоставление обратной связи; 9) получение результата рассмотрения обратной связи" in allowed
    assert "8)" not in allowed and allowed.startswith("1) получение информации")


def test_mentions_vocabulary_without_keywords(minreg):
    # An item without keywords is found by its value or aliases inside the text.
    from dataclasses import replace

    profile = replace(minreg, vocabulary_items={**minreg.vocabulary_items, "needs": (
        VocabularyItem("Получение консультации"), VocabularyItem("Подача заявления", aliases=("Прием заявления",)))})
    rows = [{"interaction": t} for t in ("Получение  консультации юриста", "прием заявления и документов", "Звонок")]
    assert _fails(profile, "MINREG-NEEDS", rows) == [False, False, True]


def test_not_placeholder(minreg):
    rows = [
        {"kind": "-", "point": "Официальный сайт министерства"},
        {"kind": "Особенностей нет.", "point": "Личный прием граждан в министерстве"},
        {"kind": "НЕТ", "point": "Телефон горячей линии"},
        {"kind": "Нет ограничений по времени обращения", "point": "Телефон горячей линии"},
        {"kind": "Взаимодействие в цифровой точке", "point": "Официальный сайт министерства"},
        {"kind": "", "point": "Официальный сайт министерства"},
    ]
    assert _fails(minreg, "MINREG-FEATURES-STUB", rows) == [True, True, True, False, False, False]
    assert _details(minreg, "MINREG-FEATURES-STUB", rows[0]) == {
        "hint": " Для точки «Официальный сайт министерства» это «Взаимодействие в цифровой точке»."}
    # A telephone's kind is left open by the Порядок: no hint rather than a guess.
    assert _details(minreg, "MINREG-FEATURES-STUB", rows[2]) == {"hint": ""}


def test_kind_agrees_leaves_points_of_open_kind_alone(minreg):
    rows = [{"kind": "Взаимодействие в офлайн точке", "point": "Телефон горячей линии"},
            {"kind": "Взаимодействие в офлайн точке", "point": "Электронная почта министерства"},
            {"kind": "Прием по записи", "point": "Электронная почта министерства"}]
    assert _fails(minreg, "MINREG-KIND-AGREE", rows) == [False, True, False]


def test_online_mask(minreg):
    rows = _frame([
        {"kind": "Взаимодействие в цифровой точке", "point": "Телефон"},  # stated: digital
        {"kind": "Прием по записи", "point": "Официальный сайт"},  # by the point: digital
        {"kind": "Прием по записи", "point": "Личный прием"},  # by the point: offline
        {"kind": "Прием по записи", "point": "Телефон"},  # open kind: not counted as digital
    ], minreg)
    assert online_mask(minreg, rows).tolist() == [True, True, False, False]


def test_item_column_is_a_column(tmp_path):
    rule = load_profile("nso-minreg").rule("MINREG-GROUP-NUM")
    assert "group" in checks.get(rule.check).reads(rule)
    text = (ROOT / "rules" / "nso-minreg.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("    item_column: group\n", "    item_column: direction\n", 1), encoding="utf-8")
    with pytest.raises(ProfileError, match="item_column"):
        load_profile(bad)
    bad.write_text(text.replace('keywords: ["консульт"]', 'keywords: ["консульт("]', 1), encoding="utf-8")
    with pytest.raises(ProfileError, match="keywords"):
        load_profile(bad)


def test_group_vocabularies_are_exact():
    # Profile detection counts cells equal to a group: the lists are those of the Порядки, complete.
    minreg, gsn = load_profile("nso-minreg"), load_profile("nso-gsn")
    assert len(minreg.groups) == 7 and len(gsn.groups) == 7
    assert [n for i in minreg.items("groups") for n in i.numbers[:1]] == ["1", "2", "3", "4", "5а", "5б", "5в"]
    assert [i.numbers for i in gsn.items("groups")] == [(str(n),) for n in range(1, 8)]
    assert set(minreg.groups) & set(gsn.groups) == {"Рассмотрение обращений и запросов"}
    assert [i.numbers[0] for i in minreg.items("needs")] == ["1", "2", "3", "4", "5", "6", "7", "9", "10"]


def test_equal_rows_of_several_subdivisions_are_one_row_of_the_list(tmp_path):
    # п. 2.6: a process done alike by several subdivisions gets its points once; the same process and
    # point with another interaction is each subdivision's own row.
    from datetime import date

    from consolidator.model import ACCEPTED, Batch, FileResult

    profile = load_profile("nso-minreg")
    g = profile.groups[0]
    row = {"sheet": "Лист1", "num": "1", "group": g, "service": "Процесс А", "point": "Официальный сайт",
           "interaction": "Получение информации", "kind": "Взаимодействие в цифровой точке"}
    data = pd.DataFrame([
        {**row, "file": 0, "row": 6},
        {**row, "file": 0, "row": 7, "point": "Электронная почта"},
        {**row, "file": 1, "row": 6, "interaction": "получение  информации"},  # the same, typed otherwise
        {**row, "file": 1, "row": 7, "interaction": "Получение консультации"},  # another interaction
        {**row, "file": 2, "row": 6, "point": "Электронная почта"},
    ])
    files = [FileResult(path=f"{s}/п.xlsx", source=tmp_path / f"{s}.xlsx", subdivision=s, verdict=ACCEPTED)
             for s in ("Отдел А", "Отдел Б", "Отдел В")]
    batch = Batch(profile=profile, run_date=date(2024, 10, 14), inbox=tmp_path, out=tmp_path, files=files, data=data)
    rows = batch.accepted_rows()
    assert len(rows) == 3
    assert [(r["subdivision"], r["point"], r["interaction"]) for _, r in rows.iterrows()] == [
        ("Отдел А", "Официальный сайт", "Получение информации"),
        ("Отдел А", "Электронная почта", "Получение информации"),
        ("Отдел Б", "Официальный сайт", "Получение консультации")]
    assert [[s[0] for s in m] for m in rows["merged"]] == [["Отдел Б"], ["Отдел В"], []]
    # A profile that does not ask for it keeps every subdivision's rows.
    assert len(Batch(profile=load_profile("udmurt"), run_date=date(2024, 10, 14), inbox=tmp_path, out=tmp_path,
                     files=files, data=data.assign(group=load_profile("udmurt").groups[0])).accepted_rows()) == 5
