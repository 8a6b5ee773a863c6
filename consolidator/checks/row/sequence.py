"""sequence: the numbers of `column` run 1, 2, 3 … within each file, without gaps or repeats. Only the
first row where the run breaks is marked (renumbering from there fixes the rest).

Parameters: column.
Message fields: {expected} (the number that row should have), {last_row} (the table's last Excel row).

Example:
    - {code: UD-NUM, check: sequence, column: num, ...}
"""
from __future__ import annotations

from consolidator.checks.base import RowCheck, mark, pd


def _expected(frame):
    return frame.groupby("file").cumcount() + 1


class Sequence(RowCheck):
    def fails(self, frame, rule, profile):
        col = frame[rule.column].str.rstrip(".")
        numbers = pd.to_numeric(col.where(col.str.fullmatch(r"\d{1,6}"), None), errors="coerce")
        broken = numbers.ne(_expected(frame))
        first_break = broken & (broken.astype(int).groupby(frame["file"]).cumsum() == 1)
        return mark(rule, first_break)

    def remark_fields(self, frame, failing, column, rule, profile):
        # Renumbering runs to the table's end: the file's last row is named.
        expected = _expected(frame)
        last = frame.groupby("file")["row"].transform("max")
        return [{"expected": expected.loc[i], "last_row": last.loc[i]} for i in failing]


CHECK = Sequence()
