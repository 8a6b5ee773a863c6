"""The Sverdlovsk profile (Министерство инвестиций и развития Свердловской области, Порядок of
11.04.2024 № 54): the whole job on its sample inbox through the CLI, checked against the oracle written
by scripts/make_samples_sverdlovsk.py, and unit tests of the check types the profile brought:
items_in_vocabulary, group_requires and group_not_only."""
from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import yaml
import pandas as pd
import pytest
from click.testing import CliRunner
from docx import Document

from consolidator import checks
from consolidator.cli import main
from tests.oracle import assert_matches_oracle, hashes
from consolidator.profile.items import ItemVocabulary, item_values, items, split_items, unknown_items
from consolidator.profile import ProfileError, Rule, load_profile

ROOT = Path(__file__).resolve().parent.parent
INBOX = ROOT / "sample_inputs" / "sverdlovsk"
EXPECTED = json.loads((ROOT / "tests" / "sample_expectations_sverdlovsk.json").read_text(encoding="utf-8"))["files"]
RUN_DATE = "2025-12-26"


_hashes = hashes


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    before = _hashes(INBOX)
    res = CliRunner().invoke(main, ["run", str(INBOX), "--profile", "sverdlovsk", "--out", str(out),
                                    "--date", RUN_DATE])
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return res, report, out, before


# --- end to end ----------------------------------------------------------------------------------

def test_exit_code_and_inbox_untouched(result):
    res, report, _, before = result
    assert res.exit_code == 1, res.output  # the samples hold returned files
    assert report["profile"] == "sverdlovsk" and report["run_date"] == RUN_DATE
    assert _hashes(INBOX) == before


def test_report_matches_the_samples(result):
    _, report, _, _ = result
    assert_matches_oracle(report, EXPECTED, check_sheet=True)
    for f in report["files"]:
        for r in f["remarks"]:
            if r["cell"]:
                assert r["message"].startswith(f"Ячейка {r['cell']}:"), r["message"]


def test_returned_copies_and_no_fix_deadline(result):
    """The Порядок sets no term for fixing remarks, so a returned file gets a copy but no deadline."""
    _, report, out, _ = result
    returned = [f for f in report["files"] if f["verdict"] == "returned"]
    assert returned
    for f in returned:
        assert f["fix_deadline"] is None
        wb = openpyxl.load_workbook(out / f["returned_copy"])
        assert wb.sheetnames[0] == "Замечания"
        for r in f["remarks"]:
            if r["cell"]:
                comment = wb[r["sheet"]][r["cell"]].comment
                assert comment is not None and r["message"] in comment.text


def test_consolidated_list_holds_the_accepted_rows(result):
    _, report, out, _ = result
    accepted = sum(exp["rows"] for exp in EXPECTED.values() if exp["verdict"] == "accepted")
    assert report["consolidated"] == {"path": "Сводный перечень.xlsx", "rows": accepted}
    ws = openpyxl.load_workbook(out / "Сводный перечень.xlsx").worksheets[0]
    profile = load_profile("sverdlovsk")
    headers = [c.value for c in ws[2]]
    assert headers == [c.header for c in profile.columns]
    data = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=3 + accepted)]
    assert [row[0] for row in data] == list(range(1, accepted + 1))
    # Directions in the order of п. 5, kinds in the form's spelling («Цифровая точка» -> «цифровая»).
    order = {d: n for n, d in enumerate(profile.groups)}
    directions = [row[1] for row in data]
    assert all(d in order for d in directions)
    assert [order[d] for d in directions] == sorted(order[d] for d in directions)
    assert {row[6] for row in data} == {"цифровая", "офлайн"}
    points = {row[4] for row in data}
    assert "Помещение бюро пропусков" in points  # from the accepted АХО file
    assert "Личный прием в отделе (каб. 308)" in points  # accepted with a warning
    assert "Телефон отдела сопровождения инвестиционных проектов" not in points  # a returned file
    assert "Личный прием в бухгалтерии" not in points  # a returned file


