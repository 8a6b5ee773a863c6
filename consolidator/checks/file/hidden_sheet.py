"""hidden_sheet: the table was not found on a hidden sheet.

Parameters: none.
Message fields: {sheet}.

Example:
    - {code: UD-HIDDEN-SHEET, check: hidden_sheet, severity: warning, ...}
"""
from __future__ import annotations

from consolidator.checks.base import FileCheck


class HiddenSheet(FileCheck):
    def remark(self, table, rule, profile):
        return {} if table.found and table.sheet_hidden else None


CHECK = HiddenSheet()
