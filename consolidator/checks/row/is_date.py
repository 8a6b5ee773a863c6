"""is_date: a filled cell of `column` is a date, with or without a time: «15.01.2025», «15.01.2025 10:30»
(a date cell reads so), «2025-01-15 10:30:00» (an export), «15.01.25».

Parameters: column.
Message fields: the row's own only.

Example:
    - {code: ECON-DATE, check: is_date, column: when, ...}
"""
from __future__ import annotations

from consolidator.checks.base import RowCheck, mark, per_value
from consolidator.profile.survey import parse_moment


class IsDate(RowCheck):
    def fails(self, frame, rule, profile):
        col = frame[rule.column]
        return mark(rule, (col != "") & per_value(col, lambda v: parse_moment(v) is None).astype(bool))


CHECK = IsDate()
