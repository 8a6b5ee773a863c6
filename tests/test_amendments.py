"""The list over the year: the approved edition, the changes against it, the list of changes and the
order that amends the list, `approve` and what it refuses, `status` (000 пп. 3.1–3.4, 001 пп. 14–16,
002 пп. 4.1–4.4, 004 пп. 19–21)."""
from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook

from consolidator.cli import main
from consolidator.journal.changes import ADDED, CHANGED, EXCLUDED, compare
from consolidator.journal.store import Edition, Journal, ListRow
from consolidator.outputs.amendment_order import instruction, sub_points
from consolidator.profile import load_profile
from consolidator.run import approved_copy_name
from tests.workbooks import make_form

ROOT = Path(__file__).resolve().parent.parent
UDMURT = load_profile("udmurt")
G = UDMURT.groups
BASE = {"group": G[0], "service": "Назначение ежемесячной выплаты", "point": "Личный прием",
        "interaction": "Подача заявления", "kind": "Офлайн-точка"}


def _row(position: int, subdivision: str = "Отдел А", **cells) -> ListRow:
    return ListRow(position, subdivision, None, {"num": str(position), **BASE, **cells})


# --- what changed ------------------------------------------------------------------------------------

def test_each_kind_of_change():
    approved = [_row(1), _row(2, point="Телефонная связь", kind="Онлайн-точка"), _row(3, point="Электронная почта")]
    current = [_row(1, interaction="Подача заявления и документов"), _row(2, point="Телефонная связь",
               kind="Онлайн-точка"), _row(3, point="Официальный сайт Министерства", kind="Онлайн-точка")]
    changes = compare(UDMURT, approved, current)
    # In the approved edition's order: an added row after the row it follows («2.1»).
    assert [(c.kind, c.position) for c in changes] == [(CHANGED, 1), (ADDED, None), (EXCLUDED, 3)]
    assert changes[0].changed == ["interaction"]
    assert changes[1].anchor == 2 and changes[1].nth == 1


def test_a_row_moved_or_retyped_is_no_change():
    approved = [_row(1), _row(2, point="Телефонная связь", kind="Онлайн-точка")]
    # Another order, other letter case, doubled spaces, ё for е, a hyphen instead of a space.
    current = [_row(1, point="ТЕЛЕФОННАЯ  связь ", kind="онлайн-точка"), _row(2, interaction="подача  заявления")]
    assert compare(UDMURT, approved, current) == []


def test_rows_are_matched_within_their_subdivision():
    approved = [_row(1, "Отдел А"), _row(2, "Отдел Б", point="Электронная почта")]
    # The same row moves from one subdivision to another: excluded from one, added to the other.
    current = [_row(1, "Отдел Б"), _row(2, "Отдел Б", point="Электронная почта")]
    kinds = sorted((c.kind, c.subdivision) for c in compare(UDMURT, approved, current))
    assert kinds == [(ADDED, "Отдел Б"), (EXCLUDED, "Отдел А")]


def test_the_order_words_each_kind_of_change():
    approved = [_row(1), _row(2, point="Электронная почта"), _row(3, point="Телефонная связь")]
    current = [_row(1, interaction="Иное"), _row(2, point="Электронная почта"), _row(3, point="Сайт"),
               _row(4, point="Портал"), _row(5, point="Телефонная связь", interaction="Другое")]
    points = sub_points(compare(UDMURT, approved, current))
    words = [instruction(p, "признать утратившей силу") for p in points]
    assert words == ["строку 1 изложить в следующей редакции:",
                     "дополнить строками 2.1–2.2 следующего содержания:",
                     "строку 3 изложить в следующей редакции:"]
    excluded = compare(UDMURT, approved, approved[:2])
    assert [instruction([c], "признать утратившей силу") for c in excluded] == ["строку 3 признать утратившей силу;"]
    first = compare(UDMURT, approved, [_row(1, point="Портал"), *[_row(n + 1, **r.cells) for n, r in
                                                                 enumerate(approved, 1)]])
    assert [instruction([c], "") for c in first] == ["дополнить перед строкой 1 строкой 0.1 следующего содержания:"]


# --- the year, end to end ----------------------------------------------------------------------------

