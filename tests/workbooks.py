"""Real workbooks made by the tests: the form as a subdivision fills it."""
from __future__ import annotations

from pathlib import Path

import openpyxl

from consolidator.profile import Profile

TITLE_ROWS = 2  # title, «Структурное подразделение: …»
HEADER_ROW = TITLE_ROWS + 2  # a blank row, then the header
FIRST_DATA_ROW = HEADER_ROW + 2  # after the numbering row


def make_form(path: Path, profile: Profile, rows: list[dict], subdivision: str = "Управление тестирования",
              drop_columns: tuple[str, ...] = (), number: bool = True, hidden_rows: tuple[int, ...] = (),
              hidden_sheet: bool = False) -> Path:
    """Write a form workbook; row dicts give values by column key, № is filled 1..N unless given.

    Data row i (1-based) lands on Excel row FIRST_DATA_ROW + i - 1; columns in profile order from A.
    `hidden_rows` hides those data rows (1-based); `hidden_sheet` hides the form's sheet behind a
    visible cover sheet «Письмо».
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Лист1"
    ws.cell(1, 1, profile.form_title)
    ws.cell(2, 1, f"Структурное подразделение: {subdivision}")
    keys = [k for k in profile.keys if k not in drop_columns]
    for c, key in enumerate(keys, start=1):
        ws.cell(HEADER_ROW, c, profile.column(key).header)
        ws.cell(HEADER_ROW + 1, c, c)
    for i, row in enumerate(rows):
        for c, key in enumerate(keys, start=1):
            value = row.get(key, i + 1 if key == profile.number_column and number else None)
            cell = ws.cell(FIRST_DATA_ROW + i, c)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # keep "=..." text as text
    ws.cell(FIRST_DATA_ROW + len(rows) + 1, 1, "* В соответствии с Реестром процессов Министерства;")
    for i in hidden_rows:
        ws.row_dimensions[FIRST_DATA_ROW + i - 1].hidden = True
    if hidden_sheet:
        cover = wb.create_sheet("Письмо", 0)
        cover["A1"] = "Направляем перечень точек взаимодействия"
        ws.sheet_state = "hidden"
        wb.active = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def cell_of(profile: Profile, data_row: int, key: str, drop_columns: tuple[str, ...] = ()) -> str:
    keys = [k for k in profile.keys if k not in drop_columns]
    return f"{openpyxl.utils.get_column_letter(keys.index(key) + 1)}{FIRST_DATA_ROW + data_row - 1}"
