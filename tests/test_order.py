"""The draft approval order: read the written DOCX back and check its content and layout."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from consolidator.model import ACCEPTED, RETURNED, Batch, FileResult
from consolidator.outputs.order import FILE_NAME, write_order
from consolidator.profile import ProfileError, load_profile, merge_org

HYPERLINK = '=HYPERLINK("x")'


def _batch(tmp_path: Path, profile=None) -> Batch:
    profile = profile or load_profile("udmurt")
    groups = profile.groups
    data = pd.DataFrame([
        # file 0, accepted
        {"file": 0, "sheet": "Лист1", "row": 5, "num": "1", "group": groups[0],
         "service": "Назначение ежемесячной денежной выплаты", "point": "Личный прием",
         "interaction": "Подача заявления", "kind": "Офлайн-точка"},
        {"file": 0, "sheet": "Лист1", "row": 6, "num": "2", "group": groups[0],
         "service": "Назначение ежемесячной денежной выплаты", "point": HYPERLINK,
         "interaction": "Получение консультации <b>&amp;</b>", "kind": "Онлайн-точка"},
        # file 1, accepted
        {"file": 1, "sheet": "Лист1", "row": 4, "num": "1", "group": groups[3],
         "service": "Рассмотрение обращений граждан", "point": "Электронная почта",
         "interaction": "Направление\x01 обращения", "kind": "Онлайн-точка"},
        # file 2, returned: must not be in the list
        {"file": 2, "sheet": "Лист1", "row": 4, "num": "1", "group": groups[1],
         "service": "Чужая услуга", "point": "Сайт", "interaction": "Просмотр", "kind": "Онлайн-точка"},
    ])
    files = [
        FileResult(path="a/Перечень.xlsx", source=tmp_path / "a.xlsx", subdivision="Управление А",
                   verdict=ACCEPTED, rows=2),
        FileResult(path="b/Перечень.xlsx", source=tmp_path / "b.xlsx", subdivision="Управление Б",
                   verdict=ACCEPTED, rows=1),
        FileResult(path="c/Перечень.xlsx", source=tmp_path / "c.xlsx", subdivision="Управление В",
                   verdict=RETURNED, rows=1),
    ]
    return Batch(profile=profile, run_date=date(2025, 3, 3), inbox=tmp_path, out=tmp_path / "out",
                 files=files, data=data)


def _write(tmp_path: Path, batch: Batch | None = None):
    batch = batch or _batch(tmp_path)
    rows = batch.accepted_rows()
    path = tmp_path / "out" / FILE_NAME
    write_order(batch, rows, path)
    return Document(str(path)), rows, batch


def _norm(text: str) -> str:
    return text.replace("\u00a0", " ")


def _body_texts(doc) -> list[str]:
    return [_norm(p.text) for p in doc.paragraphs]


def _has_page_field(header) -> bool:
    """The header holds a PAGE field (complex or simple)."""
    el = header._element
    instr = [t.text or "" for t in el.iter(qn("w:instrText"))]
    instr += [f.get(qn("w:instr")) or "" for f in el.iter(qn("w:fldSimple"))]
    return any(i.split()[:1] == ["PAGE"] for i in instr)


def test_order_text(tmp_path):
    doc, _, batch = _write(tmp_path)
    org = batch.profile.org
    texts = _body_texts(doc)
    joined = "\n".join(texts)

    # The bilingual header: two blocks side by side, every line present, bold.
    header = doc.tables[0]
    assert len(header.columns) == 2
    for cell, block in zip(header.rows[0].cells, org["header_lines"]):
        assert cell.text.split("\n") == block
        assert all(r.bold for p in cell.paragraphs for r in p.runs if r.text.strip())
        assert cell.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER

    assert "ПРИКАЗ" in texts
    assert any("«___» ________ 20__ г." in t and "№ ___" in t for t in texts)
    assert "г. Ижевск" in texts

    title = next(p for p in doc.paragraphs if _norm(p.text) == " ".join(org["order_title"].split()))
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert all(r.bold for r in title.runs)

    preamble = next(t for t in texts if t.startswith("В соответствии с Порядком ведения перечня"))
    assert preamble.endswith("п р и к а з ы в а ю:")
    assert "от 3 июня 2024 г. № 82" in preamble
    assert "утвержденным приказом Министерства социальной политики и труда Удмуртской Республики" in preamble

    assert "1. Утвердить прилагаемый сводный перечень точек взаимодействия" in joined
    assert "2. Управлению стратегического развития разместить сводный перечень" in joined
    # п. 18 names the shared resource: its address is in the placement point.
    assert "на общем сетевом ресурсе Министерства (https://disk.yandex.ru/i/bxvdZY3eECwLbQ)" in joined
    assert "3. Контроль за исполнением настоящего приказа возложить на заместителя министра Абашеву Е.А." in texts
    assert "Е.А.." not in joined

    # The signature: position on the left, name at a right tab stop on the same line.
    assert "Министр\tО.В. Лубнина" in texts


def test_appendix_table(tmp_path):
    doc, rows, batch = _write(tmp_path)
    profile = batch.profile
    assert len(rows) == 3  # the returned file's row is not consolidated

    assert len(doc.sections) == 2
    portrait, appendix = doc.sections
    assert portrait.orientation == WD_ORIENT.PORTRAIT and portrait.page_width < portrait.page_height
    assert appendix.orientation == WD_ORIENT.LANDSCAPE and appendix.page_width > appendix.page_height

    texts = _body_texts(doc)
    stamp = texts.index("УТВЕРЖДЕН")
    assert texts[stamp + 1] == "приказом " + profile.org["genitive"]
    assert texts[stamp + 2] == "от «___» ________ 20__ г. № ___"
    assert doc.paragraphs[stamp].paragraph_format.left_indent > appendix.page_width // 2
    assert " ".join(profile.org["list_title"].split()) in texts

    table = doc.tables[-1]
    assert len(table.rows) == len(rows) + 2
    header = [_norm(c.text) for c in table.rows[0].cells]
    assert header == [profile.column(k).header for k in profile.keys]
    assert all(h.startswith(profile.header(k)) for h, k in zip(header, profile.keys))
    assert [c.text for c in table.rows[1].cells] == [str(n) for n in range(1, 7)]

    def repeats(row) -> bool:
        tr_pr = row._tr.trPr
        return tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None

    assert repeats(table.rows[0]) and repeats(table.rows[1])
    assert not any(repeats(r) for r in table.rows[2:])

    got = [[c.text for c in r.cells] for r in table.rows[2:]]
    want = [[str(v) for v in rec] for rec in rows[profile.keys].itertuples(index=False, name=None)]
    want[2][4] = "Направление обращения"  # the control character is dropped
    assert got == want
    assert [g[0] for g in got] == ["1", "2", "3"]
    assert got[1][3] == HYPERLINK
    assert got[1][4] == "Получение консультации <b>&amp;</b>"
    # Nothing in the document turns the value into a field.
    body = doc.element.body
    instr = [t.text for t in body.iter(qn("w:instrText"))] + [
        f.get(qn("w:instr")) for f in body.iter(qn("w:fldSimple"))]
    assert not any("HYPERLINK" in (i or "") for i in instr)

    # 12 pt table text, footnotes below the table.
    style = doc.styles[table.rows[2].cells[1].paragraphs[0].style.name]
    assert style.font.size.pt == 12
    for note in profile.footnotes:
        assert note in texts
        assert texts.index(note) > stamp


def test_layout(tmp_path):
    doc, _, _ = _write(tmp_path)
    for section in doc.sections:
        assert section.left_margin.mm == pytest.approx(20, abs=0.1)
        assert section.top_margin.mm == pytest.approx(20, abs=0.1)
        assert section.bottom_margin.mm == pytest.approx(20, abs=0.1)
        assert section.right_margin.mm == pytest.approx(10, abs=0.1)
        assert sorted([section.page_width.mm, section.page_height.mm]) == pytest.approx([210, 297], abs=0.2)

    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size.pt == 14
    assert normal.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert normal.paragraph_format.first_line_indent.cm == pytest.approx(1.25, abs=0.01)

    # Page numbers from the second page: the first page has its own, empty header.
    first, appendix = doc.sections
    assert first.different_first_page_header_footer
    assert not _has_page_field(first.first_page_header)
    assert first.first_page_header.paragraphs == [] or all(
        not p.text.strip() for p in first.first_page_header.paragraphs)
    assert _has_page_field(first.header)
    assert first.header.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    # The landscape appendix numbers its first page too.
    assert not appendix.different_first_page_header_footer
    assert not appendix.header.is_linked_to_previous  # its own header, not inherited
    assert _has_page_field(appendix.header)

    # Nothing but the document is left in the output folder (written atomically).
    assert [p.name for p in (tmp_path / "out").iterdir()] == [FILE_NAME]


def test_org_override(tmp_path):
    profile = load_profile("udmurt")
    override = tmp_path / "org.yaml"
    override.write_text(
        "signer_position: Исполняющий обязанности министра\n"
        "signer_name: И.И. Иванов\n"
        "city: г. Глазов\n"
        "procedure_order: {date: 2023-12-01, number: '15-п'}\n",
        encoding="utf-8",
    )
    profile.org = merge_org(profile.org, override)
    doc, _, _ = _write(tmp_path, _batch(tmp_path, profile))
    texts = _body_texts(doc)
    assert "Исполняющий обязанности министра\tИ.И. Иванов" in texts
    assert "г. Глазов" in texts and "г. Ижевск" not in texts
    joined = "\n".join(texts)
    assert "О.В. Лубнина" not in joined
    assert "от 1 декабря 2023 г. № 15-п, п р и к а з ы в а ю:" in joined


def test_empty_list_and_missing_values(tmp_path):
    batch = _batch(tmp_path)
    rows = batch.accepted_rows()
    path = tmp_path / "out" / FILE_NAME
    write_order(batch, rows.iloc[0:0], path)
    assert len(Document(str(path)).tables[-1].rows) == 2

    rows = rows.drop(columns=["kind"])
    rows.loc[0, "service"] = None
    rows.loc[1, "group"] = pd.NA
    write_order(batch, rows, path)
    table = Document(str(path)).tables[-1]
    assert [r.cells[5].text for r in table.rows[2:]] == ["", "", ""]
    assert table.rows[2].cells[2].text == "" and table.rows[3].cells[1].text == ""
    assert table.rows[4].cells[2].text == "Рассмотрение обращений граждан"


def test_missing_org_details(tmp_path):
    profile = load_profile("udmurt")
    profile.org = {k: v for k, v in profile.org.items() if k != "signer_name"}
    with pytest.raises(ProfileError, match="org.signer_name"):
        _write(tmp_path, _batch(tmp_path, profile))
    assert not (tmp_path / "out" / FILE_NAME).exists()


def test_bad_procedure_date(tmp_path):
    profile = load_profile("udmurt")
    profile.org = {**profile.org, "procedure_order": {"date": "третье июня", "number": "82"}}
    with pytest.raises(ProfileError, match="procedure_order.date"):
        _write(tmp_path, _batch(tmp_path, profile))


# --- what the document says of itself (issue 19) ------------------------------------------------

def test_an_incomplete_list_is_noted_on_the_first_page_and_in_the_properties(tmp_path):
    doc, _, _ = _write(tmp_path)  # file 2 («Управление В») is returned
    first = doc.paragraphs[0]
    assert first.text.startswith("ПРОЕКТ ПОДГОТОВЛЕН ПО НЕПОЛНОМУ СВОДНОМУ ПЕРЕЧНЮ (на 03.03.2025).")
    assert "Не включены перечни: Управление В (возвращен на доработку)." in first.text
    assert "удалите" in first.text
    # Visible: bold red in a box; removable: one paragraph, before the organisation's header.
    assert all(r.bold for r in first.runs) and str(first.runs[0].font.color.rgb) == "C00000"
    assert first._p.pPr.find(qn("w:pBdr")) is not None
    core = doc.core_properties
    assert "НЕПОЛНОМУ" in core.comments and "не включено перечней — 1" in core.comments
    assert "НЕПОЛНЫЙ" in core.subject and "неполный" in core.keywords


def test_a_complete_list_has_no_note(tmp_path):
    batch = _batch(tmp_path)
    batch.files[2].verdict = "skipped"  # not a list: the list is complete
    batch.subdivisions = [{"name": "Управление А", "status": "принят"}]
    doc, _, _ = _write(tmp_path, batch)
    assert not any("НЕПОЛН" in p.text for p in doc.paragraphs)
    assert "полный" in doc.core_properties.comments and "НЕПОЛН" not in doc.core_properties.subject


def test_missing_subdivisions_are_named_in_the_note(tmp_path):
    batch = _batch(tmp_path)
    batch.subdivisions = [{"name": "Отдел опеки", "status": "не представлен"}]
    doc, _, _ = _write(tmp_path, batch)
    assert "Не представили перечень: Отдел опеки." in doc.paragraphs[0].text


def test_document_properties_are_the_orders_own(tmp_path):
    import zipfile
    from datetime import datetime, timedelta, timezone

    doc, _, batch = _write(tmp_path)
    core = doc.core_properties
    org = batch.profile.org
    assert core.title == " ".join(org["order_title"].split())
    assert core.author == core.last_modified_by == org["name"]
    now = datetime.now(timezone.utc)
    assert abs(core.created.replace(tzinfo=timezone.utc) - now) < timedelta(minutes=5) and core.modified == core.created
    assert core.revision == 1 and core.language == "ru-RU"
    assert "python-docx" not in (core.comments or "")
    with zipfile.ZipFile(tmp_path / "out" / FILE_NAME) as z:
        names = z.namelist()
        app = z.read("docProps/app.xml").decode("utf-8")
        rels = z.read("_rels/.rels").decode("utf-8")
    assert not any("thumbnail" in n for n in names) and "thumbnail" not in rels
    assert "Microsoft" not in app and "<Application>consolidator</Application>" in app
    assert f"<Company>{org['name']}</Company>" in app


def test_no_word_of_the_list_is_broken_in_a_narrow_column(tmp_path):
    from docx.shared import Twips

    from consolidator.outputs.order import _CELL_PADDING_TWIPS, _DATA_CHAR_TWIPS

    batch = _batch(tmp_path)
    long = "Многофункциональный центр предоставления государственных и муниципальных услуг"
    batch.data.loc[0, "point"] = long
    doc, _, _ = _write(tmp_path, batch)
    table = doc.tables[-1]
    point = batch.profile.keys.index("point")
    width = table.rows[2].cells[point].width
    assert width >= Twips(len("Многофункциональный") * _DATA_CHAR_TWIPS + _CELL_PADDING_TWIPS)
    # The table still spans the text width exactly.
    section = doc.sections[-1]
    assert sum(c.width for c in table.rows[2].cells) <= section.page_width - section.left_margin - section.right_margin


def test_blanks_the_profile_cannot_fill_are_listed(tmp_path):
    from consolidator.outputs.order_blanks import order_blanks

    assert order_blanks(load_profile("udmurt")) == []
    gsn = order_blanks(load_profile("nso-gsn"), subdivisions=2)
    assert gsn == ["дата и номер приказа об утверждении Порядка", "фамилия и инициалы подписывающего приказ",
                   "фамилия и инициалы ответственного за контроль исполнения приказа",
                   "фамилии в листе согласования (строк: 3)"]
    org = tmp_path / "org.yaml"
    org.write_text("signer_name: И.И. Иванов\nprocedure_order: {date: 2024-05-01, number: '12'}\n", encoding="utf-8")
    filled = order_blanks(load_profile("nso-gsn", org), subdivisions=2)
    assert "фамилия и инициалы подписывающего приказ" not in filled and not filled[0].startswith("дата")
    assert order_blanks(load_profile("nso-minreg"))[0] == \
        "дата и номер приказа об утверждении Порядка (известен только год — 2024)"