def _cli(*args) -> tuple[int, str]:
    res = CliRunner().invoke(main, list(map(str, args)))
    return res.exit_code, res.output


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    """The README's walk on the Udmurt samples: the July check, the approval, the October updates."""
    out = tmp_path_factory.mktemp("year") / "РЕЗУЛЬТАТ"
    first = _cli("run", ROOT / "sample_inputs" / "udmurt", "--out", out, "--date", "2024-07-16")
    refused = _cli("approve", "--number", "27", "--date", "2024-07-25", "--out", out)
    approved = _cli("approve", "--number", "27", "--date", "2024-07-25", "--out", out, "--incomplete")
    second = _cli("run", ROOT / "sample_inputs" / "udmurt-изменения", "--out", out, "--date", "2024-10-10")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    status = _cli("status", "--out", out, "--date", "2025-02-20")
    return out, first, refused, approved, second, report, status


def test_approve_records_the_edition_and_a_read_only_copy(year):
    out, first, refused, approved, *_ = year
    assert first[0] == 1  # the sample has returned files
    assert refused[0] == 2 and "неполный" in refused[1] and "--incomplete" in refused[1]
    assert approved[0] == 0 and "приказ от 25.07.2024 № 27" in approved[1]
    copy = out / "Утвержденные" / approved_copy_name("27", date(2024, 7, 25))
    assert copy.exists() and not copy.stat().st_mode & 0o222
    with Journal(out / "журнал.sqlite") as j:
        [edition] = j.editions("udmurt")
    assert (edition.number, edition.date, edition.incomplete, len(edition.rows)) == ("27", date(2024, 7, 25), True, 51)


def test_subdivisions_that_owe_a_corrected_list_leave_the_list_incomplete(year):
    """Returned in July, nothing sent by October (its inbox is another folder): the October list lacks
    their rows (they were not in the approved edition either), the run says so, and their returned
    copies with the letters stay in «на доработку»."""
    out, first, *_, second, report, _ = year
    owing = [s for s in report["subdivisions"] if s["status"] in ("возвращен на доработку", "просрочен")]
    assert len(owing) == 3 and all(s["current"] for s in owing)
    assert "Не представили исправленный перечень после возврата на доработку: 3" in second[1]
    assert "НЕ внесены" in second[1]
    import openpyxl

    summary = [[c for c in row if c is not None] for row in
               openpyxl.load_workbook(out / "Сводный перечень.xlsx")["Сводка"].iter_rows(values_only=True)]
    title = summary.index(["Не прислали исправленный перечень после возврата на доработку: 3"])
    assert {row[0] for row in summary[title + 2:title + 5]} == {s["name"] for s in owing}
    assert all(row[2] == "просрочен" for row in summary[title + 2:title + 5])
    for s in owing:  # the copy is an .xlsx whatever the author sent, beside its letter
        kept = sorted(p.name for p in (out / "на доработку" / s["name"]).iterdir())
        stem = Path(s["current"]).stem
        assert kept == [f"{stem}.xlsx", f"Письмо — {stem}.eml"], kept


