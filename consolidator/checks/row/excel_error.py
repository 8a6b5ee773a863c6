"""excel_error: no cell of `columns` holds an Excel error value instead of a value (#REF!, #N/A,
Russian Excel's #ССЫЛКА!, #Н/Д …, LibreOffice's Err:502). The reader puts back the error values
python-calamine reads as empty cells.

Parameters: columns.
Message fields: the row's own only.

Example:
    - {code: UD-CELL-ERROR, check: excel_error, columns: [num, group, service, point, interaction, kind], ...}
"""
from __future__ import annotations

import re

from consolidator.checks.base import RowCheck, mark_each

EXCEL_ERROR = re.compile(
    r"^(?:#(?:REF!|N/A|VALUE!|DIV/0!|NAME\?|NUM!|NULL!|SPILL!|CALC!|GETTING_DATA|BLOCKED!|CONNECT!|FIELD!|"
    r"UNKNOWN!|BUSY!|Н/Д|ССЫЛКА!|ЗНАЧ!|ДЕЛ/0!|ИМЯ\?|ЧИСЛО!|ПУСТО!|ПЕРЕНОС!|ВЫЧИСЛ!|ОШИБКА)|Err:\d{3})$",
    re.IGNORECASE)


class ExcelError(RowCheck):
    required = ("columns",)

    def fails(self, frame, rule, profile):
        return mark_each(frame, rule, EXCEL_ERROR.match)


CHECK = ExcelError()
