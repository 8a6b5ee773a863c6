"""What a returned copy says, whichever writer makes it: a fill and a comment on every cell with
remarks, and the first sheet «Замечания» with the heading, the deadline and the table of remarks.
outputs.returned patches it into the author's .xlsx; outputs.returned_openpyxl renders it with
openpyxl for the other formats."""
from __future__ import annotations

from pathlib import PurePosixPath

from consolidator.inbox.safety import Source
from consolidator.model import SEVERITY_RU, Batch, FileResult
from consolidator.profile.schema import Wording
from consolidator.ooxml.cells import column_letter, row_height
from consolidator.ooxml.xlsx_patch import Mark, NewSheet, Style, free_sheet_name, quote_sheet
from consolidator.profile.form import BLANK_RUN

RETURNED_DIR = "на доработку"
REMARKS_SHEET = "Замечания"
REMARKS_SHEET_TAKEN = "Замечания проверки"  # when the author already has a sheet «Замечания»
FILL = {"error": "FFC7CE", "warning": "FFEB9C"}  # RRGGBB
COMMENT_AUTHOR = Wording.comment_author  # a list's; the profile's wording names its own
NATIVE_SUFFIXES = {".xlsx", ".xlsm"}  # returned in their own format, with the author's formatting

_TOP_WRAP = dict(vertical="top", wrap=True)
TITLE = Style(bold=True, size=14, **_TOP_WRAP)
TEXT = Style(**_TOP_WRAP)
DEADLINE = Style(bold=True, color="9C0006", **_TOP_WRAP)
NOTE = Style(italic=True, **_TOP_WRAP)
HEADER = Style(bold=True, border=True, horizontal="center", vertical="center", wrap=True)
CELL = Style(border=True, **_TOP_WRAP)
SEVERITY_CELL = {sev: Style(border=True, fill=rgb, **_TOP_WRAP) for sev, rgb in FILL.items()}
LINK = Style(color="0563C1", underline=True, border=True, **_TOP_WRAP)
BOLD = Style(bold=True)


def returned_copy_path(rel: str) -> str:
    """Where the returned copy of an inbox file goes, relative to OUT ("/" separators)."""
    p = PurePosixPath(rel)
    if p.suffix.lower() not in NATIVE_SUFFIXES:
        p = p.with_suffix(".xlsx")
    return str(PurePosixPath(RETURNED_DIR) / p)



def source_notes(src: Source) -> list[str]:
    """What the copy lacks compared with the author's file (safety.inspect cut it), said on the sheet."""
    notes = []
    if src.trimmed_rows:
        notes.append(f"Из копии убраны {src.trimmed_rows} пустых строк ниже таблицы (без значений, только "
                     f"оформление или формулы с пустым результатом): с ними файл слишком велик.")
    if src.dropped_ranges:
        notes.append(f"Из копии убраны объединения ячеек и гиперссылки на слишком больших областях: "
                     f"{', '.join(src.dropped_ranges[:5])}.")
    return notes


def remarks_sheet_name(existing: list[str]) -> str:
    return free_sheet_name(existing, REMARKS_SHEET, REMARKS_SHEET_TAKEN)


