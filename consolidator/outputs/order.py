"""The draft approval order («Проект приказа.docx») for the consolidated list.

The order follows the organisation's own orders (header blank, ПРИКАЗ, date and number blanks,
city, title, preamble ending in «п р и к а з ы в а ю:», numbered points, signature) and the layout
of ГОСТ Р 7.0.97-2025: A4, margins 20/10/20/20 mm (left/right/top/bottom), Times New Roman 14 pt,
justified text with a 1.25 cm first-line indent, page numbers centred at the top from the second
page. The consolidated list is the appendix, on a landscape section, with the approval stamp at
the top right and the form's table (header rows repeated on every page).

Every organisation detail comes from the profile's `org` section; every table value is written as
literal text. python-docx builds all but the list's rows, which are streamed into the saved package
in chunks (`docx_stream`): a list of any length costs the memory of one chunk.

The rows come as a DataFrame or as plain columns (`model.as_columns`): this module does not import
pandas, so the second process that writes the order during a run does not spend its time on it.
"""
from __future__ import annotations

import io
import re
from array import array
from datetime import date, datetime, timezone
from itertools import chain, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, NamedTuple, Sequence
from xml.sax.saxutils import escape

from babel.dates import format_date
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor, Twips
from lxml import etree

from consolidator.model import Batch, Coded, Columns, as_columns, row_count
from consolidator.ooxml.docx_stream import placeholder, write_streamed
from consolidator.outputs.atomic import atomic_path
from consolidator.outputs.order_pages import (BORDER_TWIPS, PAGE_MARGIN_TWIPS, PAGED_FROM_ROWS, Measure,
                                              page_starts, row_heights)
from consolidator.profile.schema import Profile, ProfileError

if TYPE_CHECKING:
    import pandas as pd

FILE_NAME = "Проект приказа.docx"

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 12
FOOTNOTE_PT = 10
PAGE_NUMBER_PT = 12
FIRST_LINE_INDENT = Mm(12.5)
# ГОСТ Р 7.0.97-2025, п. 5.2: left, top and bottom margins 20 mm, right margin at least 10 mm.
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = Mm(20), Mm(10), Mm(20), Mm(20)
HEADER_DISTANCE = Mm(10)
A4_SHORT, A4_LONG = Mm(210), Mm(297)
STAMP_WIDTH = Mm(100)
# An average 12 pt Times New Roman letter (about 0.55 em) and the cells' left + right padding.
_CHAR_TWIPS, _CELL_PADDING_TWIPS = 135, 260
TABLE_STYLE_ID, TABLE_STYLE_NAME = "ConsolidatorTableText", "Текст таблицы"

DATE_BLANK = "«___» ________ 20__ г."
NUMBER_BLANK = "№ ___"

REQUIRED_ORG_KEYS = (
    "header_lines", "city", "genitive", "procedure_order", "authorised_unit", "placement",
    "control_position_accusative", "control_name_accusative", "signer_position", "signer_name",
    "order_title", "list_title",
)
# Needed only when the signer does not keep control himself (org.control_own).
CONTROL_KEYS = ("control_position_accusative", "control_name_accusative")

# Characters XML 1.0 cannot hold.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# «№ 82», «п. 18», «пп. 1», «ст. 5», «2024 г.»: the space after the sign or before «г.» is a no-break one.
_NO_BREAK = re.compile(r"(?<=№) (?=\S)|(?<=\bп\.) (?=\d)|(?<=\bпп\.) (?=\d)|(?<=\bст\.) (?=\d)"
                       r"|(?<=\d) (?=г\.)")

# The Порядок's name starts with its kind; the preamble cites it in the instrumental case
# («в соответствии с Порядком ...»).
_INSTRUMENTAL = {
    "порядок": "Порядком", "положение": "Положением", "регламент": "Регламентом",
    "правила": "Правилами", "методика": "Методикой", "инструкция": "Инструкцией",
    "стандарт": "Стандартом",
}


# From this many rows the list's XML is expected past the 2 GiB of a plain zip entry (about 2,100 bytes a
# row of a region's texts: 2 GiB at a million rows), and the part is begun as a ZIP64 entry. A shorter
# list with longer texts is still written again as one when it passes the limit.
ZIP64_FROM_ROWS = 800_000


def write_order(batch: Batch, rows: pd.DataFrame | Columns, path: Path) -> None:
    """Write the draft order approving the consolidated list `rows` (as from
    `Batch.accepted_rows()`, or its `as_columns`: one column per profile column key) to `path`."""
    profile = batch.profile
    rows = as_columns(rows)
    org = profile.org
    _check_org(profile)

    doc = Document()
    _setup_styles(doc)
    first = doc.sections[0]
    _setup_section(first, landscape=False)
    first.different_first_page_header_footer = True
    first.first_page_header.is_linked_to_previous = False  # an empty header: no number on page 1
    _page_number_header(first)

    note = incomplete_note(batch)
    if note:
        _note_paragraph(doc, note)
    _org_header(doc, org)
    _order_heading(doc, org)
    _order_text(doc, profile)
    _signature(doc, org, _usable_width(first))
    # The approval sheet of a profile that has one (000 п. 3.4, 002 п. 4.3) is for changes to the
    # approved list: it goes with the order that amends it (outputs.amendment_order), not here.

    appendix = doc.add_section(WD_SECTION.NEW_PAGE)
    _setup_section(appendix, landscape=True)
    appendix.different_first_page_header_footer = False
    _page_number_header(appendix)
    width = _usable_width(appendix)
    above = _stamp(doc, org, width) + _title(doc, org["list_title"], width)
    table = _list_table(doc, profile, width, rows, _usable_height(appendix), above)
    _footnotes(doc, profile)

    _properties(doc, batch, note)
    package = io.BytesIO()
    doc.save(package)
    with atomic_path(path) as tmp:
        write_streamed(package.getvalue(), tmp, "word/document.xml", _ROWS,
                       lambda: _table_rows(profile, rows, table), zip64=row_count(rows) >= ZIP64_FROM_ROWS)


