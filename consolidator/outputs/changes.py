"""`Изменения в перечень.xlsx`: what changed against the approved edition, one change a line, for the
clerk who prepares the amending order.

Each change names its subdivision (the initiator, 000 п. 3.2, 002 п. 4.2), its kind, the row's number
in the approved edition and the row before and after, the changed cells highlighted; the column
«Основание» offers the profile's reasons for updating (000 п. 3.3, 001 п. 15, 004 п. 19) as a drop-down
and is filled from the subdivision's file where its form carries such a column.
"""
from __future__ import annotations

from pathlib import Path

from consolidator.journal.changes import ADDED, CHANGED, EXCLUDED, Change, counts
from consolidator.model import Batch
from consolidator.ooxml.cells import column_letter
from consolidator.ooxml.xlsx_writer import BOX, Font, Workbook, fit_height, text_height
from consolidator.outputs.atomic import atomic_path
from consolidator.outputs.style import BODY_FONT, CENTER_WRAP, HEADER_FILL, LANDSCAPE, TOP_WRAP, ru_date

FILE_NAME = "Изменения в перечень.xlsx"
SHEET = "Изменения"
SHEET_REASONS = "Основания"
SHEET_REGISTRY = "Реестр процессов"
CHANGED_FILL = "FFEB9C"
KIND_FILL = {ADDED: "C6EFCE", CHANGED: "FFEB9C", EXCLUDED: "F8CBAD"}
LEAD_HEADERS = ("№", "Подразделение (инициатор изменения)", "Изменение", "Строка утвержденной редакции", "Редакция")
LEAD_WIDTHS = (5, 28, 13, 14, 10)
REASON_WIDTH = 40
HEADER_ROW = 4


def place(change: Change) -> str:
    """Where the change is in the approved edition: «5», or for an added row «5.1 (после строки 5)»."""
    if change.kind != ADDED:
        return str(change.position)
    if change.anchor == 0:
        return f"перед строкой 1 ({change.nth}-я новая)"
    return f"{change.anchor}.{change.nth} (после строки {change.anchor})"


def reason_text(reason) -> str:
    return f"{reason.value} ({reason.clause})"


