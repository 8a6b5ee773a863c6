"""The printable questionnaire (`consolidator survey template`): the form of the procedure's appendix on
one A4 page, with the codes in brackets by which the answers of a paper questionnaire are entered
(footnote 2 of the form) and a box to tick for every closed answer.

Block 1 (ministry, municipality, date), block 2: (21) with its answers, (22) as a table of the sources
by the three answers, (23) as a table of the resources by the scores 1–5 with room for the open answer
after a low score. Generated from the profile: a source the ministry adds appears in both tables.
The page layout is the orders' (outputs.order), in a smaller type so that the form fits one page.
"""
from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt, Twips

from consolidator.outputs.atomic import atomic_path
from consolidator.outputs.order import (TABLE_STYLE_NAME, _fixed_widths, _set_borders, _setup_section, _setup_styles,
                                        _text, _twips, _usable_width)
from consolidator.profile.schema import Profile

BODY_PT, TABLE_PT, NOTE_PT = 11, 10, 8
BOX = "☐"


def write_questionnaire(profile: Profile, path: Path) -> Path:
    survey = profile.survey
    doc = Document()
    _setup_styles(doc)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    normal.paragraph_format.first_line_indent = Pt(0)
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    doc.styles[TABLE_STYLE_NAME].font.size = Pt(TABLE_PT)
    section = doc.sections[0]
    _setup_section(section, landscape=False)
    section.top_margin = section.bottom_margin = Mm(12)
    width = _twips(_usable_width(section))

    _line(doc, "АНКЕТА", bold=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
    _line(doc, f"{survey.title}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=2)
    _line(doc, "Уважаемый участник опроса! Пожалуйста, ответьте на вопросы анкеты: отметьте ответ знаком «✓» или "
               "«✗» в квадрате, оценку — в клетке с баллом. Ваши ответы помогут ведомству сделать информацию о "
               "своей деятельности доступнее.", size=10, italic=True, after=4)

    by_block: dict[int, list] = {}
    for q in survey.questions:
        by_block.setdefault(q.block, []).append(q)
    titles = {1: "БЛОК 1. СТАТИСТИЧЕСКИЙ", 2: "БЛОК 2. ОЦЕНКА ДОСТУПНОСТИ, СОСТАВА И КАЧЕСТВА ИНФОРМАЦИИ"}
    for block, questions in sorted(by_block.items()):
        _line(doc, titles.get(block, f"БЛОК {block}"), bold=True, before=4, after=2)
        for q in questions:
            item = f"{q.item}. " if q.item else ""
            if q.per_source and q.type == "choice":
                _line(doc, f"{item}({q.code}) {q.text} (отметьте по каждой строке)", before=3, after=2, keep=True)
                _choice_table(doc, profile, q, width)
            elif q.per_source and q.type == "score":
                _line(doc, f"{item}({q.code}) {q.text} Оценка от {q.scale[0]} до {q.scale[1]}: {q.scale_text}.",
                      before=3, after=2, keep=True)
                _score_table(doc, profile, q, width)
            elif q.type == "choice" and block == 1 and len(profile.items(q.vocabulary)) == 1:
                _line(doc, f"{item}({q.code}) {profile.items(q.vocabulary)[0].value}")
            elif q.type == "choice" and len(profile.items(q.vocabulary)) <= 4:
                _line(doc, f"{item}({q.code}) {q.text}", before=3, keep=True)
                answers = "      ".join(f"{BOX} {i.numbers[0] + '. ' if i.numbers else ''}{i.value}"
                                       for i in profile.items(q.vocabulary))
                p = _line(doc, answers, after=2)
                p.paragraph_format.left_indent = Mm(8)
            else:
                _line(doc, f"{item}({q.code}) {'_' * 58}", before=4)
                p = _line(doc, f"({q.text})", size=NOTE_PT, italic=True)
                p.paragraph_format.left_indent = Mm(30)
    _line(doc, "Спасибо за участие в опросе!", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, before=6)
    if survey.footnote:
        p = _line(doc, f"Примечание. {survey.footnote}", size=NOTE_PT, italic=True, before=6)
        p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    doc.core_properties.title = "Анкета опроса"
    doc.core_properties.author = _text(profile.org.get("name", ""))
    doc.core_properties.language = "ru-RU"
    with atomic_path(Path(path)) as tmp:
        doc.save(str(tmp))
    return Path(path)


def _line(doc, text: str, *, bold: bool = False, italic: bool = False, size: float | None = None,
          align=None, before: float = 0, after: float = 0, keep: bool = False):
    p = doc.add_paragraph()
    run = p.add_run(_text(text))
    run.bold = bold or None
    run.italic = italic or None
    if size:
        run.font.size = Pt(size)
    pf = p.paragraph_format
    if align is not None:
        pf.alignment = align
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    pf.keep_with_next = keep or None
    return p


def _table(doc, widths: list[int], rows: list[list[str]], header_rows: int = 1, heights: list | None = None):
    table = doc.add_table(rows=len(rows), cols=len(widths))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _fixed_widths(table, widths)
    _set_borders(table, 'w:val="single" w:sz="4" w:space="0" w:color="000000"')
    for r, values in enumerate(rows):
        row = table.rows[r]
        if heights and heights[r]:
            row.height = heights[r]
        for c, (cell, value) in enumerate(zip(row.cells, values)):
            cell.width = Twips(widths[c])
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            p = cell.paragraphs[0]
            p.style = doc.styles[TABLE_STYLE_NAME]
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT if c == 1 and r >= header_rows else WD_ALIGN_PARAGRAPH.CENTER
            run = p.add_run(_text(value))
            run.bold = r < header_rows or None
            if value == BOX:
                run.font.size = Pt(13)
    return table


def _choice_table(doc, profile: Profile, q, width: int) -> None:
    survey = profile.survey
    items = profile.items(q.vocabulary)
    code_w, answer_w = 1000, 1750
    name_w = width - code_w - answer_w * len(items)
    header = ["Код", "Источник информации",
              *[f"{i.numbers[0] + '. ' if i.numbers else ''}{i.value}" for i in items]]
    rows = [header] + [[f"({survey.code(q, s)})", s.name, *[BOX] * len(items)] for s in survey.sources]
    _table(doc, [code_w, name_w, *[answer_w] * len(items)], rows)


def _score_table(doc, profile: Profile, q, width: int) -> None:
    survey = profile.survey
    lo, hi = q.scale
    code_w, score_w = 1000, 440
    scores = list(range(lo, hi + 1))
    name_w = 3200
    open_w = width - code_w - name_w - score_w * len(scores)
    low = ", ".join(map(str, q.open.low)) if q.open else ""
    header = ["Код", "Ресурс", *map(str, scores)] + ([f"Если оценка {low}: {q.open.text} Впишите."] if q.open else [])
    rows = [header] + [[f"({survey.code(q, s)})", s.name, *[""] * len(scores)] + ([""] if q.open else [])
                       for s in survey.sources]
    widths = [code_w, name_w, *[score_w] * len(scores)] + ([open_w] if q.open else [])
    _table(doc, widths, rows, heights=[None] + [Mm(15)] * len(survey.sources))
