"""Every rule of every survey profile fires on its failing example, at the expected cells, and stays
silent on its passing example (rules/examples/<profile>.yaml); the sources are matched against an
approved list (--list) both ways."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
import yaml

from consolidator.profile import available_profiles, load_profile, rules_dir
from consolidator.profile.survey import Period
from consolidator.survey import SurveySettings, check, compare_sources, read_approved_list
from tests.survey_workbooks import answer_cell, make_answers

SURVEYS = available_profiles("survey")
EXAMPLES = {name: yaml.safe_load((rules_dir() / "examples" / f"{name}.yaml").read_text(encoding="utf-8"))
            for name in SURVEYS}
CASES = [(name, code, kind) for name, ex in EXAMPLES.items() for code in ex["examples"] for kind in ("fail", "pass")]


def checked(tmp_path: Path, name: str, example: dict):
    profile = load_profile(name)
    ex = EXAMPLES[name]
    rows = []
    for i, row in enumerate(example["rows"]):
        # Rows that do not give a date are a minute apart: no two are repeats of each other.
        rows.append({**ex["base"], "when": f"15.02.2025 10:{30 + i:02d}", **row})
    drop = tuple(example.get("drop_columns", ()))
    make_answers(tmp_path / "ответы" / "Отдел" / "ответы.xlsx", profile, rows, drop, tuple(example.get("hidden_rows", ())))
    settings = SurveySettings(profile, tmp_path / "ответы", tmp_path / "out", date(2025, 7, 7), Period.parse(ex["period"]))
    return profile, check(settings), drop


@pytest.mark.parametrize("name,code,kind", CASES, ids=[f"{p}:{c}:{k}" for p, c, k in CASES])
def test_rule_example(tmp_path, name, code, kind):
    example = EXAMPLES[name]["examples"][code][kind]
    profile, result, drop = checked(tmp_path, name, example)
    f = result.batch.files[0]
    if kind == "pass":
        assert f.remarks == [], [r.message for r in f.remarks]
        assert f.verdict == "accepted" and result.counted[0] == len(example["rows"])
        return
    fired = [r for r in f.remarks if r.code == code]
    expect = example["expect"]
    if isinstance(expect, dict) and expect.get("file"):
        assert len(fired) == 1 and fired[0].cell is None
    else:
        assert sorted(r.cell for r in fired) == sorted(answer_cell(profile, row, key, drop) for row, key in expect)
        assert all(r.cell in r.message for r in fired)
    rule = profile.rule(code)
    assert all(r.clause == rule.clause and r.severity == rule.severity for r in fired)
    assert f.verdict == ("returned" if rule.severity == "error" else "accepted")


@pytest.mark.parametrize("name", SURVEYS)
def test_every_survey_rule_is_complete(name):
    profile = load_profile(name)
    examples = EXAMPLES[name]["examples"]
    for rule in profile.rules:
        assert rule.clause.strip() and rule.message.strip() and rule.summary.strip(), rule.code
        assert set(examples.get(rule.code, {})) == {"fail", "pass"}, f"{rule.code} lacks examples"
    assert set(examples) <= {r.code for r in profile.rules}
    spec = profile.survey.approved_list
    assert spec is None or (spec.code and spec.clause and spec.message)


def test_codes_are_unique_across_list_and_survey_profiles():
    codes = [r.code for name in available_profiles(None) for r in load_profile(name).rules]
    codes += [load_profile(n).survey.approved_list.code for n in SURVEYS if load_profile(n).survey.approved_list]
    assert len(codes) == len(set(codes))


def _approved_list(path: Path, points: list[str]) -> Path:
    """A list in the Novosibirsk form (п. 2.2 of the ministries' procedures) with these points."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["ПЕРЕЧЕНЬ точек взаимодействия"])
    ws.append(["Номер группы процессов", "Направление деятельности министерства", "Наименование конкретного процесса",
               "Точка взаимодействия", "Осуществляемое взаимодействие с клиентом", "Особенности взаимодействия с клиентом"])
    for point in points:
        ws.append(["3", "Обеспечение доступа к информации о деятельности министерства", "Размещение информации",
                   point, "Размещение новостей", "Взаимодействие в цифровой точке"])
    wb.save(path)
    return path


@pytest.mark.parametrize("kind", ["fail", "pass"])
def test_sources_against_the_approved_list(tmp_path, kind):
    profile = load_profile("nso-econ")
    points = ["Официальный сайт министерства (econom.nso.ru)", "Телеграм-канал министерства",
              "Официальная страница министерства в социальной сети «ВКонтакте»", "Личный прием"]
    if kind == "pass":
        points.append("Страница министерства в социальной сети «Одноклассники» (ok.ru)")
    approved = read_approved_list(_approved_list(tmp_path / "перечень.xlsx", points), profile)
    assert approved.points == points
    sources, remarks = compare_sources(profile, approved)
    assert [bool(s["points"]) for s in sources] == [True, True, True, kind == "pass"]
    if kind == "pass":
        assert remarks == []
    else:
        (remark,) = remarks
        spec = profile.survey.approved_list
        assert (remark.code, remark.severity, remark.clause) == (spec.code, spec.severity, spec.clause)
        assert "„Одноклассники“" in remark.message and "(22.4), (23.4)" in remark.message
