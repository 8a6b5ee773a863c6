"""group_ordinal: the number in `column` is the ordinal of the row's group (`item_column`) in the
file's table: 1 for the first group that appears, 2 for the next… (002 п. 1.3.1: «указывается
порядковый номер группы процессов»). With `vocabulary`, the number the procedure's own list gives
the group is accepted too, and a row whose group is not in the vocabulary is left to the rule on
groups. Rows whose group or number is empty are left to other rules.

Parameters: column, item_column; vocabulary.
Message fields: {expected} (the group's ordinal in the file), {item} (the group).

Example:
    - {code: GSN-GROUP-NUM, check: group_ordinal, column: num, item_column: group, vocabulary: groups, ...}
"""
from __future__ import annotations

from consolidator.checks.base import RowCheck, keys, mark, pd
from consolidator.checks.row.number_agrees import number_key


def _ordinals(frame, rule) -> pd.Series:
    """Each row's group's ordinal among its file's groups in order of first appearance."""
    group = keys(frame[rule.params["item_column"]])
    first = ~pd.concat([frame["file"], group], axis=1).duplicated()
    rank = first.astype(int).groupby(frame["file"]).cumsum()
    # The ordinal of a group is the rank at its first row.
    at_first = pd.Series(rank[first].to_numpy(), index=pd.MultiIndex.from_arrays(
        [frame["file"][first].to_numpy(), group[first].to_numpy()]))
    return pd.Series(at_first.reindex(pd.MultiIndex.from_arrays([frame["file"].to_numpy(), group.to_numpy()])).to_numpy(),
                     index=frame.index)


class GroupOrdinal(RowCheck):
    required = ("column", "item_column")
    optional = ("vocabulary",)

    def fails(self, frame, rule, profile):
        ordinal = _ordinals(frame, rule).astype(str)
        given = frame[rule.column].map(number_key)
        if "vocabulary" in rule.params:
            voc = profile.vocabulary(rule.params["vocabulary"])
            numbers = {i.value: {number_key(n) for n in i.numbers} for i in profile.items(rule.params["vocabulary"])}
            items = keys(frame[rule.params["item_column"]]).map(voc)
            own_ok = [isinstance(item, str) and n in numbers.get(item, ()) for n, item in zip(given, items)]
            group_filled = items.notna()
        else:
            own_ok = [False] * len(frame)
            group_filled = frame[rule.params["item_column"]] != ""
        failing = (given != "") & group_filled & (given != ordinal) & ~pd.Series(own_ok, index=frame.index)
        return mark(rule, failing)

    def remark_fields(self, frame, failing, column, rule, profile):
        ordinal = _ordinals(frame, rule)
        return [{"expected": int(ordinal.loc[i]), "item": frame.at[i, rule.params["item_column"]]} for i in failing]


CHECK = GroupOrdinal()
