"""not_empty: a cell of `column` is filled.

Parameters: column.
Message fields: the row's own only ({cell}, {value}, {column}, {sheet} and every column key).

Example:
    - {code: UD-EMPTY-GROUP, check: not_empty, column: group, severity: error, clause: "п. 7 Порядка", ...}
"""
from __future__ import annotations

from consolidator.checks.base import RowCheck, mark


class NotEmpty(RowCheck):
    def fails(self, frame, rule, profile):
        return mark(rule, frame[rule.column] == "")


CHECK = NotEmpty()
