"""The blank form a subdivision fills in, generated from a profile.

The form sheet carries the title, the «Структурное подразделение: …» line, the header exactly as in the
form, the column-numbering row, styled empty rows and the footnotes; columns whose values come from a
closed vocabulary get drop-down lists fed from a hidden sheet. An «Инструкция» sheet explains how to
fill the form and lists every rule and deadline of the profile. The header is protected against
accidental edits (no password), the data cells are not.

A template filled with valid rows passes the check unchanged; an untouched one reads as the form with
an empty table (the empty styled rows are not data). Nothing here is regional: everything comes from
the profile.
"""
from __future__ import annotations

from copy import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.protection import SheetProtection
from openpyxl.worksheet.worksheet import Worksheet

from consolidator.ooxml.openpyxl_cells import BORDER, THIN, set_value
from consolidator.ooxml.xlsx_writer import fit_height, text_height
from consolidator.outputs.atomic import atomic_path
from consolidator.outputs.style import BODY_FONT, FORM_FONT, form_title
from consolidator.profile.schema import SEVERITY_RU, Profile, Rule

SHEET_FORM = "Перечень"
SHEET_HELP = "Инструкция"
SHEET_LISTS = "Справочники"

DEFAULT_ROWS = 50

# Layout of the form sheet (1-based rows): title, subdivision line, a spacer, header, numbering row.
TITLE_ROW = 1
SUBDIVISION_ROW = 2
HEADER_ROW = 4
NUMBERING_ROW = HEADER_ROW + 1
FIRST_DATA_ROW = NUMBERING_ROW + 1

# Excel's limits for data validation texts; longer ones make Excel call the file damaged.
_TITLE_MAX = 32
_TEXT_MAX = 255

_TOP_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER_WRAP = Alignment(wrap_text=True, horizontal="center", vertical="center")
_TOP_CENTER = Alignment(wrap_text=True, horizontal="center", vertical="top")
_LEFT_BOTTOM = Alignment(horizontal="left", vertical="bottom")
_HEADER_FILL = PatternFill("solid", fgColor="E7E6E6")
_ERROR_FILL = PatternFill("solid", fgColor="F8CBAD")
_WARNING_FILL = PatternFill("solid", fgColor="FFF2CC")
_UNLOCKED = Protection(locked=False)
# The check whose rule means «the whole cell is one value of the list»: only its lists warn about
# other values. Other checks naming a vocabulary (several values in a cell, a value required within a
# group) get the list as a help to pick from, without a complaint.
STRICT_CHECK = "in_vocabulary"


@dataclass(frozen=True)
class ListColumn:
    """A form column filled from a closed vocabulary: where its drop-down list reads from."""
    key: str
    rule: Rule
    values: tuple[str, ...]
    source: str  # absolute reference on the hidden sheet, e.g. 'Справочники'!$A$2:$A$8

    @property
    def strict(self) -> bool:
        return self.rule.check == STRICT_CHECK


def vocabulary_columns(profile: Profile) -> list[tuple[str, Rule, tuple[str, ...]]]:
    """(column key, rule, canonical values) for every column a rule restricts to a closed vocabulary.

    Found generically: any rule naming both a `vocabulary` and a `column` (`in_vocabulary` and any
    check added later in the same shape). An `in_vocabulary` rule of a column wins over other checks,
    then the first rule; a vocabulary the profile cannot list is skipped, and so is a rule that takes
    the vocabulary's values from another column it names (`item_column: group` of a check on the
    number column: the list describes that other column, not `column`).
    """
    out, seen = [], set()
    ordered = sorted(profile.rules, key=lambda rule: rule.check != STRICT_CHECK)  # stable
    for rule in ordered:
        name, key = rule.params.get("vocabulary"), rule.params.get("column")
        if not isinstance(name, str) or not isinstance(key, str) or key in seen or key not in profile.keys:
            continue
        if _names_other_column(rule, profile):
            continue
        try:
            values = tuple(dict.fromkeys(profile.vocabulary(name).values()))
        except KeyError:
            continue
        if values:
            seen.add(key)
            out.append((key, rule, values))
    return sorted(out, key=lambda item: profile.keys.index(item[0]))


