"""not_formula: a cell holds text, not the text of a formula (`=HYPERLINK("https://…";"Сайт")`): a
formula typed as text shows its code, not a name, in the consolidated list and the order, and a
link in it does not work there.

Parameters: columns.
Message fields: the row's own only.

Example:
    - {code: UD-FORMULA, check: not_formula, columns: [service, point, interaction], ...}
"""
from __future__ import annotations

import re

from consolidator.checks.base import RowCheck, mark_each

# «=», a function's name (Latin or Russian Excel's, with dots: ГИПЕРССЫЛКА, _xlfn.CONCAT) and «(».
FORMULA = re.compile(r"^\s*=\s*[A-Za-zА-Яа-яЁё_][\w.]*\s*\(")


class NotFormula(RowCheck):
    required = ("columns",)

    def fails(self, frame, rule, profile):
        return mark_each(frame, rule, FORMULA.match)


CHECK = NotFormula()
