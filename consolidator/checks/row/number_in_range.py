"""number_in_range: a filled cell of `columns` is a whole number from `min` to `max`: a score of 1 to 5.
«5» and «5.0» (as a number cell or an export holds it) are 5; «4,5», «пять» or «5 баллов» are no score.

Parameters: columns, min, max.
Message fields: {min}, {max}.

Example:
    - {code: ECON-SCORE, check: number_in_range, columns: [score_1, score_2], min: 1, max: 5, ...}
"""
from __future__ import annotations

from consolidator.checks.base import RowCheck, mark_each
from consolidator.profile.survey import whole_number


class NumberInRange(RowCheck):
    required = ("columns", "min", "max")

    def fails(self, frame, rule, profile):
        low, high = rule.params["min"], rule.params["max"]

        def wrong(value: str) -> bool:
            number = whole_number(value)
            return value != "" and (number is None or not low <= number <= high)

        return mark_each(frame, rule, wrong)

    def remark_fields(self, frame, failing, column, rule, profile):
        return [{"min": rule.params["min"], "max": rule.params["max"]} for _ in failing]


CHECK = NumberInRange()
