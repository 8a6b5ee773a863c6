"""required_when: a cell of `columns` is filled when the same row's cell of the paired column of
`when_columns` (columns[i] goes with when_columns[i]) holds one of `values`: the open answer asked
after a score of 1, 2 or 3. Values are compared as numbers when both are whole numbers («1.0» is 1),
else as vocabulary values are (case, ё/е, spaces do not matter).

Parameters: columns, when_columns, values.
Message fields: {when_value} (the value that asks for the answer), {when_column} (its column's header).

Example:
    - {code: ECON-OPEN, check: required_when, columns: [open_1], when_columns: [score_1], values: ["1", "2", "3"], ...}
"""
from __future__ import annotations

from consolidator.checks.base import RowCheck, pd, per_value_bool
from consolidator.profile.schema import ProfileError
from consolidator.profile.survey import whole_number
from consolidator.profile.text import match_key


def _key(value: object) -> str:
    number = whole_number(value)
    return str(number) if number is not None else match_key(value)


def _pairs(rule) -> list[tuple[str, str]]:
    columns, when = rule.params["columns"], rule.params["when_columns"]
    if len(columns) != len(when):
        raise ProfileError(f"правило {rule.code}: в columns и when_columns должно быть поровну граф "
                           f"(они идут парами): {len(columns)} и {len(when)}.")
    return list(zip(columns, when))


class RequiredWhen(RowCheck):
    required = ("columns", "when_columns", "values")

    def reads(self, rule):
        return [*rule.params["columns"], *rule.params["when_columns"]]

    def fails(self, frame, rule, profile):
        wanted = {_key(v) for v in rule.params["values"]}
        out = {}
        for column, when in _pairs(rule):
            asks = per_value_bool(frame[when], lambda value: value != "" and _key(value) in wanted)
            out[column] = (frame[column] == "").to_numpy() & asks
        return pd.DataFrame(out, index=frame.index)

    def remark_fields(self, frame, failing, column, rule, profile):
        when = dict(_pairs(rule))[column]
        return [{"when_value": frame.at[i, when], "when_column": profile.header(when)} for i in failing]


CHECK = RequiredWhen()