def test_a_later_run_lists_the_changes_and_drafts_the_amending_order(year):
    out, *_, second, report, _ = year
    assert second[0] == 0, second[1]
    changes = report["changes"]
    assert changes == {"edition": {"number": "27", "date": "2024-07-25"}, "added": 22, "excluded": 1, "changed": 1,
                       "list": "Изменения в перечень.xlsx", "order": "Проект приказа о внесении изменений.docx"}
    # The list is the full current edition: the subdivisions that sent nothing new keep their approved rows.
    assert report["consolidated"]["rows"] == 51 + 22 - 1
    assert report["order"] is None and not (out / "Проект приказа.docx").exists()

    ws = load_workbook(out / "Изменения в перечень.xlsx")["Изменения"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=5)]
    kinds = [r[2] for r in rows if r[2]]
    assert sorted(kinds) == sorted(["добавлена"] * 22 + ["изменена", "исключена"])
    changed = next(i for i, r in enumerate(rows) if r[2] == "изменена")
    assert [rows[changed][4], rows[changed + 1][4]] == ["было", "стало"]
    # The reason the subdivision gave in its own column fills «Основание»; the column has the drop-down.
    assert "п. 19 подп. 2 Порядка" in rows[changed][-1]
    [validation] = ws.data_validations.dataValidation
    assert validation.type == "list" and "Основания" in validation.formula1
    reasons = load_workbook(out / "Изменения в перечень.xlsx")["Основания"]
    assert reasons.sheet_state == "hidden" and reasons["A1"].value.endswith("(п. 19 подп. 1 Порядка)")
    # The changed cell is highlighted, the others are not.
    cells = list(ws.iter_rows(min_row=5 + changed + 1, max_row=5 + changed + 1))[0]
    headers = [c.value for c in ws[4]]
    fills = {headers[i]: c.fill.fgColor.rgb for i, c in enumerate(cells)}
    assert fills["Осуществляемое взаимодействие"].endswith("FFEB9C")
    assert not fills["Точка взаимодействия"].endswith("FFEB9C")

    doc = Document(str(out / "Проект приказа о внесении изменений.docx"))
    texts = [p.text.replace("\u00a0", " ") for p in doc.paragraphs]
    assert any(t.startswith("О внесении изменений в сводный перечень точек взаимодействия") and
               t.endswith("от 25 июля 2024 г. № 27") for t in texts)
    assert any(t.startswith("1. Утвердить прилагаемые изменения, которые вносятся в сводный перечень") for t in texts)
    subs = [t for t in texts if t[:3].rstrip(")").isdigit() or t[:2].rstrip(")").isdigit()]
    assert "строку 27 изложить в следующей редакции:" in " ".join(subs)
    assert any("строку 37 признать утратившей силу" in t for t in subs)
    assert any("дополнить строками 22.1–22.9 следующего содержания:" in t for t in subs)


def test_status_shows_the_edition_pending_changes_and_deadlines(year):
    *_, status = year
    code, text = status
    assert code == 0
    assert "Действующая редакция сводного перечня: приказ от 25.07.2024 № 27" in text
    assert "Отдел по работе с обращениями граждан: строк добавлено — 1, изменено — 1, исключено — 1" in text
    # п. 20: a review at least once a quarter, counted from each subdivision's last list.
    assert "(п. 20 Порядка) — ПРОСРОЧЕНО" in text