def cell_marks(f: FileResult, sheet_names: list[str], anchor=None) -> list[Mark]:
    """A fill and a comment for every cell that has remarks (one comment holds all of a cell's).
    A cell inside a merged range is marked on the range's top left cell, the one Excel shows:
    anchor(sheet, cell) names it."""
    by_cell: dict[tuple[str, str], list] = {}
    for r in f.remarks:
        if r.cell and r.sheet in sheet_names:
            cell = anchor(r.sheet, r.cell) if anchor else r.cell
            by_cell.setdefault((r.sheet, cell), []).append(r)
    marks = []
    for (sheet, cell), remarks in by_cell.items():
        severity = "error" if any(r.severity == "error" for r in remarks) else "warning"
        text = "\n\n".join(f"{SEVERITY_RU[r.severity].capitalize()} ({r.clause}): {r.message}" for r in remarks)
        marks.append(Mark(sheet, cell, FILL[severity], text, width=420,
                          height=min(600, 60 + 18 * (len(text) // 55 + 2 * len(remarks)))))
    return marks


def remarks_sheet(batch: Batch, f: FileResult, name: str, sheet_names: list[str], converted: str | None,
                  notes: list[str] = ()) -> NewSheet:
    """The sheet «Замечания»: heading lines, the deadline, then the table of remarks with a link to
    each cell (and, for a resubmitted file, whether each remark was fixed)."""
    sheet = NewSheet(name)
    fix = batch.profile.deadlines.get("fix")
    words = batch.profile.wording
    deadline = f.fix_deadline.strftime("%d.%m.%Y") if f.fix_deadline else "—"
    lines = [
        (words.remarks_title.format(subdivision=f.subdivision, path=f.path), TITLE),
        (f"Файл: {f.path}", TEXT),
        (f"Дата проверки: {batch.run_date.strftime('%d.%m.%Y')}", TEXT),
        (f"Срок устранения замечаний: до {deadline} включительно — {fix.days} рабочих дней после получения "
         f"замечаний, направленных {batch.remarks_sent:%d.%m.%Y} ({fix.clause})"
         if fix and f.fix_deadline else f"Срок устранения замечаний Порядком не установлен: устраните их "
         f"и {words.resend} как можно скорее.", DEADLINE),
        (f"Ошибок: {f.errors}, предупреждений: {f.warnings}. {words.why_fix}; предупреждения — проверить. "
         f"Ячейки с ошибками выделены красным, с предупреждениями — желтым, текст замечания — в примечании "
         f"к ячейке.", TEXT),
    ]
    if converted:
        lines.append((f"Файл получен в формате {converted}; возвращается копия в формате .xlsx: значения ячеек, "
                      f"объединенные ячейки, ширина столбцов, границы и параметры печати — как в исходном файле, "
                      f"насколько их удалось прочитать; шрифты и заливка исходного файла не переносятся.", NOTE))
    lines.extend((note, NOTE) for note in notes)
    headers = ["№", "Лист", "Ячейка", "Графа", "Значение", "Вид", "Замечание", "Пункт Порядка"]
    widths = [5, 14, 9, 26, 30, 15, 70, 24]
    resubmitted = f.resolved is not None
    if resubmitted:
        # A new version of a returned file: each remark says whether the earlier version had it too.
        headers.append("Отметка об устранении")
        widths.append(16)
        lines.append(("Это доработанная версия ранее возвращенного перечня: у каждого замечания отмечено, было ли "
                      "оно в прежней версии («не устранено») или появилось вновь («новое»); устраненные "
                      "замечания прежней версии перечислены в конце.", TEXT))
    sheet.widths = [float(w) for w in widths]
    last = column_letter(len(headers))
    for i, (text, style) in enumerate(lines, start=1):
        sheet.set(i, 1, text, style)
        sheet.merges.append(f"A{i}:{last}{i}")
        big = style.size is not None
        sheet.heights[i] = row_height([text], [sum(widths) * (0.8 if big else 1)], 20 if big else 15)
    header_row = len(lines) + 2
    for c, h in enumerate(headers, start=1):
        sheet.set(header_row, c, h, HEADER)
    for n, r in enumerate(f.remarks, start=1):
        row = header_row + n
        values = [n, r.sheet, r.cell or "весь файл", r.column or "", r.value or "",
                  SEVERITY_RU[r.severity], r.message, r.clause] + ([r.resolution or ""] if resubmitted else [])
        linked = bool(r.cell and r.sheet in sheet_names)
        for c, v in enumerate(values, start=1):
            style = SEVERITY_CELL[r.severity] if c == 6 else LINK if c == 3 and linked else CELL
            sheet.set(row, c, v, style)
        sheet.heights[row] = row_height(values, widths)
        if linked:
            sheet.links[f"C{row}"] = f"{quote_sheet(r.sheet)}!{r.cell}"
    row = header_row + len(f.remarks) + 1
    if f.resolved:
        row += 1
        sheet.set(row, 1, "Замечания прежней версии, которые устранены:", BOLD)
        for g in f.resolved:
            row += 1
            values = ["", g.get("sheet"), (g.get("cell") or "весь файл") + " (прежняя версия)", g.get("column") or "",
                      g.get("value") or "", SEVERITY_RU.get(g.get("severity"), ""), g.get("message"),
                      g.get("clause"), g.get("resolution")]
            for c, v in enumerate(values, start=1):
                sheet.set(row, c, v, CELL)
            sheet.heights[row] = row_height(values, widths)
    sheet.freeze_row = header_row + 1
    sheet.title_row = header_row
    return sheet


# --- a values copy of a workbook that cannot be patched -------------------------------------------

def until_blank_rows(rows) -> list[list]:
    out, blank = [], 0
    for row in rows:
        out.append(row)
        blank = blank + 1 if all(v in ("", None) for v in row) else 0
        if blank >= BLANK_RUN:
            del out[-blank:]
            break
    return out


def value_widths(grid: list[list]) -> list[float]:
    """Column widths from the values' lengths (the source's own widths are not readable)."""
    ncols = max((len(r) for r in grid), default=0)
    # Titles and footnotes stand alone in their row and spill over the next cells: they don't count.
    table_rows = [r for r in grid if sum(v not in ("", None) for v in r) > 1]
    widths = []
    for c in range(ncols):
        lengths = sorted(len(str(r[c])) for r in table_rows if c < len(r) and r[c] not in ("", None))
        typical = lengths[int(len(lengths) * 0.8)] if lengths else 0
        widths.append(float(min(45, max(6, typical))))
    return widths
