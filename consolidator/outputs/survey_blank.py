"""The survey's entry workbook (`consolidator survey template`): where the authorised unit enters the
answers of paper questionnaires, one row per respondent, one column per code of the form.

Sheet «Ответы»: the title, the «Структурное подразделение:» line, the blocks over the header, the header
(the codes as the questionnaire prints them), empty rows with a drop-down list for every closed
question (its answers, from «Справочники»), a whole-number 1–5 check for every score, a date for (13).
A closed answer may also be typed as its code (1, 2, 3: footnote 2 of the form), so the lists do not
refuse other values; the check does. Sheet «Инструкция»: how to fill it in, what every code means,
every rule with its clause. Sheet «Справочники»: the answers and the region's municipalities.

A blank filled with valid answers passes the check unchanged; nothing here is regional.
"""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.protection import SheetProtection

from consolidator.ooxml.openpyxl_cells import BORDER, THIN
from consolidator.ooxml.xlsx_writer import text_height
from consolidator.outputs.atomic import atomic_path
from consolidator.outputs.style import BODY_FONT, FORM_FONT, HEADER_FILL
from consolidator.outputs.template import Styles, _clip, fit_row, label_text, print_setup, set_widths
from consolidator.profile.schema import SEVERITY_RU, Profile

SHEET_ANSWERS = "Ответы"
SHEET_HELP = "Инструкция"
SHEET_LISTS = "Справочники"
DEFAULT_ROWS = 300

TITLE_ROW, SUBDIVISION_ROW, NOTE_ROW, BLOCK_ROW, HEADER_ROW = 1, 2, 3, 4, 5
FIRST_DATA_ROW = HEADER_ROW + 1

_TOP = Alignment(vertical="top", wrap_text=True)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_UNLOCKED = Protection(locked=False)
_BLOCK_FILLS = ("DDEBF7", "E2EFDA")


def write_blank(profile: Profile, path: Path, rows: int = DEFAULT_ROWS) -> Path:
    """Write the entry workbook of a survey profile to `path` (.xlsx) with `rows` empty rows."""
    survey = profile.survey
    wb = Workbook()
    answers = wb.active
    answers.title = SHEET_ANSWERS
    help_ws = wb.create_sheet(SHEET_HELP)
    lists_ws = wb.create_sheet(SHEET_LISTS)
    lists = _lists(lists_ws, profile)
    _answers(answers, profile, rows, lists)
    _instruction(help_ws, profile)
    wb.active = 0
    wb.properties.title = survey.title
    with atomic_path(Path(path)) as tmp:
        wb.save(tmp)
    return Path(path)


def _columns_of(profile: Profile) -> dict[str, tuple]:
    """Each column key -> (question, source or None, is the open answer)."""
    survey = profile.survey
    out = {}
    for q in survey.questions:
        if not q.per_source:
            out[q.key] = (q, None, False)
            continue
        for s in survey.sources:
            out[f"{q.key}_{s.number}"] = (q, s, False)
            if q.open is not None:
                out[f"{q.open.key}_{s.number}"] = (q, s, True)
    return out


def _lists(ws, profile: Profile) -> dict[str, str]:
    """Every closed question's answers in a column of «Справочники»: vocabulary -> the range."""
    survey = profile.survey
    st = Styles(ws)
    st.define("header", font=Font(name=BODY_FONT, bold=True), alignment=_CENTER, border=BORDER,
              fill=PatternFill("solid", fgColor=HEADER_FILL))
    st.define("cell", font=Font(name=BODY_FONT), alignment=_TOP, border=BORDER)
    out = {}
    col = 0
    for q in survey.questions:
        if q.type != "choice" or q.vocabulary in out:
            continue
        col += 1
        letter = get_column_letter(col)
        items = profile.items(q.vocabulary)
        st.put(1, col, f"({q.code}) {q.short}" if not q.per_source else f"({q.code}) ответы", "header")
        for r, item in enumerate(items, 2):
            st.put(r, col, item.value, "cell")
        out[q.vocabulary] = f"{quote_sheetname(ws.title)}!${letter}$2:${letter}${len(items) + 1}"
        ws.column_dimensions[letter].width = min(60, max(22, *(len(i.value) + 3 for i in items)))
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "A2"
    return out