def _names_other_column(rule: Rule, profile: Profile) -> bool:
    """A parameter besides `column` and the grouping ones (`within`, `columns`) names a column."""
    for k, v in rule.params.items():
        if k in ("column", "within", "columns"):
            continue
        if isinstance(v, str) and v in profile.keys and k.endswith("column"):
            return True
    return False


def label_text(profile: Profile) -> str:
    """The subdivision line's label from the profile's own labels («Структурное подразделение:»)."""
    label = profile.subdivision_labels[0] if profile.subdivision_labels else "структурное подразделение"
    return label[:1].upper() + label[1:] + ":"


def write_template(profile: Profile, path: Path, subdivision: str | None = None, rows: int = DEFAULT_ROWS) -> Path:
    """Write the blank form of `profile` to `path` (.xlsx) with `rows` empty rows to fill in."""
    if rows < 1:
        raise ValueError("rows must be positive")
    wb = Workbook()
    form = wb.active
    form.title = SHEET_FORM
    help_ws = wb.create_sheet(SHEET_HELP)
    lists_ws = wb.create_sheet(SHEET_LISTS)
    lists = _write_lists(lists_ws, profile)
    _write_form(form, profile, subdivision, rows, lists)
    _write_instruction(help_ws, profile, lists)
    wb.active = 0
    with atomic_path(Path(path)) as tmp:
        wb.save(tmp)
    return Path(path)


# ---------------------------------------------------------------------------------------------------
# Hidden sheet with the vocabularies


def _write_lists(ws: Worksheet, profile: Profile) -> list[ListColumn]:
    st = Styles(ws)
    st.define("header", font=Font(name=BODY_FONT, bold=True), alignment=_CENTER_WRAP, border=BORDER,
              fill=_HEADER_FILL)
    out = []
    for col, (key, rule, values) in enumerate(vocabulary_columns(profile), 1):
        number = profile.keys.index(key) + 1
        # Not the column's header: this sheet must never look like the form to the reader.
        st.put(1, col, f"Значения для графы {number}", "header")
        for r, value in enumerate(values, 2):
            st.put(r, col, value)
        letter = get_column_letter(col)
        source = f"{quote_sheetname(ws.title)}!${letter}$2:${letter}${len(values) + 1}"
        out.append(ListColumn(key, rule, values, source))
        ws.column_dimensions[letter].width = min(80, max(20, *(len(v) + 2 for v in values)))
    ws.sheet_state = "hidden"
    return out


# ---------------------------------------------------------------------------------------------------
# The form sheet


def _label_span(widths: list[int], label: str) -> int:
    """How many leading columns the subdivision label needs (at least one, leaving one for the name)."""
    total, span = 0, 0
    for w in widths:
        span += 1
        total += w
        if total >= len(label) + 2:
            break
    return max(1, min(span, len(widths) - 1))