# --- values ---------------------------------------------------------------------------------------

def _text(value: object) -> str:
    """A value as literal text: None and NaN are empty, whole floats lose their ".0", characters
    XML cannot hold are dropped. Nothing is ever evaluated."""
    if isinstance(value, str):
        return _XML_ILLEGAL.sub("", value)
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer():
            value = int(value)
    return _XML_ILLEGAL.sub("", str(value))


def _one_line(value: object) -> str:
    """An org detail from YAML (folded strings may carry line breaks) as a single line, with
    no-break spaces where a line must not break: «№ 82», «п. 18», «2024 г.»."""
    return _NO_BREAK.sub("\u00a0", " ".join(_text(value).split()))


def _sentence(text: str) -> str:
    """Text ending in exactly one full stop («Абашеву Е.А.» does not become «Е.А..»)."""
    text = text.rstrip(" ;,")
    return text if text.endswith((".", "!", "?")) else text + "."


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _decapitalise(text: str) -> str:
    """«Сводный перечень» -> «сводный перечень», but abbreviations («ГИС ...») stay as they are."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _date_in_words(value: object) -> str:
    """«3 июня 2024 г.» from a date, an ISO date or «03.06.2024»."""
    d: date | None = None
    if isinstance(value, datetime):
        d = value.date()
    elif isinstance(value, date):
        d = value
    elif isinstance(value, str):
        s = value.strip()
        for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
            try:
                d = datetime.strptime(s, fmt).date()
                break
            except ValueError:
                pass
    if d is None:
        raise ProfileError(
            f"Реквизит «org.procedure_order.date» = «{value}»: ожидается дата в виде ГГГГ-ММ-ДД "
            f"или ДД.ММ.ГГГГ."
        )
    return format_date(d, "d MMMM y", locale="ru") + " г."


def _procedure_instrumental(title: str) -> str:
    head, _, rest = title.partition(" ")
    word = _INSTRUMENTAL.get(head.lower())
    if word is None:
        return f"документом «{title}»"
    return f"{word} {rest}".strip()


def _check_org(profile: Profile) -> None:
    org = profile.org
    missing = [k for k in REQUIRED_ORG_KEYS if not org.get(k) and not (org.get("control_own") and k in CONTROL_KEYS)]
    po = org.get("procedure_order")
    if isinstance(po, dict):
        # Both keys must be there; a blank (null) one is printed as a blank to fill in by hand: a
        # procedure whose approving order's date or number is not known yet.
        missing += [f"procedure_order.{k}" for k in ("date", "number") if k not in po]
    elif po:
        raise ProfileError(f"{profile.source}: «org.procedure_order» должен содержать date и number.")
    _check_approval_sheet(profile)
    if missing:
        raise ProfileError(
            f"{profile.source}: для проекта приказа не хватает реквизитов организации: "
            + ", ".join(f"org.{k}" for k in missing)
            + ". Добавьте их в профиль или в файл реквизитов (--org)."
        )


# --- layout ---------------------------------------------------------------------------------------

def _set_fonts(rpr, size_pt: int | None = None) -> None:
    """Times New Roman for every script (Cyrillic included, theme fonts dropped) and Russian as the
    language, on a w:rPr element."""
    fonts = rpr.get_or_add_rFonts()
    for attr in list(fonts.attrib):
        if attr.endswith("Theme") or attr.endswith("theme"):
            del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    if size_pt:
        rpr.sz_val = Pt(size_pt)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = parse_xml(f'<w:lang {nsdecls("w")}/>')
        rpr.insert_element_before(lang, "w:eastAsianLayout", "w:specVanish", "w:oMath")
    lang.set(qn("w:val"), "ru-RU")
    lang.set(qn("w:eastAsia"), "ru-RU")
    lang.set(qn("w:bidi"), "ar-SA")


def _setup_styles(doc) -> None:
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    default_rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")) if defaults is not None else None
    if default_rpr is not None:
        _set_fonts(default_rpr)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    _set_fonts(normal.element.get_or_add_rPr(), BODY_PT)
    pf = normal.paragraph_format
    pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    pf.first_line_indent = FIRST_LINE_INDENT
    pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.widow_control = True

    table_text = doc.styles.add_style(TABLE_STYLE_NAME, WD_STYLE_TYPE.PARAGRAPH)
    table_text.style_id = TABLE_STYLE_ID
    table_text.base_style = normal
    table_text.font.size = Pt(TABLE_PT)
    tf = table_text.paragraph_format
    tf.alignment = WD_ALIGN_PARAGRAPH.LEFT
    tf.first_line_indent = Pt(0)
    tf.left_indent = Pt(0)
    tf.right_indent = Pt(0)

    header = doc.styles["Header"]
    header.font.size = Pt(PAGE_NUMBER_PT)
    hf = header.paragraph_format
    hf.alignment = WD_ALIGN_PARAGRAPH.CENTER
    hf.first_line_indent = Pt(0)


def _setup_section(section, landscape: bool) -> None:
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = A4_LONG, A4_SHORT
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = A4_SHORT, A4_LONG
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.header_distance = HEADER_DISTANCE
    section.footer_distance = HEADER_DISTANCE
    section.gutter = 0


def _usable_width(section) -> Twips:
    """The text width, rounded down to whole twips (so a right tab stop never passes the margin)."""
    return Twips(_twips(section.page_width - section.left_margin - section.right_margin))


def _usable_height(section) -> int:
    """The text height in twips (the page number sits in the top margin)."""
    return _twips(section.page_height - section.top_margin - section.bottom_margin)


def _twips(emu: int) -> int:
    return int(emu) // int(Twips(1))


def _page_number_header(section) -> None:
    """The section's own header: the page number, centred (a PAGE field)."""
    header = section.header
    header.is_linked_to_previous = False
    p = header.paragraphs[0]
    for child in list(p._p):
        if child.tag != qn("w:pPr"):
            p._p.remove(child)
    p.style = "Header"
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.first_line_indent = Pt(0)
    for xml in (
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>',
        f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>',
        f'<w:r {nsdecls("w")}><w:t>2</w:t></w:r>',
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>',
    ):
        p._p.append(parse_xml(xml))