def _answers(ws, profile: Profile, rows: int, lists: dict[str, str]) -> None:
    survey = profile.survey
    columns = profile.columns
    meaning = _columns_of(profile)
    widths = [c.width for c in columns]
    n = len(columns)
    set_widths(ws, widths)
    st = Styles(ws)
    st.define("title", font=Font(name=FORM_FONT, size=13, bold=True), alignment=_CENTER)
    st.define("label", font=Font(name=FORM_FONT, size=12), alignment=Alignment(horizontal="left", vertical="bottom"))
    st.define("name", font=Font(name=FORM_FONT, size=12), alignment=Alignment(horizontal="left", vertical="bottom"),
              border=Border(bottom=THIN), protection=_UNLOCKED)
    st.define("note", font=Font(name=FORM_FONT, size=10, italic=True), alignment=_TOP)
    for i, fill in enumerate(_BLOCK_FILLS, 1):
        st.define(f"block{i}", font=Font(name=FORM_FONT, size=11, bold=True), alignment=_CENTER, border=BORDER,
                  fill=PatternFill("solid", fgColor=fill))
        st.define(f"header{i}", font=Font(name=FORM_FONT, size=10, bold=True), alignment=_CENTER, border=BORDER,
                  fill=PatternFill("solid", fgColor=fill))
    st.define("text", font=Font(name=FORM_FONT, size=11), alignment=_TOP, border=BORDER, protection=_UNLOCKED,
              number_format="@")
    st.define("choice", font=Font(name=FORM_FONT, size=11), alignment=_TOP, border=BORDER, protection=_UNLOCKED)
    st.define("score", font=Font(name=FORM_FONT, size=11), alignment=Alignment(horizontal="center", vertical="top"),
              border=BORDER, protection=_UNLOCKED, number_format="0")
    st.define("date", font=Font(name=FORM_FONT, size=11), alignment=_TOP, border=BORDER, protection=_UNLOCKED,
              number_format="DD.MM.YYYY HH:MM")

    title = f"Ответы на вопросы анкеты: {survey.title}"
    st.put(TITLE_ROW, 1, title, "title")
    ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=n)
    ws.row_dimensions[TITLE_ROW].height = text_height(title, sum(widths), 13, bold=True) + 6
    # Who entered the answers: the reader takes the name from the cell after the label.
    label = label_text(profile)
    st.put(SUBDIVISION_ROW, 1, label, "label")
    ws.merge_cells(start_row=SUBDIVISION_ROW, start_column=1, end_row=SUBDIVISION_ROW, end_column=2)
    for c in range(3, n + 1):
        st.put(SUBDIVISION_ROW, c, None, "name")
    ws.merge_cells(start_row=SUBDIVISION_ROW, start_column=3, end_row=SUBDIVISION_ROW, end_column=min(n, 8))
    ws.row_dimensions[SUBDIVISION_ROW].height = 20
    note = ("Одна строка — одна анкета. Коды в заголовке — коды формы опроса для внесения ответов с бумажных "
            "анкет. Закрытый ответ выбирается из списка или вносится кодом (1, 2, 3); оценка — целое число от "
            "1 до 5; если респондент не ответил, ячейка остается пустой. Подробно — на листе «Инструкция».")
    st.put(NOTE_ROW, 1, note, "note")
    ws.merge_cells(start_row=NOTE_ROW, start_column=1, end_row=NOTE_ROW, end_column=n)
    ws.row_dimensions[NOTE_ROW].height = text_height(note, sum(widths), 10) + 2

    # The blocks over the header, as the form divides the questions.
    spans: list[tuple[int, int, int]] = []
    for c, col in enumerate(columns, 1):
        block = meaning[col.key][0].block
        if spans and spans[-1][0] == block:
            spans[-1] = (block, spans[-1][1], c)
        else:
            spans.append((block, c, c))
    names = {1: "БЛОК 1. СТАТИСТИЧЕСКИЙ", 2: "БЛОК 2. ОЦЕНКА ДОСТУПНОСТИ, СОСТАВА И КАЧЕСТВА ИНФОРМАЦИИ"}
    for block, first, last in spans:
        style = f"block{1 + (block - 1) % len(_BLOCK_FILLS)}"
        for c in range(first, last + 1):
            st.put(BLOCK_ROW, c, names.get(block, f"БЛОК {block}") if c == first else None, style)
        if last > first:
            ws.merge_cells(start_row=BLOCK_ROW, start_column=first, end_row=BLOCK_ROW, end_column=last)
    ws.row_dimensions[BLOCK_ROW].height = 18
    for c, col in enumerate(columns, 1):
        block = meaning[col.key][0].block
        st.put(HEADER_ROW, c, col.header, f"header{1 + (block - 1) % len(_BLOCK_FILLS)}")
    fit_row(ws, HEADER_ROW, [c.header for c in columns], widths, size_pt=10, bold=True)

    last = FIRST_DATA_ROW + rows - 1
    for c, col in enumerate(columns, 1):
        q, source, is_open = meaning[col.key]
        style = "text" if is_open or q.type == "text" else q.type
        for r in range(FIRST_DATA_ROW, last + 1):
            st.put(r, c, None, style)
        _validation(ws, profile, c, col, q, source, is_open, lists, last)

    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 4)
    print_setup(ws, f"{BLOCK_ROW}:{HEADER_ROW}", landscape=True)
    ws.print_area = f"A1:{get_column_letter(n)}{last}"
    ws.sheet_view.zoomScale = 90
    ws.sheet_view.selection[0].activeCell = f"A{FIRST_DATA_ROW}"
    ws.sheet_view.selection[0].sqref = f"A{FIRST_DATA_ROW}"
    ws.protection = SheetProtection(
        sheet=True, formatCells=False, formatRows=False, formatColumns=False, insertRows=False,
        deleteRows=False, sort=False, autoFilter=False, selectLockedCells=False, selectUnlockedCells=False)