def _write_form(ws: Worksheet, profile: Profile, subdivision: str | None, rows: int,
                lists: list[ListColumn]) -> None:
    cols = profile.columns
    n = len(cols)
    widths = [c.width for c in cols]
    total_width = sum(widths)
    set_widths(ws, widths)
    last_col = get_column_letter(n)

    st = Styles(ws)
    st.define("title", font=Font(name=FORM_FONT, size=13, bold=True), alignment=_CENTER_WRAP)
    st.define("label", font=Font(name=FORM_FONT, size=12), alignment=_LEFT_BOTTOM)
    st.define("name", font=Font(name=FORM_FONT, size=12), alignment=_LEFT_BOTTOM,
              border=Border(bottom=THIN), protection=_UNLOCKED)
    st.define("header", font=Font(name=FORM_FONT, size=11, bold=True), alignment=_CENTER_WRAP, border=BORDER)
    st.define("colno", font=Font(name=FORM_FONT, size=10), alignment=_CENTER_WRAP, border=BORDER)
    st.define("text", font=Font(name=FORM_FONT, size=11), alignment=_TOP_WRAP, border=BORDER,
              protection=_UNLOCKED, number_format="@")
    st.define("num", font=Font(name=FORM_FONT, size=11), alignment=_TOP_CENTER, border=BORDER,
              protection=_UNLOCKED)
    st.define("note", font=Font(name=FORM_FONT, size=9), alignment=_TOP_WRAP)

    title = form_title(profile.form_title)
    st.put(TITLE_ROW, 1, title, "title")
    ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=n)
    ws.row_dimensions[TITLE_ROW].height = text_height(title, total_width, 13, bold=True) + 10

    # «Структурное подразделение:» in the first columns, the name (or a line to write it on) in the
    # rest: the reader takes the name from the cell after the label.
    label = label_text(profile)
    span = _label_span(widths, label)
    st.put(SUBDIVISION_ROW, 1, label, "label")
    if span > 1:
        ws.merge_cells(start_row=SUBDIVISION_ROW, start_column=1, end_row=SUBDIVISION_ROW, end_column=span)
    for c in range(span + 1, n + 1):
        st.put(SUBDIVISION_ROW, c, subdivision if c == span + 1 else None, "name")
    ws.merge_cells(start_row=SUBDIVISION_ROW, start_column=span + 1, end_row=SUBDIVISION_ROW, end_column=n)
    ws.row_dimensions[SUBDIVISION_ROW].height = 20
    ws.row_dimensions[HEADER_ROW - 1].height = 8

    for i, c in enumerate(cols, 1):
        st.put(HEADER_ROW, i, c.header, "header")
        st.put(NUMBERING_ROW, i, i, "colno")
    fit_row(ws, HEADER_ROW, [c.header for c in cols], widths, bold=True)

    last = FIRST_DATA_ROW + rows - 1
    styles = ["num" if c.key == profile.number_column else "text" for c in cols]
    for r in range(FIRST_DATA_ROW, last + 1):
        for col, style in enumerate(styles, 1):
            st.put(r, col, None, style)

    r = last + 2
    for note in profile.footnotes:
        st.put(r, 1, note, "note")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=n)
        ws.row_dimensions[r].height = text_height(note, total_width, 9)
        r += 1

    _add_validations(ws, profile, lists, last)

    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=1)
    print_setup(ws, f"{HEADER_ROW}:{NUMBERING_ROW}")
    ws.print_area = f"A1:{last_col}{max(r - 1, last)}"
    ws.sheet_view.zoomScale = 90
    ws.sheet_view.selection[0].activeCell = f"A{FIRST_DATA_ROW}"
    ws.sheet_view.selection[0].sqref = f"A{FIRST_DATA_ROW}"
    # The header is locked against accidental edits; no password, so «Снять защиту листа» lifts it.
    # Rows can be inserted, deleted, formatted, sorted and filtered (False = allowed).
    ws.protection = SheetProtection(
        sheet=True, formatCells=False, formatRows=False, formatColumns=False, insertRows=False,
        deleteRows=False, sort=False, autoFilter=False, insertHyperlinks=False,
        selectLockedCells=False, selectUnlockedCells=False)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _add_validations(ws: Worksheet, profile: Profile, lists: list[ListColumn], last: int) -> None:
    for lc in lists:
        number = profile.keys.index(lc.key) + 1
        header = profile.header(lc.key)
        letter = get_column_letter(number)
        # The check accepts spelling variants of a value (case, spaces, ё/е, «1) …» numbering, aliases),
        # so a hard «stop» would refuse values the check lets through: Excel only warns, and for a
        # rule that is itself a warning only informs.
        style = "warning" if lc.rule.severity == "error" else "information"
        allowed = "; ".join(f"«{v}»" for v in lc.values)
        consequence = ("При проверке такое значение будет ошибкой, и файл вернут на доработку."
                       if lc.rule.severity == "error" else "При проверке такое значение будет отмечено.")
        error = f"Графа {number} заполняется значением из списка ({lc.rule.clause}). {consequence}"
        if lc.strict:
            prompt = f"Выберите значение из списка: {allowed}."
            if len(prompt) > _TEXT_MAX:
                prompt = (f"Выберите значение из раскрывающегося списка ({len(lc.values)} вариантов, "
                          f"{lc.rule.clause}).")
        else:
            prompt = (f"Значение можно выбрать из раскрывающегося списка и дополнить. "
                      f"Проверяется: {lc.rule.summary} ({lc.rule.clause}).")
        dv = DataValidation(type="list", formula1=lc.source, allow_blank=True, showDropDown=False,
                            showErrorMessage=lc.strict, showInputMessage=True, errorStyle=style,
                            errorTitle="Значение не из списка",
                            error=_clip(error, _TEXT_MAX),
                            promptTitle=_clip(f"Графа {number}: {header}", _TITLE_MAX),
                            prompt=_clip(prompt, _TEXT_MAX))
        dv.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last}")
        ws.add_data_validation(dv)
    # The number column: a whole number, when a rule checks the numbering.
    if _numbered(profile):
        number = profile.keys.index(profile.number_column) + 1
        letter = get_column_letter(number)
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="1", allow_blank=True,
                            showErrorMessage=True, showInputMessage=True, errorStyle="warning",
                            errorTitle="Нужен номер строки",
                            error="Укажите порядковый номер строки целым числом: 1, 2, 3 … подряд без "
                                  "пропусков и повторов.",
                            promptTitle=f"Графа {number}: номер по порядку",
                            prompt="Строки нумеруются подряд, начиная с 1, без пропусков и повторов.")
        dv.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last}")
        ws.add_data_validation(dv)


