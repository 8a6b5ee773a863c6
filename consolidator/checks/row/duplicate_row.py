"""duplicate_row: no row repeats an earlier row of the batch in every one of `columns` (the same
questionnaire entered twice, or a file put beside its corrected version), across all files. Every
repetition after the first is marked, on the first of `columns`.

Parameters: columns; file_names (the batch's file paths by file index, set by the job that runs the
check, to name the file of the first occurrence).
Message fields: {row} (this Excel row), {first_row} (the first occurrence's Excel row), {first_file}
(« файла «…»» when the first occurrence is in another file, else nothing).

Example:
    - {code: ECON-DUP, check: duplicate_row, columns: [municipality, when, satisfied], ...}
"""
from __future__ import annotations

from consolidator.checks.base import RowCheck, pd


def _groups(frame, rule):
    return frame.groupby(rule.params["columns"], sort=False, dropna=False).ngroup()


class DuplicateRow(RowCheck):
    required = ("columns",)
    optional = ("file_names",)
    whole_batch = True

    def marks(self, rule):
        return [rule.params["columns"][0]]

    def fails(self, frame, rule, profile):
        repeated = frame.duplicated(subset=rule.params["columns"], keep="first")
        return pd.DataFrame({rule.params["columns"][0]: repeated.to_numpy(dtype=bool)}, index=frame.index)

    def remark_fields(self, frame, failing, column, rule, profile):
        groups = _groups(frame, rule)
        first = pd.Series(frame.index, index=frame.index).groupby(groups).transform("first")
        names = rule.params.get("file_names") or []
        out = []
        for i in failing:
            j = first.loc[i]
            other = int(frame.at[j, "file"])
            where = ""
            if other != int(frame.at[i, "file"]):
                where = f" файла «{names[other]}»" if other < len(names) else " другого файла"
            out.append({"row": frame.at[i, "row"], "first_row": frame.at[j, "row"], "first_file": where})
        return out


CHECK = DuplicateRow()