def write_changes(batch: Batch, path: Path) -> None:
    """Write the list of changes of `batch.changes` against `batch.edition` to `path`."""
    profile, edition, changes = batch.profile, batch.edition, batch.changes
    keys = profile.keys
    form_widths = [max(8, min(40, c.width)) for c in profile.columns]
    widths = (*LEAD_WIDTHS, *form_widths, REASON_WIDTH)
    n_cols = len(widths)
    reasons = [reason_text(r) for r in profile.amendments.reasons]
    with atomic_path(Path(path)) as tmp, Workbook(tmp, title=FILE_NAME.removesuffix(".xlsx")) as book:
        title = book.style(font=Font(BODY_FONT, 13, bold=True), align=TOP_WRAP)
        line = book.style(align=TOP_WRAP)
        header = book.style(font=Font(BODY_FONT, bold=True), align=CENTER_WRAP, border=BOX, fill=HEADER_FILL)
        text = book.style(align=TOP_WRAP, border=BOX)
        centred = book.style(align=CENTER_WRAP, border=BOX)
        marked = book.style(align=TOP_WRAP, border=BOX, fill=CHANGED_FILL)
        kinds = {k: book.style(align=CENTER_WRAP, border=BOX, fill=fill) for k, fill in KIND_FILL.items()}
        with book.sheet(SHEET, widths=widths, freeze=f"A{HEADER_ROW + 1}", page=LANDSCAPE) as ws:
            heading = (f"Изменения в {_decapitalised(profile.org.get('list_title', 'перечень'))} по сравнению с редакцией, "
                       f"утвержденной приказом от {ru_date(edition.date)} № {edition.number}")
            ws.row(1, (heading,), title, height=text_height(heading, sum(widths), 13, bold=True))
            ws.merge(1, 1, 1, n_cols)
            n = counts(changes)
            summary = (f"Проверка от {ru_date(batch.run_date)}. Добавлено строк: {n['added']}, изменено: "
                       f"{n['changed']}, исключено: {n['excluded']}. Измененные графы выделены цветом. В графе "
                       f"«Основание» выберите основание из списка"
                       + (" (оно заполнено, если подразделение указало его в своем файле)." if reasons else "."))
            ws.row(2, (summary,), line, height=text_height(summary, sum(widths)))
            ws.merge(2, 1, 2, n_cols)
            headers = (*LEAD_HEADERS, *(profile.header(k) for k in keys), "Основание")
            ws.row(HEADER_ROW, headers, header, height=fit_height(headers, widths, bold=True))
            r = HEADER_ROW + 1
            for i, change in enumerate(changes, 1):
                versions = _versions(change)
                first = r
                for label, row in versions:
                    values = [_shown(profile, change, row, k) for k in keys]
                    styles = [marked if change.kind == CHANGED and k in change.changed
                              else centred if k == profile.number_column else text for k in keys]
                    lead = (i, change.subdivision, change.kind, place(change), label) if r == first else \
                        (None, None, None, None, label)
                    ws.row(r, (*lead, *values, change.reason if r == first else None),
                           (centred, text, kinds[change.kind], centred, centred, *styles, text),
                           height=fit_height((*lead, *values, change.reason), widths))
                    r += 1
                if r - first > 1:
                    for col in (1, 2, 3, 4, n_cols):
                        ws.merge(first, col, r - 1, col)
            last = max(r - 1, HEADER_ROW + 1)
            if reasons:
                ws.choice(f"{column_letter(n_cols)}{HEADER_ROW + 1}:{column_letter(n_cols)}{last}",
                          f"'{SHEET_REASONS}'!$A$1:$A${len(reasons)}",
                          prompt="Выберите основание внесения изменения из списка.")
            ws.autofilter(HEADER_ROW, 1, last, n_cols)
            ws.print_titles = (HEADER_ROW, HEADER_ROW)
        if batch.registry_added or batch.registry_removed:
            # 000 п. 3.3(1), 001 п. 15(1): a process included in or excluded from the registry is itself a
            # reason to update the list.
            form = profile.registry_form
            rows = [("включен", x["owner"], x["process"], x["group"], x["number"]) for x in batch.registry_added]
            rows += [("исключен", x["owner"], x["process"], x["group"], x["number"]) for x in batch.registry_removed]
            widths_r = (12, 40, 60, 40, 12)
            with book.sheet(SHEET_REGISTRY, widths=widths_r, freeze="A4", page=LANDSCAPE) as ws:
                line_r = (f"{form.title}: изменения после утверждения редакции приказом от {ru_date(edition.date)} "
                          f"№ {edition.number} — основание актуализации перечня.")
                ws.row(1, (line_r,), title, height=text_height(line_r, sum(widths_r), 13, bold=True))
                ws.merge(1, 1, 1, len(widths_r))
                heads = ("Процесс", "Владелец процесса", "Наименование процесса", "Группа", "№ в реестре")
                ws.row(3, heads, header, height=fit_height(heads, widths_r, bold=True))
                ws.rows(4, rows, text)
        if reasons:
            with book.sheet(SHEET_REASONS, widths=(100,), hidden=True) as ws:
                ws.rows(1, ((reason,) for reason in reasons))


def _decapitalised(text: str) -> str:
    """«Сводный перечень …» after «в»: «сводный перечень …» (an abbreviation keeps its capitals)."""
    return text[0].lower() + text[1:] if len(text) > 1 and text[0].isupper() and text[1].islower() else text


def _shown(profile, change: Change, row, key: str) -> str:
    """A cell as the list of changes shows it: a running number as the approved edition numbers the row
    (an added row «22.1»), every other value as it is."""
    if key == profile.number_column and profile.renumber is True:
        if row is change.before or change.kind == CHANGED:
            return str(change.position)
        return f"{change.anchor}.{change.nth}"
    return row.cells.get(key, "")


def _versions(change: Change) -> list[tuple[str, object]]:
    """The row's versions to show: before (было) and after (стало)."""
    out = []
    if change.before is not None:
        out.append(("было", change.before))
    if change.after is not None:
        out.append(("стало", change.after))
    return out