def _paragraph(doc, text: str = "", *, align=None, indent: bool = True, bold: bool = False,
               size: int | None = None, space_before=None, space_after=None, keep_next: bool = False):
    p = doc.add_paragraph()
    if text:
        run = p.add_run(_text(text))
        run.bold = bold or None
        if size:
            run.font.size = Pt(size)
    pf = p.paragraph_format
    if align is not None:
        pf.alignment = align
    if not indent:
        pf.first_line_indent = Pt(0)
    if space_before is not None:
        pf.space_before = space_before
    if space_after is not None:
        pf.space_after = space_after
    if keep_next:
        pf.keep_with_next = True
    return p


def _centred(doc, text: str, **kw):
    return _paragraph(doc, _one_line(text), align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, **kw)


def _set_borders(table, xml_attrs: str) -> None:
    """All six table borders set to `xml_attrs`, in schema order within w:tblPr (Word rejects a
    file whose w:tblBorders stands after w:tblLook)."""
    tbl_pr = table._tbl.tblPr
    for old in tbl_pr.findall(qn("w:tblBorders")):
        tbl_pr.remove(old)
    sides = "".join(f"<w:{s} {xml_attrs}/>" for s in ("top", "left", "bottom", "right", "insideH", "insideV"))
    borders = parse_xml(f'<w:tblBorders {nsdecls("w")}>{sides}</w:tblBorders>')
    tbl_pr.insert_element_before(
        borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption",
        "w:tblDescription", "w:tblPrChange")


_TBLPR_AFTER_TBLW = ("w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd", "w:tblLayout",
                     "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")


def _borderless(table) -> None:
    _set_borders(table, 'w:val="nil"')


def _fixed_widths(table, widths: list[int]) -> None:
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = parse_xml(f'<w:tblW {nsdecls("w")}/>')
        tbl_pr.insert_element_before(tbl_w, *_TBLPR_AFTER_TBLW)
    tbl_w.set(qn("w:w"), str(sum(widths)))
    tbl_w.set(qn("w:type"), "dxa")
    for col, w in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths):
        col.set(qn("w:w"), str(w))


# --- the order ------------------------------------------------------------------------------------

def _header_blocks(org: dict) -> list[list[str]]:
    lines = org["header_lines"]
    if isinstance(lines, str):
        lines = [lines]
    if all(isinstance(x, str) for x in lines):
        return [[_one_line(x) for x in lines]]
    return [[_one_line(x) for x in (block if isinstance(block, list) else [block])] for block in lines]


def _org_header(doc, org: dict) -> None:
    """The organisation's name: one centred block, or blocks side by side (Russian and the
    republic's state language) in a borderless table."""
    blocks = _header_blocks(org)
    if len(blocks) == 1:
        p = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
        _add_lines(p, blocks[0], bold=True)
        return
    width = _twips(_usable_width(doc.sections[-1]))
    table = doc.add_table(rows=1, cols=len(blocks))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _borderless(table)
    col_w = int(width / len(blocks))
    _fixed_widths(table, [col_w] * len(blocks))
    for cell, block in zip(table.rows[0].cells, blocks):
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.first_line_indent = Pt(0)
        _add_lines(p, block, bold=True)


def _add_lines(p, lines: list[str], bold: bool = False) -> None:
    for i, line in enumerate(lines):
        run = p.add_run(_text(line))
        run.bold = bold or None
        if i < len(lines) - 1:
            run.add_break()


