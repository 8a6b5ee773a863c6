"""group_not_only: within each group of rows (one process: rows equal in `within`), the items listed
in `column` are not all among `values`: the group lists something beyond them. The remark goes on
`column` of the group's first row; items outside the vocabulary count as beyond (another rule names
them), a group with an empty cell is left to the rule on empty cells.

Parameters: within, column, vocabulary, values; allow_refinement, split (as items_in_vocabulary).
Message fields: {rows} (the group's Excel rows, «6–9»), {first_row}.

Example:
    - {code: SV-FINAL-ONLY, check: group_not_only, within: [function, process], column: needs,
       vocabulary: needs, values: [получение результата, ответа, разъяснения], ...}
"""
from __future__ import annotations

from consolidator.checks.base import (FAILS, SATISFIES, UNSURE, RowCheck, group_fails, group_remark_fields,
                                      item_vocabulary, per_value)
from consolidator.profile.items import item_values
from consolidator.profile.text import match_key


class GroupNotOnly(RowCheck):
    required = ("within", "column", "vocabulary", "values")
    optional = ("allow_refinement", "split")

    def fails(self, frame, rule, profile):
        voc, split = item_vocabulary(rule, profile), rule.params.get("split")
        only = {match_key(v) for v in rule.params["values"]}

        def state(value: str) -> int:
            values = item_values(value, voc, split)
            if not values:
                return UNSURE  # nothing listed: the empty cell has its own rule
            return SATISFIES if any(v is None or match_key(v) not in only for v in values) else FAILS

        return group_fails(frame, rule, per_value(frame[rule.column], state))

    def remark_fields(self, frame, failing, column, rule, profile):
        return group_remark_fields(frame, failing, rule)


CHECK = GroupNotOnly()
