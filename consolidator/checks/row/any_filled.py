"""any_filled: a row has at least one filled cell among `columns` (a questionnaire with some answer
to its block 2). The remark goes on the first of `columns`.

Parameters: columns.
Message fields: {row} (the Excel row).

Example:
    - {code: ECON-NO-ANSWERS, check: any_filled, columns: [satisfied, use_1, score_1], ...}
"""
from __future__ import annotations

from consolidator.checks.base import RowCheck, pd


class AnyFilled(RowCheck):
    required = ("columns",)

    def marks(self, rule):
        return [rule.params["columns"][0]]

    def fails(self, frame, rule, profile):
        empty = (frame[rule.params["columns"]] == "").all(axis=1)
        return pd.DataFrame({rule.params["columns"][0]: empty.to_numpy(dtype=bool)}, index=frame.index)

    def remark_fields(self, frame, failing, column, rule, profile):
        return [{"row": frame.at[i, "row"]} for i in failing]


CHECK = AnyFilled()