def _order_heading(doc, org: dict, title: str | None = None) -> None:
    """ПРИКАЗ, the date and number blanks, the city and the order's title (`title`, or the approval
    order's own: org.order_title)."""
    # org.order_heading: the word as the organisation's blank prints it («П Р И К А З»).
    _centred(doc, org.get("order_heading") or "ПРИКАЗ", bold=True, size=16, space_before=Pt(18),
             space_after=Pt(12))
    width = _usable_width(doc.sections[-1])
    p = _paragraph(doc, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT)
    p.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    p.add_run(f"{DATE_BLANK}\t{NUMBER_BLANK}")
    _centred(doc, org["city"], space_before=Pt(6), space_after=Pt(18))
    _centred(doc, title or org["order_title"], bold=True, space_after=Pt(18))


def _preamble(doc, profile: Profile) -> None:
    """«В соответствии с Порядком …, утвержденным приказом … от … № …, п р и к а з ы в а ю:»."""
    org = profile.org
    po = org["procedure_order"]
    genitive = _one_line(org["genitive"])
    procedure = _procedure_instrumental(_one_line(profile.procedure_title))
    short = _one_line(profile.procedure_short)
    preamble = (
        f"В соответствии с {procedure} (далее – {short}), утвержденным приказом {genitive} "
        f"от {_procedure_order_date(po)} №\u00a0{_one_line(po['number']) if _filled(po['number']) else '___'},"
    )
    if org.get("submission"):  # «по представлению руководителя рабочей группы» (Свердловская область, п. 13)
        preamble += f" {_one_line(org['submission'])}"
    # org.order_verb / order_verb_own_line: «ПРИКАЗЫВАЮ:» on a line of its own, as some organisations
    # write it; by default «п р и к а з ы в а ю:» ends the preamble.
    verb = _one_line(org.get("order_verb") or "п р и к а з ы в а ю:")
    if re.fullmatch(r"(\w ){3,}\w+:?", verb):
        verb = verb.replace(" ", "\u00a0")  # a letter-spaced word must not break across lines
    if org.get("order_verb_own_line"):
        _paragraph(doc, preamble)
        _paragraph(doc, verb, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT, space_before=Pt(6), space_after=Pt(6))
    else:
        _paragraph(doc, f"{preamble} {verb}")


def _placing(org: dict) -> str:
    """«Управлению … разместить» (org.authorised_unit_dative), or «Управление … размещает»."""
    unit_dative = org.get("authorised_unit_dative")
    if unit_dative:
        return f"{_capitalise(_one_line(unit_dative))} разместить"
    return f"{_capitalise(_one_line(org['authorised_unit']))} размещает"


def _control(org: dict) -> str:
    """The last point: control given to a deputy, or kept by the signer (org.control_own)."""
    if org.get("control_own"):
        return "Контроль за исполнением настоящего приказа оставляю за собой"
    return (f"Контроль за исполнением настоящего приказа возложить на "
            f"{_one_line(org['control_position_accusative'])} {_one_line(org['control_name_accusative'])}")


def _points(doc, points: list[str]) -> None:
    for n, text in enumerate(points, 1):
        # The last point keeps the signature company: a signature never stands alone on a page.
        _paragraph(doc, f"{n}. {_sentence(text)}", keep_next=n == len(points))


def _order_text(doc, profile: Profile) -> None:
    org = profile.org
    _preamble(doc, profile)
    _points(doc, [
        f"Утвердить прилагаемый {_decapitalise(_one_line(org['list_title']))}",
        f"{_placing(org)} сводный перечень, утвержденный пунктом 1 настоящего приказа, "
        f"{_one_line(org['placement'])}",
        _control(org),
    ])


def _signature(doc, org: dict, width: int) -> None:
    """Position on the left, name on the right on the position's last line (a right tab stop)."""
    p = _paragraph(doc, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT, space_before=Pt(42))
    p.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    p.paragraph_format.keep_together = True
    lines = [_one_line(x) for x in _text(org["signer_position"]).splitlines() if x.strip()]
    _add_lines(p, lines or [""])
    p.add_run("\t" + _one_line(org["signer_name"]))


# --- the appendix ---------------------------------------------------------------------------------

def _stamp(doc, org: dict, width: int, lines: list[str] | None = None) -> int:
    """«УТВЕРЖДЕН» (or `lines`) at the top right: a block of STAMP_WIDTH at the right margin, lines
    flush left. Returns its height in twips."""
    indent = max(0, width - STAMP_WIDTH)
    lines = lines or [
        "УТВЕРЖДЕН",
        f"приказом {_one_line(org['genitive'])}",
        f"от {DATE_BLANK} {NUMBER_BLANK}",
    ]
    measure = Measure(BODY_PT)
    height = 0
    for line in lines:
        p = _paragraph(doc, line, align=WD_ALIGN_PARAGRAPH.LEFT, indent=False)
        p.paragraph_format.left_indent = indent
        height += measure.height(p.text, _twips(width - indent))
    return height


def _title(doc, text: str, width: int) -> int:
    """The list's title, centred and bold, 12 pt apart from what is above and below; returns its
    height in twips."""
    p = _centred(doc, text, bold=True, space_before=Pt(12), space_after=Pt(12))
    return Measure(BODY_PT, bold=True).height(p.text, _twips(width)) + 2 * 240


