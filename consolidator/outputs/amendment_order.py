"""The draft order that amends the approved list («Проект приказа о внесении изменений.docx»).

In the usual wording of Russian amending orders: the order approves «изменения, которые вносятся в …»
set out in its appendix, each change a sub-point — «строку 5 изложить в следующей редакции:», «дополнить
строкой 5.1 следующего содержания:», «строку 9 признать утратившей силу.» — with the row as a table
in the form's columns; when most rows change, the list is set out anew instead («изложить в новой
редакции»), the whole list in the appendix. The layout is the approval order's (outputs.order:
ГОСТ Р 7.0.97-2025). The approval sheet of a profile that has one (000 п. 3.4, 002 п. 4.3) closes the
draft, with a line for the head of every subdivision that initiated a change.
"""
from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Pt

from consolidator.journal.changes import ADDED, CHANGED, EXCLUDED, Change
from consolidator.model import Batch
from consolidator.ooxml.docx_stream import write_streamed
from consolidator.outputs import order as layout
from consolidator.outputs.atomic import atomic_path

FILE_NAME = "Проект приказа о внесении изменений.docx"


def title(batch: Batch) -> str:
    """«О внесении изменений в перечень …, утвержденный приказом … от 15 февраля 2025 г. № 27»."""
    org, edition = batch.profile.org, batch.edition
    return (f"О внесении изменений в {_list_name(org)}, утвержденный приказом {layout._one_line(org['genitive'])} "
            f"от {layout._date_in_words(edition.date)} №\u00a0{layout._one_line(edition.number)}")


def restated(batch: Batch) -> bool:
    """Whether the list is set out anew: more of its approved rows change than the profile's share."""
    return len(batch.changes) > batch.profile.amendments.restate_share * max(1, len(batch.edition.rows))


def instruction(changes: list[Change], wording: str) -> str:
    """The sub-point's words for one change, or for rows added one after another at one place
    (without its number)."""
    change = changes[0]
    if change.kind == CHANGED:
        return f"строку {change.position} изложить в следующей редакции:"
    if change.kind == EXCLUDED:
        return f"строку {change.position} {wording};"
    where = "перед строкой 1 " if change.anchor == 0 else ""
    if len(changes) == 1:
        return f"дополнить {where}строкой {added_number(change)} следующего содержания:"
    return (f"дополнить {where}строками {added_number(change)}–{added_number(changes[-1])} "
            f"следующего содержания:")


def added_number(change: Change) -> str:
    """An added row's number in the amended list: «22.1» (after row 22), «0.1» before row 1."""
    return f"{change.anchor}.{change.nth}"


def sub_points(changes: list[Change]) -> list[list[Change]]:
    """The changes as the order's sub-points: rows added at one place together, every other alone."""
    out: list[list[Change]] = []
    for change in changes:
        previous = out[-1][-1] if out else None
        if (change.kind == ADDED and previous is not None and previous.kind == ADDED
                and previous.anchor == change.anchor and previous.nth + 1 == change.nth):
            out[-1].append(change)
        else:
            out.append([change])
    return out