def _validation(ws, profile, c, col, q, source, is_open, lists, last) -> None:
    letter = get_column_letter(c)
    cells = f"{letter}{FIRST_DATA_ROW}:{letter}{last}"
    title = _clip(col.header, 32)
    if is_open:
        low = ", ".join(map(str, q.open.low))
        dv = DataValidation(allow_blank=True, showInputMessage=True, promptTitle=title,
                            prompt=_clip(f"Заполняется, если ресурс оценен на {low}: {q.open.text}", 255))
    elif q.type == "choice":
        items = profile.items(q.vocabulary)
        codes = "; ".join(f"{i.numbers[0]} — {i.value}" for i in items if i.numbers)
        prompt = "Выберите ответ из списка" + (f" или внесите его код: {codes}." if codes else ".")
        if len(prompt) > 255:
            prompt = f"Выберите ответ из списка ({len(items)} вариантов, лист «{SHEET_LISTS}»)."
        # Codes and other spellings are accepted by the check: the list helps, it does not refuse.
        dv = DataValidation(type="list", formula1=lists[q.vocabulary], allow_blank=True, showErrorMessage=False,
                            showInputMessage=True, promptTitle=title, prompt=_clip(prompt, 255))
    elif q.type == "score":
        lo, hi = q.scale
        dv = DataValidation(type="whole", operator="between", formula1=str(lo), formula2=str(hi), allow_blank=True,
                            showErrorMessage=True, showInputMessage=True, errorStyle="stop",
                            errorTitle="Нужна оценка от 1 до 5",
                            error=_clip(f"Оценка — целое число от {lo} до {hi} ({q.scale_text}). Если респондент "
                                        f"не оценил ресурс, оставьте ячейку пустой.", 255),
                            promptTitle=title, prompt=_clip(f"Целое число от {lo} до {hi}: {q.scale_text}.", 255))
    elif q.type == "date":
        dv = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                            showErrorMessage=True, showInputMessage=True, errorStyle="warning",
                            errorTitle="Нужна дата", error="Внесите дату в виде ДД.ММ.ГГГГ или ДД.ММ.ГГГГ ЧЧ:ММ.",
                            promptTitle=title, prompt="Дата (и время) в виде ДД.ММ.ГГГГ ЧЧ:ММ, например "
                                                      "15.01.2025 10:30.")
    else:
        return
    dv.add(cells)
    ws.add_data_validation(dv)