# ---------------------------------------------------------------------------------------------------
# The instruction sheet


def days_ru(n: int) -> str:
    """«1 рабочий день», «2 рабочих дня», «5 рабочих дней»."""
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} рабочий день"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return f"{n} рабочих дня"
    return f"{n} рабочих дней"


def _columns_ru(profile: Profile, lists: list[ListColumn]) -> str:
    numbers = [str(profile.keys.index(lc.key) + 1) for lc in lists]
    return f"В графе {numbers[0]}" if len(numbers) == 1 else f"В графах {', '.join(numbers)}"


def _numbered(profile: Profile) -> bool:
    """The number column holds a running № checked by a `sequence` rule."""
    return any(r.check == "sequence" and r.params.get("column") == profile.number_column for r in profile.rules)


def deadline_ru(days: int | None, until: str | None) -> str:
    if days is not None:
        return days_ru(days)
    return f"ежегодно до {until}" if until else ""


def _steps(profile: Profile, lists: list[ListColumn]) -> list[str]:
    n = len(profile.columns)
    number = profile.keys.index(profile.number_column) + 1
    label = label_text(profile).rstrip(":")
    steps = [
        f"Заполняйте лист «{SHEET_FORM}». В строке «{label}» укажите полное наименование вашего "
        f"подразделения (если оно еще не указано).",
        f"Заполняйте таблицу с первой строки под строкой с номерами граф 1–{n}: одна строка — одна точка "
        f"взаимодействия. Не оставляйте пустых строк внутри таблицы.",
    ]
    if _numbered(profile):
        steps.append(f"Графа {number} — порядковый номер строки: 1, 2, 3 … подряд, без пропусков и повторов.")
    strict = [lc for lc in lists if lc.strict]
    helper = [lc for lc in lists if not lc.strict]
    if strict:
        steps.append(
            f"{_columns_ru(profile, strict)} значение выбирается из раскрывающегося списка (стрелка справа "
            f"от ячейки). Если ввести другое значение, Excel предупредит; при проверке оно будет замечанием.")
    if helper:
        steps.append(
            f"{_columns_ru(profile, helper)} значение можно выбрать из раскрывающегося списка и дополнить "
            f"своим текстом (правила для графы — в таблице «Графы формы» ниже).")
    steps += [
        "Не меняйте заголовок таблицы, порядок граф и строку с номерами граф, не удаляйте сноски под "
        "таблицей: по ним программа находит таблицу формы.",
        "Не хватает строк — вставьте строки внутри таблицы (правой кнопкой мыши по номеру строки → "
        "«Вставить»); лишние пустые строки можно не удалять.",
        "Заголовок формы защищен от случайных изменений без пароля: при необходимости защиту снимает "
        "команда «Рецензирование → Снять защиту листа».",
        "Перед отправкой сверьте заполненную форму с правилами ниже. Ошибка — файл возвращается на "
        "доработку с замечаниями; предупреждение — только отмечается, файл принимается.",
    ]
    return steps


