"""table_not_empty: the form's table, once found, holds at least one data row.

Parameters: none.
Message fields: {sheet}.

Example:
    - {code: UD-EMPTY-TABLE, check: table_not_empty, ...}
"""
from __future__ import annotations

from consolidator.checks.base import FileCheck


class TableNotEmpty(FileCheck):
    def remark(self, table, rule, profile):
        return {} if table.found and not table.rows else None


CHECK = TableNotEmpty()
