"""The survey job end to end on answers made here: the tally against numbers worked out in the test
itself (counts, shares, Wilson's interval, means and medians by hand), the workbook's tables and native
charts read back with openpyxl, the report for the minister, report.json, exit codes, and that nothing
is lost or run as a formula."""
from __future__ import annotations

import csv
import json
import math
import random
import statistics
from collections import Counter
from datetime import date, datetime

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document

from consolidator.cli import EXIT_USAGE, main
from consolidator.profile import load_profile
from consolidator.profile.survey import Period, parse_moment, whole_number
from consolidator.survey import SurveySettings, check, run_survey
from tests.oracle import hashes
from tests.survey_workbooks import FIRST_DATA_ROW, make_answers

PROFILE = load_profile("nso-econ")
USE = ["Пользуюсь постоянно", "Пользуюсь время от времени", "Вообще не пользуюсь"]
PLACES = ["город Новосибирск", "Бердск", "Карасукский район"]  # «Бердск»: a usual spelling of «город Бердск»
CANONICAL = {"Бердск": "город Бердск"}
HYPERLINK = '=HYPERLINK("http://example.com","нажми")'
Z = 1.959963984540054


def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson's score interval as the textbook writes it (Agresti & Coull 1998, eq. 2)."""
    p = k / n
    centre = p + Z * Z / (2 * n)
    spread = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return (centre - spread) / (1 + Z * Z / n), (centre + spread) / (1 + Z * Z / n)


def test_wilson_by_hand_matches_the_textbook_value():
    low, high = wilson(8, 10)  # the worked example of Wilson's interval: 8 of 10 -> 0.490 to 0.943
    assert round(low, 3) == 0.490 and round(high, 3) == 0.943