def _write_instruction(ws: Worksheet, profile: Profile, lists: list[ListColumn]) -> None:
    widths = (22, 50, 24, 54)
    set_widths(ws, widths)
    full = sum(widths)
    st = Styles(ws)
    st.define("title", font=Font(name=BODY_FONT, bold=True, size=14), alignment=_TOP_WRAP)
    st.define("subtitle", font=Font(name=BODY_FONT, size=11, italic=True), alignment=_TOP_WRAP)
    st.define("section", font=Font(name=BODY_FONT, bold=True, size=12))
    st.define("para", font=Font(name=BODY_FONT), alignment=_TOP_WRAP)
    st.define("header", font=Font(name=BODY_FONT, bold=True), alignment=_CENTER_WRAP, border=BORDER,
              fill=_HEADER_FILL)
    st.define("cell", font=Font(name=BODY_FONT), alignment=_TOP_WRAP, border=BORDER)
    st.define("center", font=Font(name=BODY_FONT), alignment=_TOP_CENTER, border=BORDER)
    st.define("error", font=Font(name=BODY_FONT), alignment=_TOP_CENTER, border=BORDER, fill=_ERROR_FILL)
    st.define("warning", font=Font(name=BODY_FONT), alignment=_TOP_CENTER, border=BORDER, fill=_WARNING_FILL)

    def wide(row: int, text: str, style: str, size: float = 11, bold: bool = False) -> None:
        st.put(row, 1, text, style)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(widths))
        ws.row_dimensions[row].height = text_height(text, full, size, bold)

    wide(1, "Инструкция по заполнению формы", "title", 14, True)
    wide(2, profile.form_title, "subtitle")
    wide(3, f"{profile.procedure_title} ({profile.name}).", "subtitle")
    r = 5
    st.put(r, 1, "Как заполнить форму", "section")
    r += 1
    for i, step in enumerate(_steps(profile, lists), 1):
        wide(r, f"{i}. {step}", "para")
        r += 1

    r += 1
    st.put(r, 1, "Графы формы", "section")
    r += 1
    headers = ("Графа", "Заголовок в форме", "Как заполняется", "Что проверяется")
    st.put_row(r, headers, "header")
    r += 1
    listed = {lc.key for lc in lists if lc.strict}
    helper = {lc.key for lc in lists if not lc.strict}
    for i, c in enumerate(profile.columns, 1):
        how = "из раскрывающегося списка" if c.key in listed else "из списка или текстом" if c.key in helper else (
            "номер по порядку" if c.key == profile.number_column and _numbered(profile) else "текстом")
        checks = "\n".join(f"{rule.code}: {rule.summary}" for rule in profile.rules if rule.column == c.key)
        values = (i, c.header, how, checks)
        st.put_row(r, values, "cell")
        st.put(r, 1, i, "center")
        fit_row(ws, r, values, widths)
        r += 1

    r += 1
    st.put(r, 1, "Правила проверки", "section")
    r += 1
    headers = ("Код правила", "Что проверяется", "Важность", "Пункт")
    st.put_row(r, headers, "header")
    r += 1
    for rule in profile.rules:
        values = (rule.code, rule.summary, SEVERITY_RU.get(rule.severity, rule.severity), rule.clause)
        st.put_row(r, values, "cell")
        st.put(r, 3, values[2], rule.severity if rule.severity in ("error", "warning") else "center")
        fit_row(ws, r, values, widths)
        r += 1
    wide(r, "Ошибка — файл возвращается на доработку с замечаниями; предупреждение — только отмечается, "
            "файл принимается.", "para")
    r += 2

    if profile.deadlines:
        st.put(r, 1, "Сроки", "section")
        r += 1
        headers = ("Срок", "Что делается", "", "Пункт")
        st.put_row(r, headers, "header")
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=3)
        r += 1
        for d in profile.deadlines.values():
            text = d.text[:1].upper() + d.text[1:] if d.text else ""
            values = (deadline_ru(d.days, d.until), text, None, d.clause)
            st.put_row(r, values, "cell")
            ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=3)
            fit_row(ws, r, (values[0], text, values[3]), (widths[0], widths[1] + widths[2], widths[3]))
            r += 1
        if any(d.days is not None for d in profile.deadlines.values()):
            wide(r, "Сроки в днях считаются в рабочих днях по производственному календарю Российской "
                    "Федерации.", "para")
            r += 1

    print_setup(ws, None, landscape=False)
    ws.print_area = f"A1:D{r}"