def test_refusals_leave_the_journal_as_it_was(year, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(year[0], out, symlinks=True)
    journal = out / "журнал.sqlite"
    before = _digest(journal)
    inbox = ROOT / "sample_inputs" / "udmurt-изменения"
    for args, words in [
        (("approve", "--number", "27", "--date", "2024-12-01", "--out", out), "уже записан"),
        (("approve", "--number", "28", "--date", "2024-07-20", "--out", out), "раньше даты приказа"),
        (("approve", "--number", "28", "--date", "2024-12-01", "--out", out, "--profile", "nso-minreg"),
         "нет ни одного запуска по профилю «nso-minreg»"),
        (("run", inbox, "--out", out, "--date", "2024-07-20"), "раньше даты приказа от 25.07.2024 № 27"),
    ]:
        code, text = _cli(*args)
        assert code == 2 and words in " ".join(text.split()), text
        assert _digest(journal) == before
    assert _cli("approve", "--number", "28", "--date", "2024-12-01", "--out", tmp_path / "нет")[0] == 2
    assert not (tmp_path / "нет" / "журнал.sqlite").exists()


def test_two_editions_in_a_row(year, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(year[0], out, symlinks=True)
    # Three subdivisions returned in July have sent nothing since: the list still lacks them.
    code, text = _cli("approve", "--number", "41", "--date", "2024-10-15", "--out", out)
    assert code == 2 and "не представили исправленный перечень после возврата" in text and "--incomplete" in text
    code, text = _cli("approve", "--number", "41", "--date", "2024-10-15", "--out", out, "--incomplete")
    assert code == 0 and "строк: 72" in text
    code, _ = _cli("run", ROOT / "sample_inputs" / "udmurt-изменения", "--out", out, "--date", "2024-10-20")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["changes"]["edition"] == {"number": "41", "date": "2024-10-15"}
    assert (report["changes"]["added"], report["changes"]["changed"], report["changes"]["excluded"]) == (0, 0, 0)
    assert report["changes"]["list"] is None and not (out / "Изменения в перечень.xlsx").exists()
    assert not (out / "Проект приказа о внесении изменений.docx").exists()
    with Journal(out / "журнал.sqlite") as j:
        assert [e.number for e in j.editions("udmurt")] == ["27", "41"]


# --- subdivisions arriving and leaving ---------------------------------------------------------------

def _rows(point: str) -> list[dict]:
    return [{**BASE, "point": point}]


def test_a_new_subdivision_adds_and_a_subdivision_that_left_excludes(tmp_path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    make_form(inbox / "Отдел А" / "п.xlsx", UDMURT, _rows("Личный прием"))
    make_form(inbox / "Отдел Б" / "п.xlsx", UDMURT, _rows("Места приема граждан в Министерстве"))
    listed = tmp_path / "подразделения.yaml"
    listed.write_text("- name: Отдел А\n- name: Отдел Б\n", encoding="utf-8")
    assert _cli("run", inbox, "--out", out, "--date", "2024-07-16", "--subdivisions", listed)[0] == 0
    assert _cli("approve", "--number", "5", "--date", "2024-07-20", "--out", out)[0] == 0

    later = tmp_path / "later"
    make_form(later / "Отдел В" / "п.xlsx", UDMURT, _rows("Личный прием"))
    listed.write_text("- name: Отдел А\n- name: Отдел В\n", encoding="utf-8")  # Отдел Б is gone
    code, text = _cli("run", later, "--out", out, "--date", "2024-09-02", "--subdivisions", listed)
    assert code == 0, text
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert (report["changes"]["added"], report["changes"]["excluded"], report["changes"]["changed"]) == (1, 1, 0)
    ws = load_workbook(out / "Изменения в перечень.xlsx")["Изменения"]
    lines = {(r[1].value, r[2].value) for r in ws.iter_rows(min_row=5) if r[2].value}
    assert lines == {("Отдел В", "добавлена"), ("Отдел Б", "исключена")}
    # Отдел А sent nothing new: its approved row stays in the list.
    assert report["consolidated"]["rows"] == 2


def test_an_older_file_left_in_the_inbox_does_not_undo_the_approved_one(tmp_path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    make_form(inbox / "Отдел А" / "п.xlsx", UDMURT, _rows("Личный прием"))
    assert _cli("run", inbox, "--out", out, "--date", "2024-07-16")[0] == 0
    make_form(inbox / "Отдел А" / "п_v2.xlsx", UDMURT, _rows("Места приема граждан в Министерстве"))
    assert _cli("run", inbox, "--out", out, "--date", "2024-07-18")[0] == 0
    assert _cli("approve", "--number", "5", "--date", "2024-07-20", "--out", out)[0] == 0
    # The next inbox holds only the first file again: the approved v2 stays in force.
    (inbox / "Отдел А" / "п_v2.xlsx").unlink()
    assert _cli("run", inbox, "--out", out, "--date", "2024-09-02")[0] == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["changes"]["list"] is None and report["consolidated"]["rows"] == 1


def test_the_novosibirsk_ministrys_amending_order_has_its_approval_sheet(tmp_path):
    out = tmp_path / "out"
    assert _cli("run", ROOT / "sample_inputs" / "nso-minreg", "--out", out, "--date", "2024-10-14")[0] == 1
    assert _cli("approve", "--number", "112", "--date", "2024-10-28", "--out", out, "--incomplete")[0] == 0
    code, text = _cli("run", ROOT / "sample_inputs" / "nso-minreg-изменения", "--out", out, "--date", "2024-11-15")
    assert code == 0, text
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    # The fixed list's five rows are added; one of them repeats, word for word, a row another subdivision
    # has in the approved edition: one row of the list (п. 2.6), no change for that subdivision.
    assert (report["changes"]["added"], report["changes"]["changed"], report["changes"]["excluded"]) == (5, 1, 1)
    from openpyxl import load_workbook as load

    trace = [r for r in load(out / "Сводный перечень.xlsx")["Источник"].iter_rows(min_row=2, values_only=True)]
    numbers = [r[0] for r in trace]
    [shared] = [n for n in set(numbers) if numbers.count(n) == 2]
    assert {r[1] for r in trace if r[0] == shared} == {"Отдел развития территориального общественного самоуправления",
                                                       "Управление по взаимодействию с органами местного самоуправления"}
    assert len(set(numbers)) == report["consolidated"]["rows"] == len(numbers) - 1
    summary = [r for r in load(out / "Сводный перечень.xlsx")["Сводка"].iter_rows(values_only=True)]
    assert any(isinstance(r[0], str) and r[0].startswith("Строки, общие для нескольких подразделений, включены один "
                                                         "раз (п. 2.6 Порядка): 1") for r in summary)
    doc = Document(str(out / "Проект приказа о внесении изменений.docx"))
    texts = [p.text.replace("\u00a0", " ") for p in doc.paragraphs]
    assert "ЛИСТ СОГЛАСОВАНИЯ" in texts  # п. 3.4: changes are agreed
    # Last, after the landscape appendix, in a portrait section of its own, numbered as the pages before.
    from docx.enum.section import WD_ORIENT, WD_SECTION

    assert [s.orientation for s in doc.sections] == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    assert doc.sections[-1].start_type == WD_SECTION.NEW_PAGE
    assert doc.sections[-1].header.paragraphs[0]._p.xml.count("PAGE") == 1
    assert texts.index("ПРИЛОЖЕНИЕ") < texts.index("ЛИСТ СОГЛАСОВАНИЯ")
    # п. 3.1: the current version on the site within 5 working days of a change.
    placement = next(t for t in texts if t.startswith("2. "))
    assert placement.endswith("не позднее 5 рабочих дней со дня подписания настоящего приказа (п. 3.1 Порядка).")
    sheet = doc.tables[-1]
    positions = [r.cells[0].text for r in sheet.rows[1:]]
    initiators = {"Отдел развития территориального общественного самоуправления",
                  "Управление по взаимодействию с органами местного самоуправления"}
    assert {p.split(": ", 1)[1] for p in positions if ": " in p} == initiators
    # 000 п. 3.1: the current version on the site within 5 working days of a change.
    # Two subdivisions returned in October sent nothing by November: the list still lacks them.
    code, text = _cli("approve", "--number", "130", "--date", "2024-11-20", "--out", out)
    assert code == 2 and "не представили исправленный перечень после возврата" in text, text
    code, text = _cli("approve", "--number", "130", "--date", "2024-11-20", "--out", out, "--incomplete")
    assert code == 0, text
    code, text = _cli("status", "--out", out, "--date", "2024-12-10")
    assert "до 27.11.2024 — размещение актуальной версии Перечня" in text and "(п. 3.1 Порядка)" in text


def test_a_restated_list_when_most_rows_change(tmp_path):
    from consolidator.model import Batch
    from consolidator.outputs.amendment_order import restated, write_amendment_order

    approved = [_row(1), _row(2, point="Электронная почта")]
    current = [_row(1, interaction="Другое"), _row(2, point="Электронная почта", interaction="Иное")]
    batch = Batch(profile=UDMURT, run_date=date(2024, 9, 2), inbox=tmp_path, out=tmp_path, files=[], data=None)
    batch.edition = Edition(1, "udmurt", "27", date(2024, 7, 25), 1, False, approved)
    batch.changes = compare(UDMURT, approved, current)
    assert restated(batch)
    write_amendment_order(batch, current, tmp_path / "order.docx")
    doc = Document(str(tmp_path / "order.docx"))
    texts = [p.text.replace("\u00a0", " ") for p in doc.paragraphs]
    assert any(t.startswith("1. Изложить сводный перечень") and "в новой редакции согласно приложению" in t
               for t in texts)
    assert [c.text for c in doc.tables[-1].rows[2].cells][3:5] == ["Личный прием", "Другое"]


def test_rows_merged_across_subdivisions_match_the_approved_row_of_any_of_them():
    minreg = load_profile("nso-minreg")
    base = {"num": "1", "group": minreg.groups[0], "service": "Процесс", "point": "Сайт", "interaction": "Получение "
            "информации", "kind": "Взаимодействие в цифровой точке"}
    approved = [ListRow(1, "Отдел Б", None, dict(base))]
    # Now «Отдел А» lists the same row too: one row of the list, under А, standing for Б as well.
    current = [ListRow(1, "Отдел А", None, dict(base), also=("Отдел Б",))]
    assert compare(minreg, approved, current) == []
    # Б stops listing it, А keeps it: still no change to the list.
    assert compare(minreg, [ListRow(1, "Отдел А", None, dict(base), also=("Отдел Б",))],
                   [ListRow(1, "Отдел А", None, dict(base))]) == []
