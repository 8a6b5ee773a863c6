"""Real answers workbooks made by the survey tests: a title, the header (the profile's column headers),
one row per questionnaire."""
from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from consolidator.profile import Profile

HEADER_ROW = 3  # a title, a blank row, then the header
FIRST_DATA_ROW = HEADER_ROW + 1


def make_answers(path: Path, profile: Profile, rows: list[dict], drop_columns: tuple[str, ...] = (),
                 hidden_rows: tuple[int, ...] = ()) -> Path:
    """Write an answers workbook; row dicts give values by column key (None or "" leaves a cell empty).
    Questionnaire i (1-based) lands on Excel row FIRST_DATA_ROW + i - 1; columns in profile order from A."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Ответы"
    ws.cell(1, 1, "Ответы на вопросы анкеты")
    keys = [k for k in profile.keys if k not in drop_columns]
    for c, key in enumerate(keys, 1):
        ws.cell(HEADER_ROW, c, profile.column(key).header)
    for i, row in enumerate(rows):
        for c, key in enumerate(keys, 1):
            value = row.get(key)
            if value in ("", None):
                continue
            cell = ws.cell(FIRST_DATA_ROW + i, c, value)
            if isinstance(value, str):
                cell.data_type = "s"  # "=..." and "#REF!" stay text
    for i in hidden_rows:
        ws.row_dimensions[FIRST_DATA_ROW + i - 1].hidden = True
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def answer_cell(profile: Profile, row: int, key: str, drop_columns: tuple[str, ...] = ()) -> str:
    keys = [k for k in profile.keys if k not in drop_columns]
    return f"{get_column_letter(keys.index(key) + 1)}{FIRST_DATA_ROW + row - 1}"