def _instruction(ws, profile: Profile) -> None:
    survey = profile.survey
    widths = (16, 56, 40, 30)
    set_widths(ws, widths)
    full = sum(widths)
    st = Styles(ws)
    st.define("title", font=Font(name=BODY_FONT, bold=True, size=14), alignment=_TOP)
    st.define("sub", font=Font(name=BODY_FONT, italic=True), alignment=_TOP)
    st.define("section", font=Font(name=BODY_FONT, bold=True, size=12))
    st.define("para", font=Font(name=BODY_FONT), alignment=_TOP)
    st.define("header", font=Font(name=BODY_FONT, bold=True), alignment=_CENTER, border=BORDER,
              fill=PatternFill("solid", fgColor=HEADER_FILL))
    st.define("cell", font=Font(name=BODY_FONT), alignment=_TOP, border=BORDER)
    st.define("error", font=Font(name=BODY_FONT), alignment=_TOP, border=BORDER,
              fill=PatternFill("solid", fgColor="F8CBAD"))
    st.define("warning", font=Font(name=BODY_FONT), alignment=_TOP, border=BORDER,
              fill=PatternFill("solid", fgColor="FFF2CC"))
    row = 1

    def wide(text: str, style: str, size: float = 11, bold: bool = False) -> None:
        nonlocal row
        st.put(row, 1, text, style)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(widths))
        ws.row_dimensions[row].height = text_height(text, full, size, bold)
        row += 1

    wide("Инструкция по вводу ответов опроса", "title", 14, True)
    wide(f"{survey.title}. {profile.procedure_title} ({survey.clause}; форма опроса — {survey.form}).", "sub")
    row += 1
    st.put(row, 1, "Как вносить ответы", "section")
    row += 1
    label = label_text(profile).rstrip(":")
    steps = [
        f"Заполняйте лист «{SHEET_ANSWERS}»: одна строка — одна анкета, начиная с первой строки под заголовком. "
        f"В строке «{label}» укажите, кто вносит ответы.",
        "Графы названы кодами формы опроса (в скобках) — теми же, что напечатаны в анкете: ответ на вопрос с кодом "
        "вносится в графу с этим кодом (сноска к форме опроса).",
        "Закрытый ответ выбирайте из раскрывающегося списка (стрелка справа от ячейки) или вносите его кодом — "
        "номером ответа в анкете (1, 2, 3): при проверке код заменяется ответом.",
        "Оценку ресурса вносите целым числом от 1 до 5. Если оценка 1, 2 или 3, в соседнюю графу перенесите ответ "
        "на уточняющий вопрос (какую информацию не нашли, в чем неудобство).",
        "Дату вносите в виде ДД.ММ.ГГГГ или ДД.ММ.ГГГГ ЧЧ:ММ. Муниципальный район или городской округ — из "
        f"списка (лист «{SHEET_LISTS}»).",
        "Если респондент не ответил на вопрос, оставьте ячейку пустой: ответ «нет ответа» в итогах считается "
        "отдельно.",
        "Не меняйте заголовок таблицы и коды граф: по ним программа находит ответы. Строки можно вставлять, "
        "удалять и сортировать; заголовок защищен от случайной правки без пароля («Рецензирование → Снять "
        "защиту листа»).",
        "Ошибка в строке — эта анкета не учитывается в итогах, пока ошибка не исправлена, а файл возвращается с "
        "замечаниями; предупреждение только отмечается.",
    ]
    for n, step in enumerate(steps, 1):
        wide(f"{n}. {step}", "para")
    row += 1

    st.put(row, 1, "Графы таблицы ответов", "section")
    row += 1
    st.put_row(row, ("Код", "Вопрос", "Как вносится", "Ответы (коды)"), "header")
    row += 1
    meaning = _columns_of(profile)
    for col in profile.columns:
        q, source, is_open = meaning[col.key]
        code = col.header.split(")", 1)[0] + ")"
        if is_open:
            what, how, answers = f"{source.name}: {q.open.text}", "текстом, при оценке 1–3", ""
        elif q.type == "choice":
            items = profile.items(q.vocabulary)
            what = f"{source.name}: {q.text}" if source else q.text
            how = "из списка или кодом" if any(i.numbers for i in items) else "из списка"
            answers = "\n".join(f"{i.numbers[0]} — {i.value}" for i in items if i.numbers) or (
                f"{len(items)} значений, лист «{SHEET_LISTS}»" if len(items) > 3 else "; ".join(i.value for i in items))
        elif q.type == "score":
            what, how, answers = f"{source.name}: {q.text}", f"целым числом от {q.scale[0]} до {q.scale[1]}", q.scale_text
        else:
            what, how, answers = q.text, "дата ДД.ММ.ГГГГ ЧЧ:ММ", ""
        values = (code, what, how, answers)
        st.put_row(row, values, "cell")
        fit_row(ws, row, values, widths)
        row += 1
    row += 1

    st.put(row, 1, "Правила проверки", "section")
    row += 1
    st.put_row(row, ("Код правила", "Что проверяется", "Важность", "Пункт"), "header")
    row += 1
    for rule in profile.rules:
        values = (rule.code, rule.summary, SEVERITY_RU[rule.severity], rule.clause)
        st.put_row(row, values, "cell")
        st.put(row, 3, values[2], rule.severity)
        fit_row(ws, row, values, widths)
        row += 1
    wide("Ошибка — анкета не учитывается в итогах, файл возвращается на доработку с замечаниями; предупреждение — "
         "только отмечается, анкета учитывается.", "para")
    print_setup(ws, None, landscape=False)
    ws.print_area = f"A1:D{row}"
