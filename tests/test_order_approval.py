"""The approval sheet (лист согласования) of the draft order and the blanks for a procedure whose
approving order has no date or number yet: read the written DOCX back."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH

from consolidator.model import ACCEPTED, RETURNED, Batch, FileResult
from consolidator.outputs.order import APPROVAL_HEADERS, APPROVAL_TITLE, FILE_NAME, approval_lines, write_order
from consolidator.profile import ProfileError, load_profile, merge_org

SUB_A = "Управление по взаимодействию с органами местного самоуправления"
SUB_B = "Отдел по работе с обращениями граждан"
SUB_RETURNED = "Отдел информационных технологий"


def _batch(tmp_path: Path, profile) -> Batch:
    g = profile.groups
    base = {"sheet": "Лист1", "interaction": "Получение консультации", "kind": "Взаимодействие в цифровой точке"}
    data = pd.DataFrame([
        {**base, "file": 0, "row": 6, "num": "1", "group": g[0], "service": "Процесс А",
         "point": "Официальный сайт"},
        {**base, "file": 0, "row": 7, "num": "1", "group": g[0], "service": "Процесс А",
         "point": "Электронная почта"},
        {**base, "file": 1, "row": 6, "num": "2", "group": g[1], "service": "Процесс Б",
         "point": "Электронная почта"},
        {**base, "file": 2, "row": 6, "num": "4", "group": g[3], "service": "Процесс В",
         "point": "Электронная почта"},
    ])
    files = [
        FileResult(path="a/п.xlsx", source=tmp_path / "a.xlsx", subdivision=SUB_A, verdict=ACCEPTED, rows=2),
        FileResult(path="b/п.xlsx", source=tmp_path / "b.xlsx", subdivision=SUB_B, verdict=ACCEPTED, rows=1),
        FileResult(path="c/п.xlsx", source=tmp_path / "c.xlsx", subdivision=SUB_RETURNED, verdict=RETURNED,
                   rows=1),
    ]
    return Batch(profile=profile, run_date=date(2024, 10, 14), inbox=tmp_path, out=tmp_path / "out",
                 files=files, data=data)


def _write(tmp_path: Path, profile):
    batch = _batch(tmp_path, profile)
    rows = batch.accepted_rows()
    path = tmp_path / "out" / FILE_NAME
    write_order(batch, rows, path)
    return Document(str(path)), rows


def _texts(doc) -> list[str]:
    return [p.text.replace("\u00a0", " ") for p in doc.paragraphs]


def _approval_table(doc):
    tables = [t for t in doc.tables if [c.text for c in t.rows[0].cells] == list(APPROVAL_HEADERS)]
    assert len(tables) == 1
    return tables[0]


def test_approval_sheet_of_the_ministry(tmp_path):
    profile = load_profile("nso-minreg")
    doc, rows = _write(tmp_path, profile)
    texts = _texts(doc)

    # Last, after the landscape appendix, in a portrait section of its own (a new page).
    title_i = texts.index(APPROVAL_TITLE)
    signature_i = next(i for i, t in enumerate(texts) if t.endswith("\tА.А. Клюзов"))
    assert signature_i < texts.index("УТВЕРЖДЕН") < title_i
    assert [s.orientation for s in doc.sections] == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    assert doc.sections[-1].start_type == WD_SECTION.NEW_PAGE
    assert doc.sections[-1].header.paragraphs[0]._p.xml.count("PAGE") == 1  # numbered as the pages before
    title = doc.paragraphs[title_i]
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER and all(r.bold for r in title.runs)
    assert texts[title_i + 1] == "проекта приказа министерства региональной политики Новосибирской области"
    assert texts[title_i + 2].startswith("«Об утверждении перечня точек взаимодействия")

    table = _approval_table(doc)
    body = [[c.text for c in r.cells] for r in table.rows[1:]]
    positions = [b[0] for b in body]
    # п. 3.4 Порядка: the head of every subdivision whose rows are in the list (in the list's order),
    # the supervising deputy minister, the deputy minister responsible for client-centricity.
    assert positions[0].endswith(SUB_A) and positions[1].endswith(SUB_B)
    assert positions[0].startswith("Руководитель структурного подразделения, ответственного за процесс")
    assert not any(SUB_RETURNED in p for p in positions)
    assert positions[2] == "Заместитель министра, курирующий направление деятельности"
    assert positions[3].startswith("Заместитель министра – начальник управления по взаимодействию")
    assert "клиентоцентричности" in positions[3]
    assert [b[2] for b in body] == ["", "", "", "Е.Л. Бузмаков"]
    # Signature and date are left to be filled in by hand, with room to sign.
    assert all(b[1] == "" and b[3] == "" for b in body)
    assert all(r.height is not None and r.height.mm >= 14 for r in table.rows[1:])
    assert all(r.bold for c in table.rows[0].cells for p in c.paragraphs for r in p.runs)
    assert table.rows[1].cells[0].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.LEFT

    # The list is the table before it and holds the accepted rows only.
    assert doc.tables[-1]._tbl is table._tbl and len(doc.tables[-2].rows) == len(rows) + 2 == 5


def test_blank_procedure_order_date_and_number(tmp_path):
    doc, _ = _write(tmp_path, load_profile("nso-minreg"))
    preamble = next(t for t in _texts(doc) if t.startswith("В соответствии с Порядком ведения министерством"))
    # The seed leaves the approving order's date and number blank; only the year (2024) is known.
    assert "утвержденным приказом министерства региональной политики Новосибирской области от «___» " \
           "________ 2024 г. № ___, п р и к а з ы в а ю:" in preamble

    doc, _ = _write(tmp_path, load_profile("nso-gsn"))
    texts = _texts(doc)
    preamble = next(t for t in texts if t.startswith("В соответствии с Порядком ведения перечня"))
    assert "от «___» ________ 20__ г. № ___, п р и к а з ы в а ю:" in preamble
    assert "Начальник инспекции\t________________" in texts


def test_approval_sequence_of_the_inspection(tmp_path):
    profile = load_profile("nso-gsn")
    doc, _ = _write(tmp_path, profile)
    body = [[c.text for c in r.cells] for r in _approval_table(doc).rows[1:]]
    # п. 4.3: 1) the head of the subdivision responsible for the process; 2) the deputy head
    # responsible for client-centricity. No names in the Порядок: blanks.
    assert [b[0] for b in body] == [
        f"Руководитель структурного подразделения инспекции, ответственного за процесс: {SUB_A}",
        f"Руководитель структурного подразделения инспекции, ответственного за процесс: {SUB_B}",
        "Заместитель руководителя, ответственный за внедрение принципов и стандартов клиентоцентричности "
        "в инспекции",
    ]
    assert all(b[2] == "" for b in body)


def test_no_approval_sheet_without_the_key(tmp_path):
    profile = load_profile("udmurt")
    assert "approval_sheet" not in profile.org
    batch = _batch(tmp_path, profile)
    path = tmp_path / "out" / FILE_NAME
    write_order(batch, batch.accepted_rows(), path)
    doc = Document(str(path))
    assert APPROVAL_TITLE not in _texts(doc)
    assert not any([c.text for c in t.rows[0].cells] == list(APPROVAL_HEADERS) for t in doc.tables)


def test_override_and_empty_list(tmp_path):
    profile = load_profile("nso-gsn")
    override = tmp_path / "org.yaml"
    override.write_text(
        "approval_sheet:\n"
        "  - {position: 'Начальник отдела правового обеспечения', name: 'А.П. Лебедев'}\n"
        "  - {position: 'Заместитель начальника инспекции', name: 'И.И. Иванов'}\n",
        encoding="utf-8")
    profile.org = merge_org(profile.org, override)
    doc, _ = _write(tmp_path, profile)
    body = [[c.text for c in r.cells] for r in _approval_table(doc).rows[1:]]
    assert [(b[0], b[2]) for b in body] == [("Начальник отдела правового обеспечения", "А.П. Лебедев"),
                                             ("Заместитель начальника инспекции", "И.И. Иванов")]

    # No accepted rows: the per-subdivision line stays as a blank to fill in.
    profile = load_profile("nso-minreg")
    lines = approval_lines(profile, pd.DataFrame(columns=["subdivision"]))
    assert lines[0][0].endswith(": " + "_" * 20) and len(lines) == 3


@pytest.mark.parametrize("sheet", [["Начальник отдела"], [{"name": "И.И. Иванов"}], "Начальник отдела"])
def test_malformed_approval_sheet(tmp_path, sheet):
    profile = load_profile("nso-minreg")
    profile.org = {**profile.org, "approval_sheet": sheet}
    with pytest.raises(ProfileError, match="approval_sheet"):
        _write(tmp_path, profile)
    assert not (tmp_path / "out" / FILE_NAME).exists()
