"""hidden_rows: no data row of the table is hidden in the workbook (hidden rows are checked and
consolidated like the others; the author is told they are there).

Parameters: none.
Message fields: {rows} («7, 9–12»), {count}.

Example:
    - {code: UD-HIDDEN, check: hidden_rows, severity: warning, ...}
"""
from __future__ import annotations

from consolidator.checks.base import FileCheck, row_ranges


class HiddenRows(FileCheck):
    def remark(self, table, rule, profile):
        rows = table.hidden_rows
        return {"rows": row_ranges(rows), "count": len(rows)} if rows else None


CHECK = HiddenRows()
