"""unique_within: a value of `column` is not repeated within one file among the rows equal in
`within` (a point repeated for one service). Every repetition after the first is marked; rows with an
empty `column` or `within` value get their own remark and are not compared.

Parameters: column, within (a list of columns).
Message fields: {first_row} (the Excel row of the first occurrence), {first_number} (the profile's number
column in that row, as the author numbered it: clerks count rows by № п/п; «—» when empty) and the
`within` values.

Example:
    - {code: UD-DUP, check: unique_within, column: point, within: [service], ...}
"""
from __future__ import annotations

from consolidator.checks.base import RowCheck, keys, mark, pd


def _keyframe(frame, rule):
    within = rule.params["within"]
    parts = [frame["file"]] + [keys(frame[c]) for c in (*within, rule.column)]
    return pd.concat(parts, axis=1, keys=range(len(within) + 2))


class UniqueWithin(RowCheck):
    required = ("column", "within")

    def fails(self, frame, rule, profile):
        # Rows with an empty service (or group) get their own remark; they are not one service.
        complete = (frame[[rule.column, *rule.params["within"]]] != "").all(axis=1)
        return mark(rule, complete & _keyframe(frame, rule).duplicated(keep="first"))

    def remark_fields(self, frame, failing, column, rule, profile):
        key = _keyframe(frame, rule)
        groups = [key[c] for c in key.columns]
        first = frame["row"].groupby(groups).transform("first")
        num = profile.number_column
        numbers = frame[num].groupby(groups).transform("first") if num in frame else None
        within = rule.params["within"]
        return [{"first_row": first.loc[i], "first_number": (numbers.loc[i] if numbers is not None else "") or "—",
                 **{k: frame.at[i, k] for k in within}} for i in failing]


CHECK = UniqueWithin()