def write_amendment_order(batch: Batch, current: list, path: Path) -> None:
    """Write the draft amending order for `batch.changes` against `batch.edition`; `current`: the rows of
    the list as amended (journal.store.ListRow), set out in full when the list is restated."""
    profile = batch.profile
    org = profile.org
    layout._check_org(profile)
    heading = title(batch)
    anew = restated(batch)

    doc = Document()
    layout._setup_styles(doc)
    first = doc.sections[0]
    layout._setup_section(first, landscape=False)
    first.different_first_page_header_footer = True
    first.first_page_header.is_linked_to_previous = False
    layout._page_number_header(first)

    layout._org_header(doc, org)
    layout._order_heading(doc, org, heading)
    layout._preamble(doc, profile)
    approved = (f"{_list_name(org)}, утвержденный приказом {layout._one_line(org['genitive'])} от "
                f"{layout._date_in_words(batch.edition.date)} №\u00a0{layout._one_line(batch.edition.number)}")
    first_point = (f"Изложить {approved} в новой редакции согласно приложению к настоящему приказу" if anew else
                   f"Утвердить прилагаемые изменения, которые вносятся в {approved}")
    layout._points(doc, [
        first_point,
        f"{layout._placing(org)} актуальную версию перечня с учетом изменений, внесенных настоящим приказом, "
        f"{layout._one_line(org['placement'])}"
        + (f" {layout._one_line(org['placement_on_change'])}" if org.get("placement_on_change") else ""),
        layout._control(org),
    ])
    layout._signature(doc, org, layout._usable_width(first))

    appendix = doc.add_section(WD_SECTION.NEW_PAGE)
    layout._setup_section(appendix, landscape=True)
    appendix.different_first_page_header_footer = False
    layout._page_number_header(appendix)
    width = layout._usable_width(appendix)
    genitive = layout._one_line(org["genitive"])
    table = None
    if anew:
        above = layout._stamp(doc, org, width, ["ПРИЛОЖЕНИЕ", f"к приказу {genitive}",
                                        f"от {layout.DATE_BLANK} {layout.NUMBER_BLANK}", "",
                                        "«УТВЕРЖДЕН", f"приказом {genitive}",
                                        f"от {batch.edition.date:%d.%m.%Y} №\u00a0{batch.edition.number}»"])
        above += layout._title(doc, org["list_title"], width)
        columns = {k: [r.cells.get(k, "") for r in current] for k in profile.keys}
        table = layout._list_table(doc, profile, width, columns, layout._usable_height(appendix), above)
        layout._footnotes(doc, profile)
    else:
        layout._stamp(doc, org, width, ["УТВЕРЖДЕНЫ", f"приказом {genitive}",
                                        f"от {layout.DATE_BLANK} {layout.NUMBER_BLANK}"])
        layout._centred(doc, "ИЗМЕНЕНИЯ,", bold=True, space_before=Pt(12), space_after=Pt(0))
        layout._centred(doc, f"которые вносятся в {approved}", bold=True, space_after=Pt(12))
        _changes(doc, batch, width)

    initiators = {"subdivision": [c.subdivision for c in batch.changes]}
    if profile.org.get("approval_sheet"):
        sheet = doc.add_section(WD_SECTION.NEW_PAGE)
        layout._setup_section(sheet, landscape=False)
        sheet.different_first_page_header_footer = False
        layout._page_number_header(sheet)
        # The sheet's section starts on a new page already: its title needs no break of its own.
        layout._approval_sheet(doc, profile, initiators, layout._usable_width(sheet), order_title=heading,
                               new_page=False)

    # A document property holds at most 255 characters.
    doc.core_properties.title = layout._text(heading) if len(heading) <= 255 else layout._text(heading)[:254] + "…"
    doc.core_properties.author = layout._text(org.get("name", ""))
    doc.core_properties.language = "ru-RU"
    package = io.BytesIO()
    doc.save(package)
    data = package.getvalue()
    with atomic_path(path) as tmp:
        if table is None:
            tmp.write_bytes(data)
        else:
            write_streamed(data, tmp, "word/document.xml", layout._ROWS,
                           lambda: layout._table_rows(profile, columns, table))


def _list_name(org: dict) -> str:
    """The list's name as it follows «в» («в перечень точек …»)."""
    return layout._decapitalise(layout._one_line(org["list_title"]))


def _changes(doc, batch: Batch, width) -> None:
    """Each change a numbered sub-point, the rows it sets out in a table in the form's columns."""
    profile = batch.profile
    wording = profile.amendments.exclude_wording
    shown = [c.after for c in batch.changes if c.kind != EXCLUDED]
    widths = layout._column_widths(profile, width, {k: [r.cells.get(k, "") for r in shown] for k in profile.keys})
    points = sub_points(batch.changes)
    for n, group in enumerate(points, 1):
        text = instruction(group, wording)
        if group[0].kind == EXCLUDED and n == len(points):
            text = text.rstrip(";") + "."
        layout._paragraph(doc, f"{n}) {text}", keep_next=group[0].kind != EXCLUDED, space_before=Pt(6))
        if group[0].kind != EXCLUDED:
            _rows_table(doc, profile, group, widths)


def _rows_table(doc, profile, changes: list[Change], widths: list[int]) -> None:
    """The rows the changes set out, in the form's columns, bordered, numbered as in the amended list."""
    keys = profile.keys
    table = doc.add_table(rows=len(changes), cols=len(keys))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    layout._fixed_widths(table, widths)
    layout._set_borders(table, 'w:val="single" w:sz="4" w:space="0" w:color="000000"')
    for change, row in zip(changes, table.rows):
        row._tr.get_or_add_trPr().append(parse_xml(f'<w:cantSplit {nsdecls("w")}/>'))
        for key, cell in zip(keys, row.cells):
            value = change.after.cells.get(key, "")
            if key == profile.number_column and profile.renumber is True:
                value = str(change.position) if change.kind == CHANGED else added_number(change)
            p = cell.paragraphs[0]
            p.style = doc.styles[layout.TABLE_STYLE_NAME]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER if key == profile.number_column else WD_ALIGN_PARAGRAPH.LEFT
            if value:
                p.add_run(layout._text(value))