def test_order_docx_names_the_ministry_and_holds_the_list(result):
    _, report, out, _ = result
    assert report["order"] == {"path": "Проект приказа.docx"}
    doc = Document(str(out / "Проект приказа.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "МИНИСТЕРСТВО ИНВЕСТИЦИЙ И РАЗВИТИЯ" in text and "ПРАВИТЕЛЬСТВО СВЕРДЛОВСКОЙ ОБЛАСТИ" in text
    assert "г. Екатеринбург" in text
    assert "11 апреля 2024\u00a0г. №\u00a054" in text
    assert "в течение 10 рабочих дней со дня его утверждения" in text
    assert "Удмурт" not in text
    # The ministry's own wording of the blank (org.order_heading, org.order_verb on its own line).
    paragraphs = [p.text for p in doc.paragraphs]
    assert "П Р И К А З" in paragraphs and "ПРИКАЗЫВАЮ:" in paragraphs
    assert "п р и к а з ы в а ю" not in text
    # п. 13: approved «по представлению руководителя рабочей группы»; signed by the minister (name left
    # blank), control with the deputy minister of the order of 11.04.2024 № 54 — not the same person.
    preamble = next(t for t in paragraphs if t.startswith("В соответствии с Порядком"))
    assert preamble.endswith("по представлению руководителя рабочей группы по внедрению Стандартов "
                             "клиентоцентричности")
    assert "Министр\t________________" in paragraphs
    assert any(t.endswith("на заместителя Министра инвестиций и развития Свердловской области Е.А. Хлыбову.")
               for t in paragraphs)
    table = doc.tables[-1]
    accepted = sum(exp["rows"] for exp in EXPECTED.values() if exp["verdict"] == "accepted")
    assert len(table.rows) == 2 + accepted  # header, column numbers, rows
    assert table.rows[0].cells[5].text == "Удовлетворяемые потребности клиента"
    cells = {c.text for row in table.rows[2:] for c in row.cells}
    assert "Помещение бюро пропусков" in cells
    assert "Телефон отдела сопровождения инвестиционных проектов" not in cells


# --- the profile ---------------------------------------------------------------------------------

def test_profile_reads_the_seed():
    p = load_profile("sverdlovsk")
    assert len(p.groups) == 7 and len(dict.fromkeys(p.vocabulary("needs").values())) == 9
    assert [c.key for c in p.columns] == ["num", "direction", "function", "process", "point", "needs", "kind"]
    # п. 2: telephone and ПОС are digital points; a paper letter is named (п. 19) but not classified.
    assert p.point_type("Телефон горячей линии").kind == "цифровая"
    assert p.point_type("Платформа обратной связи (ПОС)").kind == "цифровая"
    assert p.point_type("Личный прием граждан").kind == "офлайн"
    assert p.point_type("Письмо на почтовый адрес Министерства").kind is None
    assert p.deadlines["publish"].days == 10 and p.deadlines["monitor"].until == "25.12"
    assert "fix" not in p.deadlines
    assert p.org["procedure_order"] == {"date": "2024-04-11", "number": "54"}


def test_profile_rejects_an_unknown_vocabulary(tmp_path):
    text = (ROOT / "rules" / "sverdlovsk.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("vocabulary: needs\n    allow_refinement", "vocabulary: wishes\n    allow_refinement", 1),
                   encoding="utf-8")
    with pytest.raises(ProfileError, match="wishes"):
        load_profile(bad)


# --- items_in_vocabulary ---------------------------------------------------------------------------

VOC = {"получениеконсультации": "получение консультации", "консультирование": "получение консультации",
       "представлениезаявленияобращениязапросадокументов": "представление заявления, обращения, запроса, документов",
       "представлениезаявления": "представление заявления, обращения, запроса, документов",
       "получениерезультатаответаразъяснения": "получение результата, ответа, разъяснения",
       "получениерезультата": "получение результата, ответа, разъяснения",
       "другиепотребности": "другие потребности"}


@pytest.mark.parametrize("cell,parts", [
    ("получение консультации; представление заявления", ["получение консультации", "представление заявления"]),
    ("1) получение консультации 2) получение результата", ["получение консультации", "получение результата"]),
    ("1.Получение консультации 2.Получение результата", ["Получение консультации", "Получение результата"]),
    ("а) получение консультации; б) получение результата", ["получение консультации", "получение результата"]),
    ("- получение консультации - подача заявки", ["получение консультации", "подача заявки"]),
    ("получение консультации - по телефону", ["получение консультации - по телефону"]),
    ("", []),
    (" ; ", []),
])
def test_split_items(cell, parts):
    assert split_items(cell) == parts


def test_items_matching_with_and_without_refinement():
    strict, loose = ItemVocabulary.of(VOC, False), ItemVocabulary.of(VOC, True)
    cell = "Получение консультации по вопросам отбора; запись на прием"
    assert unknown_items(cell, strict) == ["Получение консультации по вопросам отбора", "запись на прием"]
    assert unknown_items(cell, loose) == ["запись на прием"]
    # Whole words only: «получение консультаций» is not «получение консультации» refined.
    assert unknown_items("получение консультацийх", loose) == ["получение консультацийх"]
    # The longest value wins: «получение результата, ответа, разъяснения» over «получение результата».
    assert item_values("Получение результата, ответа, разъяснения (письмо)", loose) == \
        ["получение результата, ответа, разъяснения"]
    assert item_values("другие потребности: запись на прием", loose) == ["другие потребности"]


def test_a_list_whose_line_breaks_were_lost_is_split_again():
    loose = ItemVocabulary.of(VOC, True)
    # «Получение консультации\nЗапись на прием» as the reader hands it on.
    assert items("Получение консультации Запись на прием Представление заявления", loose) == \
        ["Получение консультации Запись на прием", "Представление заявления"]
    assert unknown_items("Запись на прием Получение консультации", loose) == ["Запись на прием"]
    # Capitalised names inside an item are not a new item.
    assert items("получение консультации по вопросам ЕПГУ", loose) == ["получение консультации по вопросам ЕПГУ"]


def _frame(rows: list[dict], file: int = 0) -> pd.DataFrame:
    keys = ["num", "direction", "function", "process", "point", "needs", "kind"]
    df = pd.DataFrame([{k: r.get(k, "") for k in keys} for r in rows])
    df.insert(0, "row", range(6, 6 + len(rows)))
    df.insert(0, "sheet", "Лист1")
    df.insert(0, "file", [r.get("file", file) for r in rows])
    return df


def _rule(check: str, **params) -> Rule:
    return Rule(code="T", check=check, severity="warning", clause="", message="", summary="", params=params)


def test_items_in_vocabulary_check_and_details():
    profile = load_profile("sverdlovsk")
    rule = _rule("items_in_vocabulary", column="needs", vocabulary="needs", allow_refinement=True)
    df = _frame([{"needs": "получение консультации"}, {"needs": "консультация; запись на прием"},
                 {"needs": ""}, {"needs": "Сбор статистики Получение форм документов"},
                 # A known item refined by whatever follows: an unknown item after a lost line break
                 # passes (the price of accepting «получение консультации по вопросам …»).
                 {"needs": "Получение форм документов Сбор статистики"}])
    check = checks.get("items_in_vocabulary")
    fails = check.fails(df, rule, profile)
    assert list(fails.columns) == ["needs"] and fails["needs"].tolist() == [False, True, False, True, False]
    details = check.remark_fields(df, [1], "needs", rule, profile)[0]
    assert details["unknown"] == "«запись на прием»" and details["count"] == 1
    assert details["allowed"].startswith("1) получение информации") and "9) другие" in details["allowed"]
    details = check.remark_fields(df, [3], "needs", rule, profile)[0]
    assert details["unknown"] == "«Сбор статистики»"
    # A custom separator: commas.
    rule = _rule("items_in_vocabulary", column="needs", vocabulary="needs", split=r"\s*,\s*")
    df = _frame([{"needs": "получение консультации, получение форм документов"}])
    assert not check.fails(df, rule, profile)["needs"].any()


# --- group_requires / group_not_only ----------------------------------------------------------------

def _group_result(check: str, rows: list[dict], **params):
    profile = load_profile("sverdlovsk")
    rule = _rule(check, within=["function", "process"], **params)
    df = _frame(rows)
    fails = checks.get(check).fails(df, rule, profile)
    hit = [i for i in df.index if fails.loc[i, params["column"]]]
    details = checks.get(check).remark_fields(df, hit, params["column"], rule, profile)
    return hit, details


def test_group_requires_marks_the_first_row_of_a_group_without_the_value():
    rows = [
        {"function": "Ф", "process": "А", "kind": "цифровая"},
        {"function": "Ф", "process": "А", "kind": "офлайн"},
        {"function": "Ф", "process": "Б", "kind": "офлайн"},
        {"function": "Ф", "process": "Б", "kind": "Офлайн-точка"},
        {"function": "Ф", "process": "В", "kind": "офлайн"},
        {"function": "Ф", "process": "В", "kind": "дистанционно"},  # unknown: the group is left alone
        {"function": "Ф", "process": "Г", "kind": "офлайн"},
        {"function": "Ф", "process": "Г", "kind": ""},  # empty: left alone
        {"function": "Ф", "process": "", "kind": "офлайн"},  # no process: no group
        {"function": "Ф", "process": "б", "kind": "офлайн", "file": 1},  # same name, another file
    ]
    hit, details = _group_result("group_requires", rows, column="kind", vocabulary="kinds", values=["цифровая"])
    assert hit == [2, 9]
    assert details[0] == {"rows": "8–9", "first_row": 8}
    assert details[1] == {"rows": "15", "first_row": 15}


def test_group_requires_without_vocabulary_compares_values():
    rows = [{"function": "Ф", "process": "А", "kind": "Да"}, {"function": "Ф", "process": "Б", "kind": "нет"},
            {"function": "Ф", "process": "А", "kind": "нет"}]
    hit, details = _group_result("group_requires", rows, column="kind", values=["да"])
    assert hit == [1] and details[0]["rows"] == "7"
    # Rows of a group need not be consecutive.
    rows.append({"function": "Ф", "process": "Б", "kind": "нет"})
    hit, details = _group_result("group_requires", rows, column="kind", values=["да"])
    assert hit == [1] and details[0]["rows"] == "7, 9"


def test_group_not_only():
    final = ["получение результата, ответа, разъяснения", "получение результата рассмотрения обратной связи"]
    rows = [
        {"function": "Ф", "process": "А", "needs": "получение результата"},
        {"function": "Ф", "process": "А", "needs": "Получение ответа на бумажном носителе"},
        {"function": "Ф", "process": "Б", "needs": "получение результата"},
        {"function": "Ф", "process": "Б", "needs": "получение консультации; получение результата"},
        {"function": "Ф", "process": "В", "needs": "получение результата"},
        {"function": "Ф", "process": "В", "needs": "запись на прием"},  # unknown: counts as beyond
        {"function": "Ф", "process": "Г", "needs": "получение результата"},
        {"function": "Ф", "process": "Г", "needs": ""},  # empty: left to the empty-cell rule
    ]
    hit, details = _group_result("group_not_only", rows, column="needs", vocabulary="needs", values=final,
                                 allow_refinement=True)
    assert hit == [0] and details[0]["rows"] == "6–7"
    # Without refinement «получение ответа на бумажном носителе» is not a final-result item: no remark.
    hit, _ = _group_result("group_not_only", rows, column="needs", vocabulary="needs", values=final)
    assert hit == []


def test_a_profile_without_the_new_checks_is_unaffected():
    udmurt = load_profile("udmurt")
    assert not any(r.check in ("items_in_vocabulary", "group_requires", "group_not_only") for r in udmurt.rules)
    with pytest.raises(KeyError):
        udmurt.vocabulary("needs")
    assert all(p.kind is not None for p in udmurt.points)


def test_a_key_point_missing_from_the_whole_list_is_said_on_the_summary(tmp_path):
    # п. 19: the key points of the ministry. A list that lacks some gets a warning about the list as a
    # whole: on «Сводка», in the protocol and in report.json — no file is returned for it.
    from openpyxl import load_workbook

    from tests.workbooks import make_form

    examples = yaml.safe_load((ROOT / "rules" / "examples" / "sverdlovsk.yaml").read_text(encoding="utf-8"))
    make_form(tmp_path / "in" / "Отдел" / "перечень.xlsx", load_profile("sverdlovsk"), [examples["base"]])
    res = CliRunner().invoke(main, ["run", str(tmp_path / "in"), "--out", str(tmp_path / "out"),
                                    "--date", RUN_DATE])
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    [remark] = report["list_remarks"]
    assert remark["code"] == "SV-KEY-POINTS" and remark["clause"] == "п. 19 Порядка"
    assert "«телефонная связь»" in remark["message"] and "«официальный сайт Министерства»" not in remark["message"]
    summary = load_workbook(tmp_path / "out" / "Сводный перечень.xlsx")["Сводка"]
    texts = [c.value for row in summary.iter_rows(max_col=1) for c in row if c.value]
    assert "Замечания к сводному перечню в целом" in texts
    assert any(isinstance(t, str) and t.startswith("В сводном перечне нет ключевых точек") for t in texts)
    protocol = load_workbook(tmp_path / "out" / "Протокол проверки.xlsx")["Замечания"]
    assert any(r[0].value == "(сводный перечень в целом)" and r[12].value == "SV-KEY-POINTS"
               for r in protocol.iter_rows(min_row=2))