def respondents(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        place = rng.choices(PLACES, [16, 1, 3])[0]  # Бердск: fewer than 10 answers
        when = datetime(2025, rng.choice([1, 2, 3]), rng.randint(1, 28), 9, 0) + (datetime(2025, 1, 1, 0, i % 60)
                                                                                  - datetime(2025, 1, 1))
        row = {"ministry": "Министерство экономического развития Новосибирской области", "municipality": place,
               "when": when.strftime("%d.%m.%Y %H:%M"),
               "satisfied": rng.choice(["Скорее удовлетворен", "Скорее не удовлетворен", "1", "2", ""])}
        for s in (1, 2, 3, 4):
            row[f"use_{s}"] = rng.choice(USE + ["1", "3", ""])
            score = rng.choice([1, 2, 3, 4, 5, 5, 4, None])
            row[f"score_{s}"] = score
            row[f"open_{s}"] = f"Не нашел раздел {s}-{i}" if score is not None and score <= 3 else ""
        out.append(row)
    return out


def expected(rows: list[dict]) -> dict:
    """The tally of `rows`, worked out here: plain counting, statistics.fmean and statistics.median."""
    sat = {"1": "Скорее удовлетворен", "2": "Скорее не удовлетворен"}
    answers = [sat.get(r["satisfied"], r["satisfied"]) for r in rows]
    given = [a for a in answers if a]
    out = {"n": len(rows), "satisfied": (given.count("Скорее удовлетворен"), len(given)), "use": {}, "scores": {}}
    for s in (1, 2, 3, 4):
        use = [USE[int(v) - 1] if v.isdigit() else v for v in (r[f"use_{s}"] for r in rows)]
        out["use"][s] = [use.count(u) for u in USE] + [use.count("")]
        scores = [r[f"score_{s}"] for r in rows if r[f"score_{s}"] is not None]
        out["scores"][s] = {"counts": [scores.count(k) for k in range(1, 6)], "mean": statistics.fmean(scores),
                            "median": statistics.median(scores), "low": sum(k <= 3 for k in scores) / len(scores)}
    return out


@pytest.fixture(scope="module")
def survey_run(tmp_path_factory):
    """120 questionnaires over three months: 70 in a workbook, 50 in a CSV export; one more row with an
    error (left out of the tally) and an open answer that looks like a formula."""
    tmp = tmp_path_factory.mktemp("survey")
    rows = respondents(120, seed=16)
    rows[5]["open_1"], rows[5]["score_1"] = HYPERLINK, 2
    bad = {**rows[0], "municipality": "Тестовый район", "when": "02.02.2025 23:59"}
    inbox = tmp / "ответы"
    make_answers(inbox / "Отдел" / "бумажные.xlsx", PROFILE, rows[:70] + [bad])
    export = inbox / "Платформа" / "выгрузка.csv"
    export.parent.mkdir(parents=True)
    with open(export, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow([c.header for c in PROFILE.columns])
        for r in rows[70:]:
            w.writerow(["" if r.get(k) is None else r.get(k) for k in PROFILE.keys])
    before = hashes(inbox)
    settings = SurveySettings.make(inbox, tmp / "out", date(2025, 4, 2), "nso-econ", "2025-01..2025-03")
    result = run_survey(settings)
    return rows, result, tmp / "out", inbox, before


def test_the_tally_is_the_one_worked_out_by_hand(survey_run):
    rows, result, *_ = survey_run
    want, t = expected(rows), result.tally
    assert result.answers == 121 and result.counted_total == 120
    assert (t.overall.satisfied.count, t.overall.satisfied.n) == want["satisfied"]
    low, high = t.overall.satisfied.interval
    assert (low, high) == pytest.approx(wilson(*want["satisfied"]), abs=1e-12)
    for s in (1, 2, 3, 4):
        use = t.overall.use[s]
        assert [use.counts[u] for u in USE] + [use.missing] == want["use"][s]
        scores = t.overall.scores[s]
        assert [scores.counts[k] for k in range(1, 6)] == want["scores"][s]["counts"]
        assert scores.mean == pytest.approx(want["scores"][s]["mean"])
        assert scores.median == want["scores"][s]["median"]
        assert scores.low_share == pytest.approx(want["scores"][s]["low"])


def test_groups_by_municipality_and_month_are_worked_out_by_hand(survey_run):
    rows, result, *_ = survey_run
    t = result.tally
    municipalities = {g.label: g for g in t.by_municipality}
    assert len(municipalities) == 35  # every municipality of the region, those without answers too
    for place in PLACES:
        mine = [r for r in rows if r["municipality"] == place]
        g = municipalities[CANONICAL.get(place, place)]
        want = expected(mine)
        assert g.answers == len(mine) and (g.satisfied.count, g.satisfied.n) == want["satisfied"]
        assert g.reliable == (len(mine) >= 10)
        assert g.scores[1].mean == pytest.approx(want["scores"][1]["mean"])
    assert [g.label for g in t.by_month] == ["2025-01", "2025-02", "2025-03"]
    for g in t.by_month:
        mine = [r for r in rows if r["when"][3:5] == g.label[5:]]
        assert g.answers == len(mine) and (g.satisfied.count, g.satisfied.n) == expected(mine)["satisfied"]
    assert not municipalities["Баганский район"].answers and not municipalities["Баганский район"].reliable


def test_open_answers_are_grouped_by_resource(survey_run):
    rows, result, *_ = survey_run
    for s in (1, 2, 3, 4):
        texts = sorted(a.text for a in result.tally.open_answers[s])
        assert texts == sorted(r[f"open_{s}"] for r in rows if r[f"open_{s}"])
        scores = [a.score for a in result.tally.open_answers[s]]
        assert scores == sorted(scores)  # the lowest scores first


def _ref_values(wb, ref: str) -> list:
    sheet, cells = ref.rsplit("!", 1)
    ws = wb[sheet.strip("'")]
    return [c.value for row in ws[cells.replace("$", "")] for c in (row if isinstance(row, tuple) else (row,))]


def test_the_workbook_holds_the_tally_and_native_charts(survey_run):
    rows, result, out, *_ = survey_run
    wb = openpyxl.load_workbook(out / "Итоги опроса.xlsx")
    assert wb.sheetnames == ["Итоги", "По муниципалитетам", "По месяцам", "Файлы", "Как считалось", "Уточнения"]
    want = expected(rows)
    ws = wb["Итоги"]
    charts = ws._charts
    assert len(charts) == 4
    satisfaction, use, means, scores = charts
    # The share satisfied: one series over the two answers.
    (series,) = satisfaction.series
    assert _ref_values(wb, series.cat.strRef.f) == ["Скорее удовлетворен", "Скорее не удовлетворен"]
    k, n = want["satisfied"]
    assert _ref_values(wb, series.val.numRef.f) == pytest.approx([k / n, (n - k) / n])
    # The use of the sources: a series per answer, a bar per source, 100% stacked.
    assert use.grouping == "percentStacked" and len(use.series) == 3
    for j, series in enumerate(use.series):
        assert series.tx.v == USE[j]
        shares = _ref_values(wb, series.val.numRef.f)
        assert shares == pytest.approx([want["use"][s][j] / sum(want["use"][s][:3]) for s in (1, 2, 3, 4)])
        assert len(_ref_values(wb, series.cat.strRef.f)) == 4
    # The mean score of every resource, and the distribution of the scores.
    (series,) = means.series
    assert _ref_values(wb, series.val.numRef.f) == pytest.approx([want["scores"][s]["mean"] for s in (1, 2, 3, 4)])
    assert len(scores.series) == 5
    for j, series in enumerate(scores.series):
        assert _ref_values(wb, series.val.numRef.f) == [want["scores"][s]["counts"][j] for s in (1, 2, 3, 4)]
    # By municipality: a bar per municipality, the ones with few answers grey.
    (chart,) = wb["По муниципалитетам"]._charts
    (series,) = chart.series
    labels = _ref_values(wb, series.cat.strRef.f)
    assert len(labels) == 35 and labels[0] == "город Новосибирск"
    grey = {p.idx for p in series.dPt}
    assert grey == {i for i, g in enumerate(result.tally.by_municipality) if not g.reliable}
    (chart,) = wb["По месяцам"]._charts
    assert _ref_values(wb, chart.series[0].cat.strRef.f) == ["январь 2025", "февраль 2025", "март 2025"]


def test_small_groups_are_marked_not_hidden(survey_run):
    _, result, out, *_ = survey_run
    ws = openpyxl.load_workbook(out / "Итоги опроса.xlsx")["По муниципалитетам"]
    rows = {}
    for r in ws.iter_rows(values_only=True):  # the first table: the share satisfied
        rows.setdefault(r[0], r)
    berdsk = rows["город Бердск"]
    assert berdsk[1] == result.tally.by_municipality[1].answers and berdsk[1] < 10
    assert berdsk[6] == "мало анкет"  # column G: «Надежность»
    assert rows["Баганский район"][6] == "нет анкет"
    assert rows["город Новосибирск"][6] in ("", None)


def test_text_from_answers_stays_text(survey_run):
    _, result, out, *_ = survey_run
    ws = openpyxl.load_workbook(out / "Итоги опроса.xlsx")["Уточнения"]
    cells = [c for row in ws.iter_rows() for c in row if c.value == HYPERLINK]
    assert cells and all(c.data_type == "s" for c in cells)
    returned = openpyxl.load_workbook(out / "на доработку" / "Отдел" / "бумажные.xlsx")
    assert any(c.value == HYPERLINK and c.data_type == "s" for row in returned["Ответы"].iter_rows() for c in row)


def test_nothing_is_lost_and_the_answers_are_untouched(survey_run):
    _, result, out, inbox, before = survey_run
    assert hashes(inbox) == before
    for i, f in enumerate(result.batch.files):
        error_rows = {r.row for r in f.remarks if r.severity == "error" and r.row}
        assert result.counted[i] + len(error_rows) == f.rows
    paper = result.batch.files[[f.path for f in result.batch.files].index("Отдел/бумажные.xlsx")]
    assert paper.verdict == "returned" and [r.code for r in paper.remarks if r.severity == "error"] == ["ECON-MUNICIPALITY"]
    assert paper.remarks[-1].row == FIRST_DATA_ROW + 70


def test_report_json_follows_the_run_contract(survey_run):
    _, result, out, *_ = survey_run
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["profile"] == "nso-econ" and report["run_date"] == "2025-04-02"
    assert report["period"] == {"start": "2025-01-01", "end": "2025-03-31", "given": True}
    keys = {"path", "subdivision", "verdict", "reason", "sheet", "rows", "remarks", "returned_copy", "fix_deadline",
            "counted"}
    for f in report["files"]:
        assert set(f) == keys
        for r in f["remarks"]:
            assert set(r) == {"code", "severity", "sheet", "cell", "row", "column", "value", "message", "clause"}
    assert report["results"] == {"path": "Итоги опроса.xlsx", "answers": 121, "counted": 120}
    assert report["monitoring"] == {"path": "Мониторинг удовлетворенности.docx"}
    paper = next(f for f in report["files"] if f["path"] == "Отдел/бумажные.xlsx")
    assert paper["returned_copy"] == "на доработку/Отдел/бумажные.xlsx"
    assert (out / "на доработку" / "Отдел" / "Письмо — бумажные.eml").exists()


def test_returned_copy_and_letter_speak_of_answers(survey_run):
    *_, out, _, _ = survey_run
    wb = openpyxl.load_workbook(out / "на доработку" / "Отдел" / "бумажные.xlsx")
    assert wb.sheetnames[0] == "Замечания"
    assert wb["Замечания"]["A1"].value == "Замечания к ответам опроса удовлетворенности: Отдел"
    marked = [c for row in wb["Ответы"].iter_rows() for c in row if c.comment]
    assert [c.comment.author for c in marked] == ["Проверка ответов опроса"]
    import email

    letter = email.message_from_bytes((out / "на доработку" / "Отдел" / "Письмо — бумажные.eml").read_bytes())
    assert str(email.header.make_header(email.header.decode_header(letter["Subject"]))) == \
        "Ответы опроса удовлетворенности возвращены на доработку: Отдел"


def test_the_report_for_the_minister(survey_run):
    rows, result, out, *_ = survey_run
    doc = Document(str(out / "Мониторинг удовлетворенности.docx"))
    section = doc.sections[0]
    assert [round(m.mm) for m in (section.left_margin, section.right_margin, section.top_margin)] == [20, 10, 20]
    assert doc.styles["Normal"].font.name == "Times New Roman" and doc.styles["Normal"].font.size.pt == 14
    text = "\n".join(p.text for p in doc.paragraphs).replace("\u00a0", " ")
    k, n = expected(rows)["satisfied"]
    low, high = wilson(k, n)
    share = f"{k / n * 100:.1f}".replace(".", ",")
    assert f"составила {share} %" in text
    assert f"{low * 100:.1f}–{high * 100:.1f} %".replace(".", ",") in text and "Уилсона" in text
    assert "п. 11 Порядка" in text and "Итоги опроса.xlsx" in text
    pictures = doc.inline_shapes
    assert len(pictures) == 3
    below = [name for number, name in result.tally.sources if number in result.tally.below_good()]
    for name in below:
        assert name.replace("«", "„").replace("»", "“") in text
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells][:3] == ["Ресурс", "Оценок", "Средняя оценка"]


def test_a_file_that_cannot_be_read_gets_a_verdict(tmp_path):
    inbox = tmp_path / "ответы"
    make_answers(inbox / "a.xlsx", PROFILE, respondents(3, seed=1))
    (inbox / "b.xlsx").write_bytes(b"PK\x03\x04 broken")
    (inbox / "c.xlsx").write_bytes(b"")
    result = check(SurveySettings(PROFILE, inbox, tmp_path / "out", date(2025, 4, 2)))
    verdicts = {f.path: (f.verdict, bool(f.reason)) for f in result.batch.files}
    assert verdicts == {"a.xlsx": ("accepted", False), "b.xlsx": ("unreadable", True), "c.xlsx": ("unreadable", True)}


def test_a_filled_blank_passes_and_an_empty_one_is_returned(tmp_path):
    from consolidator.outputs.survey_blank import FIRST_DATA_ROW as FIRST, SHEET_ANSWERS, write_blank

    blank = write_blank(PROFILE, tmp_path / "ответы" / "пустой" / "бланк.xlsx", rows=20)
    wb = openpyxl.load_workbook(blank)
    assert len(wb[SHEET_ANSWERS].data_validations.dataValidation) == 1 + 1 + 1 + 1 + 4 + 4 + 4  # (11) … open answers
    ws = wb[SHEET_ANSWERS]
    for i, row in enumerate(respondents(15, seed=3)):
        for c, key in enumerate(PROFILE.keys, 1):
            value = row[key]
            if key == "when":
                value = datetime.strptime(value, "%d.%m.%Y %H:%M")
            elif key.startswith("use_") and value in ("1", "3"):
                value = int(value)  # a code typed as a number
            ws.cell(FIRST + i, c, value if value != "" else None)
    filled = tmp_path / "ответы" / "заполненный" / "бланк.xlsx"
    filled.parent.mkdir(parents=True)
    wb.save(filled)
    result = check(SurveySettings(PROFILE, tmp_path / "ответы", tmp_path / "out", date(2025, 4, 2)))
    by_path = {f.path: f for f in result.batch.files}
    assert by_path["заполненный/бланк.xlsx"].remarks == [] and by_path["заполненный/бланк.xlsx"].rows == 15
    assert [r.code for r in by_path["пустой/бланк.xlsx"].remarks] == ["ECON-EMPTY-TABLE"]


def test_the_questionnaire_has_every_code(tmp_path):
    from consolidator.outputs.survey_questionnaire import write_questionnaire

    doc = Document(str(write_questionnaire(PROFILE, tmp_path / "анкета.docx")))
    text = "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    for code in ("(11)", "(12)", "(13)", "(21)", "(22)", "(23)", *[f"({q}.{s})" for q in (22, 23) for s in (1, 2, 3, 4)]):
        assert code in text, code
    assert "1. Скорее удовлетворен" in text and "3. Вообще не пользуюсь" in text
    assert PROFILE.survey.footnote in text
    assert round(doc.sections[0].page_width.mm) == 210 and len(doc.sections) == 1


def test_survey_commands(tmp_path):
    runner = CliRunner()
    res = runner.invoke(main, ["survey", "template", "--out", str(tmp_path / "бланк.xlsx"), "--rows", "5"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "бланк.xlsx").exists() and (tmp_path / "Анкета опроса.docx").exists()
    inbox = tmp_path / "ответы"
    make_answers(inbox / "a.xlsx", PROFILE, respondents(12, seed=5))
    res = runner.invoke(main, ["survey", "run", str(inbox), "--out", str(tmp_path / "out"), "--period", "2025-01..2025-03",
                               "--date", "2025-04-02", "--jobs", "1"])
    assert res.exit_code == 0, res.output
    assert "Доля удовлетворенных:" in res.output and "Уилсона" in res.output
    for args, message in [
        (["--period", "2025-13"], "не период"),
        (["--period", "2025-03..2025-01"], "раньше, чем начинается"),
        (["--profile", "udmurt"], "а не опрос"),
        (["--list", str(tmp_path / "нет.xlsx")], "не найден"),
    ]:
        res = runner.invoke(main, ["survey", "run", str(inbox), "--out", str(tmp_path / "out2"), *args])
        assert res.exit_code == EXIT_USAGE and message in res.output, res.output
    res = runner.invoke(main, ["survey", "run", str(inbox), "--out", str(inbox / "out")])
    assert res.exit_code == EXIT_USAGE and "внутри папки" in res.output


def test_list_runs_never_take_the_survey_profile(tmp_path):
    from consolidator.profile import available_profiles

    assert "nso-econ" not in available_profiles() and "nso-econ" in available_profiles("survey")
    res = CliRunner().invoke(main, ["run", "sample_inputs/nso-econ", "--profile", "nso-econ", "--out", str(tmp_path)])
    assert res.exit_code == EXIT_USAGE and "consolidator survey run" in res.output
    res = CliRunner().invoke(main, ["profiles"])
    assert "Опросы удовлетворенности" in res.output and res.output.index("udmurt") < res.output.index("nso-econ")


@pytest.mark.parametrize("text,start,end", [
    ("2025-01..2025-03", date(2025, 1, 1), date(2025, 3, 31)),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    ("01.04.2025..15.05.2025", date(2025, 4, 1), date(2025, 5, 15)),
    ("2025", date(2025, 1, 1), date(2025, 12, 31)),
])
def test_periods(text, start, end):
    period = Period.parse(text)
    assert (period.start, period.end) == (start, end)


def test_dates_and_scores_as_files_hold_them():
    assert parse_moment("15.01.2025 10:30") == datetime(2025, 1, 15, 10, 30)
    assert parse_moment("2025-01-15 10:30:00") == datetime(2025, 1, 15, 10, 30)
    assert parse_moment("15.01.25") == datetime(2025, 1, 15)
    assert parse_moment("31.04.2025") is None and parse_moment("весна") is None
    assert [whole_number(v) for v in ("5", "5.0", 5.0, "4,5", "пять", "")] == [5, 5, 5, None, None, None]
    assert Counter(Period.parse("2025-01..2025-06").months()) == Counter(f"2025-0{m}" for m in range(1, 7))


def test_help_and_rules_of_the_survey_import_no_heavy_library():
    import subprocess
    import sys

    code = ("import sys; from click.testing import CliRunner; from consolidator.cli import main\n"
            "for args in (['survey', '--help'], ['survey', 'run', '--help'], ['survey', 'template', '--help'],\n"
            "             ['rules', '--profile', 'nso-econ'], ['profiles']):\n"
            "    r = CliRunner().invoke(main, args); assert r.exit_code == 0, r.output\n"
            "print(sorted(m for m in ('pandas', 'pandera', 'openpyxl', 'docx', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stderr


def test_a_questionnaire_in_two_files_is_named_in_the_second(tmp_path):
    rows = respondents(2, seed=9)
    inbox = tmp_path / "ответы"
    make_answers(inbox / "a" / "январь.xlsx", PROFILE, rows)
    make_answers(inbox / "b" / "январь исправленный.xlsx", PROFILE, [rows[1]])
    result = check(SurveySettings(PROFILE, inbox, tmp_path / "out", date(2025, 4, 2)))
    first, second = result.batch.files
    assert first.remarks == [] or all(r.code != "ECON-DUP" for r in first.remarks)
    (dup,) = [r for r in second.remarks if r.code == "ECON-DUP"]
    assert dup.severity == "warning" and "файла «a/январь.xlsx»" in dup.message
    assert f"строке {FIRST_DATA_ROW + 1}" in dup.message and second.verdict == "accepted"


def test_names_the_job_keeps_for_its_outputs_are_theirs():
    from consolidator import survey
    from consolidator.outputs import survey_report, survey_results

    assert survey.RESULTS == survey_results.FILE_NAME and survey.MONITORING == survey_report.FILE_NAME
    assert survey.QUOTED == survey_report.EXAMPLES