def _column_widths(profile: Profile, width: int, rows: Columns | None = None) -> list[int]:
    """Twips per column, proportional to the profile's widths and summing to the usable width,
    but never so narrow that a word of the header or of the list breaks mid-word («взаимодействи-я»,
    «Многофункциональн-ый»); a word longer than a third of the width may still break."""
    twips = _twips(width)
    weights = [max(c.width, 1) for c in profile.columns]
    words = _longest_words(profile, rows) if rows is not None else {}
    minimum = [_min_width(profile.header(c.key)) for c in profile.columns]
    with_words = [max(m, min(twips // 3, words.get(c.key, 0) * _DATA_CHAR_TWIPS + _CELL_PADDING_TWIPS))
                  for m, c in zip(minimum, profile.columns)]
    if sum(with_words) <= twips:  # else the list's words cannot all fit: the headers' still do
        minimum = with_words
    fixed: dict[int, int] = {}
    while True:
        free = [i for i in range(len(weights)) if i not in fixed]
        room = twips - sum(fixed.values())
        total = sum(weights[i] for i in free) or 1
        out = {i: room * weights[i] // total for i in free}
        narrow = [i for i in free if out[i] < minimum[i]]
        if not narrow or len(narrow) == len(free):
            break
        for i in narrow:
            fixed[i] = minimum[i]
    widths = [fixed.get(i, out.get(i, 0)) for i in range(len(weights))]
    widths[-1] += twips - sum(widths)
    return widths


# A list's words are measured a little wider than a header's: a long word of many wide letters
# («Многофункциональный») must still fit.
_DATA_CHAR_TWIPS = 150


_LETTER_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def _longest_words(profile: Profile, rows: Columns) -> dict[str, int]:
    """The length of the longest word of each column's values (each distinct value looked at once).
    Words of letters only: an address or a link may break anywhere, and Word breaks it at «/» anyway."""
    out = {}
    for key in profile.keys:
        values = rows.get(key)
        if not values:
            continue
        if isinstance(values, range):  # a column numbered 1..N (coded_columns): no words
            out[key] = 0
            continue
        try:
            # A coded column names its distinct values (a set of a region's 420,000 numbers took 34 MiB).
            distinct = values.values if isinstance(values, Coded) else set(values)
        except TypeError:  # an unhashable value
            distinct = values
        out[key] = max((len(w) for v in distinct if isinstance(v, str) for w in _LETTER_WORD.findall(v)),
                       default=0)
    return out


def _min_width(header: str) -> int:
    """Twips a column needs for its longest header word at 12 pt (short headers on one line)."""
    words = [header] if len(header) <= 6 else header.split()
    longest = max((len(w) for w in words), default=1)
    return longest * _CHAR_TWIPS + _CELL_PADDING_TWIPS


def _cell_open(width: int, align: str, valign: str = "top") -> str:
    """A table cell up to where its run goes: width, vertical and horizontal alignment."""
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="{valign}"/></w:tcPr>'
        f'<w:p><w:pPr><w:pStyle w:val="{TABLE_STYLE_ID}"/><w:jc w:val="{align}"/></w:pPr>'
    )


_CELL_CLOSE = "</w:p></w:tc>"


def _run_xml(text: str) -> str:
    """A literal text run (XML-escaped; line breaks and tabs kept); `text` is already free of
    XML-illegal characters."""
    if not text:
        return ""
    if "\n" not in text and "\r" not in text and "\t" not in text:
        return f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'
    parts = []
    for i, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")):
        if i:
            parts.append("<w:br/>")
        for j, chunk in enumerate(line.split("\t")):
            if j:
                parts.append("<w:tab/>")
            if chunk:
                parts.append(f'<w:t xml:space="preserve">{escape(chunk)}</w:t>')
    return f"<w:r>{''.join(parts)}</w:r>"


# The list's rows are not in python-docx's tree: the table holds its two header rows and this
# placeholder, which docx_stream replaces with the rows, generated as XML in chunks of _CHUNK_ROWS.
# python-docx's add_row() costs about a millisecond a row, and even a tree parsed from XML costs
# 0.1 ms and 23 KB a row to parse and serialise: 10 GB for a list of 420,000 rows.
_ROWS = "list-rows"
_CHUNK_ROWS = 2000
_CACHE_SIZE = 4096  # texts remembered per column (see _Cells)
_ROW_OPEN, _ROW_CLOSE = "<w:tr><w:trPr><w:cantSplit/></w:trPr>", "</w:tr>"


class ListTable(NamedTuple):
    """The list's table as `_list_table` set it up, for `_table_rows`."""
    widths: list[int]
    opening: str  # the table's XML up to its first row of data: properties, grid, header rows
    rooms: tuple[int, int] | None  # twips for rows on the first page and on the others (order_pages)


def _list_table(doc, profile: Profile, width: int, rows: Columns | None = None, page_height: int | None = None,
                above: int = 0) -> ListTable:
    """The consolidated list: the form's header row and the column-number row (both repeated on
    every page), then the placeholder for the rows (`_table_rows`). With `page_height` (the section's
    text height in twips; `above`: what the first page holds above the table), a long list is laid
    out one table a page (order_pages)."""
    keys = profile.keys
    widths = _column_widths(profile, width, rows)
    table = doc.add_table(rows=0, cols=len(keys))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _fixed_widths(table, widths)
    _set_borders(table, 'w:val="single" w:sz="4" w:space="0" w:color="000000"')
    tbl = table._tbl

    header_tr = "<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{}</w:tr>"
    head_open = [_cell_open(w, "center", "center") for w in widths]
    parts = [
        header_tr.format("".join(
            o + _run_xml(_one_line(profile.column(k).header)) + _CELL_CLOSE
            for o, k in zip(head_open, keys))),
        header_tr.format("".join(
            o + _run_xml(str(n)) + _CELL_CLOSE for n, o in enumerate(head_open, 1))),
    ]
    opening = ("<w:tbl>" + _NS_DECLARATION.sub("", etree.tostring(tbl.tblPr, encoding=str))
               + _NS_DECLARATION.sub("", etree.tostring(tbl.tblGrid, encoding=str)) + "".join(parts))
    fragment = parse_xml(f'<w:tbl {nsdecls("w")}>{"".join(parts)}</w:tbl>')
    tbl.extend(list(fragment))
    tbl.append(etree.Comment(placeholder(_ROWS)))
    rooms = None
    if page_height is not None:
        measure = Measure(TABLE_PT)
        headers = [[_one_line(profile.column(k).header)] for k in keys]
        header = row_heights(headers, widths, measure)[0] + measure.line + BORDER_TWIPS
        room = page_height - header - PAGE_MARGIN_TWIPS
        rooms = (room - above, room - _PAGE_BREAK_TWIPS)
    return ListTable(widths, opening, rooms)


_NS_DECLARATION = re.compile(r' xmlns:\w+="[^"]*"')
# Between two pages' tables: an empty paragraph one point high that begins the next page (two
# tables without a paragraph between them would be read as one).
_PAGE_BREAK = ('<w:p><w:pPr><w:pageBreakBefore/><w:spacing w:before="0" w:after="0" w:line="20" '
               'w:lineRule="exact"/><w:ind w:firstLine="0"/><w:rPr><w:sz w:val="2"/></w:rPr></w:pPr></w:p>')
_PAGE_BREAK_TWIPS = 20


def _table_rows(profile: Profile, rows: pd.DataFrame | Columns, table: ListTable) -> Iterator[bytes]:
    """Every row of `rows` (one column per profile column key; a missing column is empty) as the
    table's XML in UTF-8, in chunks of _CHUNK_ROWS rows: memory does not grow with the list. A list
    of PAGED_FROM_ROWS rows or more (with the table's page rooms) is one table a page."""
    keys, widths = profile.keys, table.widths
    # Numbers and the closed-vocabulary column are centred, free text is flush left.
    # (the kind column only where it is a closed list: free text there is flush left).
    closed = any(r.check == "in_vocabulary" and r.column == profile.kind_column for r in profile.rules)
    centred = {profile.number_column, *([profile.kind_column] if closed else [])}
    opens = [_cell_open(w, "center" if k in centred else "left") for k, w in zip(keys, widths)]
    rows = as_columns(rows)
    n = row_count(rows)
    columns = [(rows.get(k), _Cells(o)) for k, o in zip(keys, opens)]
    row_open, row_close = _ROW_OPEN.encode(), _ROW_CLOSE.encode()
    starts = _page_starts(rows, n, keys, table) if table.rooms is not None and n >= PAGED_FROM_ROWS else []
    between = ("</w:tbl>" + _PAGE_BREAK + table.opening).encode()
    next_page = 0  # index into starts
    for start in range(0, n, _CHUNK_ROWS):
        stop = min(start + _CHUNK_ROWS, n)
        cells = [cache.convert(col[start:stop]) if col is not None
                 else [cache.empty] * (stop - start) for col, cache in columns]
        if next_page == len(starts) or starts[next_page] >= stop:
            yield b"".join(chain.from_iterable(zip(repeat(row_open), *cells, repeat(row_close))))
            continue
        out = []
        for i, row in enumerate(zip(*cells), start):
            if next_page < len(starts) and starts[next_page] == i:
                out.append(between)
                next_page += 1
            out.extend((row_open, *row, row_close))
        yield b"".join(out)


def _page_starts(rows: Columns, n: int, keys: Sequence[str], table: ListTable) -> list[int]:
    """The rows that begin a new page's table (order_pages)."""
    measure = Measure(TABLE_PT)
    heights = array("q", bytes(8 * n))  # not a list: 420,000 rows' heights as Python ints took 16 MiB
    caches = [_Texts() for _ in keys]
    for start in range(0, n, _CHUNK_ROWS):
        stop = min(start + _CHUNK_ROWS, n)
        texts = [cache.convert(rows[k][start:stop]) if rows.get(k) is not None else [""] * (stop - start)
                 for k, cache in zip(keys, caches)]
        heights[start:stop] = array("q", row_heights(texts, table.widths, measure))
    first, other = table.rooms
    return page_starts(heights, first, other)


class _ByValue(dict):
    """One column's values converted (`__missing__`) by value: a text met before (a group, a kind, a
    service) is converted once; the cache is emptied when it grows past _CACHE_SIZE, so it stays
    bounded. Only texts are kept: 1, 1.0 and True are equal keys but "1", "1" and "True" as text."""

    def convert(self, values: list) -> list:
        if len(self) > _CACHE_SIZE:
            self.clear()
        try:
            return list(map(self.__getitem__, values))
        except TypeError:  # an unhashable value: converted one by one
            return [self.__missing__(v) for v in values]


class _Texts(_ByValue):
    """One column's values as text (_text), for measuring them."""

    def __missing__(self, value: object) -> str:
        text = _text(value)
        if type(value) is str:
            self[value] = text
        return text


class _Cells(_ByValue):
    """One column's cells as UTF-8 XML."""

    def __init__(self, cell_open: str):
        super().__init__()
        self.cell_open = cell_open
        self.empty = (cell_open + _CELL_CLOSE).encode()

    def __missing__(self, value: object) -> bytes:
        if type(value) is int:  # the renumbered number column: digits need no escaping
            run = f'<w:r><w:t xml:space="preserve">{value}</w:t></w:r>'
        else:
            run = _run_xml(_text(value))
        xml = (self.cell_open + run + _CELL_CLOSE).encode()
        if type(value) is str:
            self[value] = xml
        return xml


def _footnotes(doc, profile: Profile) -> None:
    for i, note in enumerate(profile.footnotes):
        _paragraph(doc, _one_line(note), size=FOOTNOTE_PT, indent=False,
                   space_before=Pt(6) if i == 0 else None)


# --- blanks for the approving order of the procedure ----------------------------------------------

def _filled(value: object) -> bool:
    return value is not None and str(value).strip() != ""


def _procedure_order_date(po: dict) -> str:
    """The date of the order that approved the procedure in words, or a blank to fill in by hand
    (««___» ________ 2024 г.» when only the year is known: `procedure_order.year`)."""
    if _filled(po.get("date")):
        return _one_line(_date_in_words(po["date"]))
    year = po.get("year")
    return _one_line(f"«___» ________ {year} г." if _filled(year) else DATE_BLANK)


# --- the approval sheet (лист согласования) ---------------------------------------------------------
# org.approval_sheet: a list of {position, name}; an entry with `each_subdivision: true` becomes one
# line per subdivision in the consolidated list, «{subdivision}» in its position replaced by the
# subdivision's name. Printed on its own page after the signature as a table: position, signature,
# name, date. A profile without it gets no sheet.

APPROVAL_TITLE = "ЛИСТ СОГЛАСОВАНИЯ"
APPROVAL_HEADERS = ("Должность", "Подпись", "Фамилия, инициалы", "Дата")
APPROVAL_SHARES = (46, 18, 22, 14)  # per cent of the text width
APPROVAL_ROW_HEIGHT = Mm(14)  # room to sign


def _check_approval_sheet(profile: Profile) -> None:
    sheet = profile.org.get("approval_sheet")
    if sheet is None:
        return
    if not isinstance(sheet, list) or not all(isinstance(e, dict) and _filled(e.get("position")) for e in sheet):
        raise ProfileError(
            f"{profile.source}: «org.approval_sheet» должен быть списком строк вида "
            f"{{position: должность, name: фамилия и инициалы}}; должность обязательна."
        )


def approval_lines(profile: Profile, rows: pd.DataFrame | Columns) -> list[tuple[str, str]]:
    """(position, name) of every line of the approval sheet, in the profile's order."""
    entries = profile.org.get("approval_sheet") or []
    rows = as_columns(rows)
    subdivisions = []
    if "subdivision" in rows and any(e.get("each_subdivision") for e in entries):
        # In the order of first appearance (the list's order).
        subdivisions = [s for s in dict.fromkeys(rows["subdivision"]) if isinstance(s, str) and s]
    out = []
    for entry in entries:
        position = _one_line(entry["position"])
        name = _one_line(entry.get("name") or "")
        if entry.get("each_subdivision"):
            for sub in subdivisions or ["_" * 20]:
                out.append((position.replace("{subdivision}", _one_line(sub)), name))
        else:
            out.append((position, name))
    return out


def _approval_sheet(doc, profile: Profile, rows: Columns, width: int, order_title: str | None = None,
                    new_page: bool = True) -> None:
    """The approval sheet: a table of position, signature, name and date for everyone who agrees the
    draft (`order_title`: the draft's title; the approval order's by default), on a new page unless
    its section starts one."""
    lines = approval_lines(profile, rows)
    if not lines:
        return
    org = profile.org
    title = _centred(doc, APPROVAL_TITLE, bold=True, space_after=Pt(6))
    title.paragraph_format.page_break_before = new_page
    _centred(doc, f"проекта приказа {_one_line(org['genitive'])}", space_after=Pt(0))
    _centred(doc, f"«{_one_line(order_title or org['order_title'])}»", space_after=Pt(18))

    twips = _twips(width)
    widths = [twips * s // 100 for s in APPROVAL_SHARES]
    widths[-1] += twips - sum(widths)
    table = doc.add_table(rows=1 + len(lines), cols=len(APPROVAL_HEADERS))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _fixed_widths(table, widths)
    _set_borders(table, 'w:val="single" w:sz="4" w:space="0" w:color="000000"')
    contents = [APPROVAL_HEADERS, *[(pos, "", name, "") for pos, name in lines]]
    for n, (row, values) in enumerate(zip(table.rows, contents)):
        header = n == 0
        row.height = None if header else APPROVAL_ROW_HEIGHT
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(parse_xml(f'<w:cantSplit {nsdecls("w")}/>'))
        if header:
            tr_pr.append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))
        for i, (cell, value, w) in enumerate(zip(row.cells, values, widths)):
            cell.width = Twips(w)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            p = cell.paragraphs[0]
            p.style = doc.styles[TABLE_STYLE_NAME]
            # The position is flush left; the header, the name and the blanks are centred.
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT if i == 0 and not header else WD_ALIGN_PARAGRAPH.CENTER
            if value:
                run = p.add_run(_text(value))
                run.bold = header or None


# --- what the document says of itself ---------------------------------------------------------------
# An order drafted from an incomplete list must not reach the minister's office looking final: its
# first page carries a note (one paragraph, deleted when the list is complete), and so do its properties.

NOTE_COLOR = "C00000"
NOTE_FILL = "FDE9E7"
_NOTE_NAMES = 10  # subdivisions named in the note; more are counted


def incomplete_note(batch: Batch) -> str | None:
    """What the note on an incomplete list's order says, or None for a complete list."""
    from consolidator.model import VERDICT_RU
    from consolidator.outputs.consolidated import is_complete, not_submitted, received_lists

    if is_complete(batch):
        return None

    def named(items: list[str]) -> str:
        more = len(items) - _NOTE_NAMES
        return "; ".join(items[:_NOTE_NAMES]) + (f" и еще {more}" if more > 0 else "")

    left_out = [f"{f.subdivision} ({VERDICT_RU[f.verdict]})" for f in received_lists(batch.files)
                if f.verdict != "accepted"]
    missing = not_submitted(batch)
    parts = [f"ПРОЕКТ ПОДГОТОВЛЕН ПО НЕПОЛНОМУ СВОДНОМУ ПЕРЕЧНЮ (на {batch.run_date.strftime('%d.%m.%Y')})."]
    if left_out:
        parts.append(f"Не включены перечни: {named(left_out)}.")
    if missing:
        parts.append(f"Не представили перечень: {named(missing)}.")
    if batch.owing:
        parts.append(f"Не представили исправленный перечень: {named([o['name'] for o in batch.owing])}.")
    parts.append("Эту отметку удалите, когда сводный перечень будет полным.")
    return " ".join(parts)


def _note_paragraph(doc, text: str) -> None:
    """The note: one boxed paragraph in red at the top of the first page, removed by deleting it."""
    p = _paragraph(doc, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT, space_after=Pt(12))
    run = p.add_run(_text(text))
    run.bold = True
    run.font.size = Pt(12)
    run.font.color.rgb = RGBColor.from_string(NOTE_COLOR)
    sides = "".join(f'<w:{s} w:val="single" w:sz="12" w:space="4" w:color="{NOTE_COLOR}"/>'
                    for s in ("top", "left", "bottom", "right"))
    p_pr = p._p.get_or_add_pPr()
    p_pr.insert_element_before(parse_xml(f'<w:pBdr {nsdecls("w")}>{sides}</w:pBdr>'),
                               "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
                               "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
                               "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
                               "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
                               "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
                               "w:rPr", "w:sectPr", "w:pPrChange")
    p_pr.insert_element_before(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{NOTE_FILL}"/>'),
                               "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
                               "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
                               "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
                               "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
                               "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
                               "w:pPrChange")


_APP_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            '<Application>consolidator</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>'
            '<Company>{company}</Company><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>'
            '<HyperlinksChanged>false</HyperlinksChanged></Properties>')