# ---------------------------------------------------------------------------------------------------
# openpyxl helpers: the template has drop-down lists and sheet protection, which the streaming writer
# (xlsxout) does not write, and it is small.


class Styles:
    """Named cell styles built once per worksheet and copied onto cells.

    Assigning Font/Border/Alignment objects cell by cell makes openpyxl look each one up in the
    workbook's style tables; copying a prepared style array is what openpyxl itself does when it
    copies a worksheet.
    """

    def __init__(self, ws: Worksheet):
        self.ws = ws
        self._protos: dict[str, Cell] = {}

    def define(self, name: str, **attrs) -> None:
        proto = Cell(self.ws)  # not placed on the sheet; only carries the style
        for attr, value in attrs.items():
            setattr(proto, attr, value)
        self._protos[name] = proto

    def put(self, row: int, col: int, value: object, style: str | None = None) -> Cell:
        """Write one value (never as a formula) at 1-based row/col, with a named style."""
        cell = self.ws.cell(row=row, column=col)
        set_value(cell, value)
        if style is not None:
            cell._style = copy(self._protos[style]._style)
        return cell

    def put_row(self, row: int, values: Iterable[object], style: str | None = None,
                first_col: int = 1) -> None:
        for col, value in enumerate(values, first_col):
            self.put(row, col, value, style)


def set_widths(ws: Worksheet, widths: Sequence[float]) -> None:
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width


def fit_row(ws: Worksheet, row: int, values: Iterable[object], widths: Sequence[float],
            size_pt: float = 11, bold: bool = False) -> None:
    """Set the height of a row of wrapped cells so that its tallest value fits (rows of one line
    keep the default height)."""
    height = fit_height(values, widths, size_pt, bold)
    if height is not None:
        ws.row_dimensions[row].height = height


def print_setup(ws: Worksheet, title_rows: str | None, landscape: bool = True) -> None:
    """A4, fit to page width, any height; title rows repeated on every page; page numbers (as the
    streaming writer's `consolidate.LANDSCAPE` / `PORTRAIT` pages)."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE if landscape else ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "Страница &P из &N"
    ws.oddFooter.center.size = 8
    if title_rows:
        ws.print_title_rows = title_rows