def _properties(doc, batch: Batch, note: str | None) -> None:
    """The document's own properties, instead of those of python-docx's template (created in 2013 by
    «Microsoft Macintosh Word», «generated by python-docx», a thumbnail of another document)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    org = batch.profile.org
    name = _one_line(org.get("name", "")).replace("\u00a0", " ")
    now = datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)
    core = doc.core_properties
    core.title = _text(" ".join(str(org["order_title"]).split()))
    on = batch.run_date.strftime("%d.%m.%Y")
    core.subject = "Проект приказа (сводный перечень НЕПОЛНЫЙ)" if note else "Проект приказа"
    core.author = core.last_modified_by = name[:255]
    core.created = core.modified = now
    core.revision = 1
    core.language = "ru-RU"
    core.category = ""
    core.keywords = "проект; неполный сводный перечень" if note else "проект"
    if note:
        # A property holds at most 255 characters: the note's names are on the first page.
        from consolidator.outputs.consolidated import not_submitted, received_lists

        left_out = sum(f.verdict != "accepted" for f in received_lists(batch.files))
        core.comments = (f"Проект подготовлен по НЕПОЛНОМУ сводному перечню (на {on}): не включено перечней — "
                         f"{left_out}, не представили перечень — {len(not_submitted(batch))}. Перечень — в отметке "
                         f"на первой странице; удалите ее, когда сводный перечень будет полным.")
    else:
        core.comments = f"Проект приказа; сводный перечень полный на {on}."
    package = doc.part.package
    for r_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[r_id]  # a part nothing refers to is not written
    for part in package.iter_parts():
        if str(part.partname) == "/docProps/app.xml":
            part._blob = _APP_XML.format(company=escape(name)).encode("utf-8")
