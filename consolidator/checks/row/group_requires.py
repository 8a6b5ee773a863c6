"""group_requires: within each group of rows (one process: rows equal in `within`), at least one row
has a value of `values` in `column` (compared through `vocabulary`, if given). The remark goes on
`column` of the group's first row. A group with a row whose value is empty or not in the vocabulary
is left to the rules on that value.

Parameters: within, column, values; vocabulary.
Message fields: {rows} (the group's Excel rows, «6–9»), {first_row}.

Example:
    - {code: SV-NO-DIGITAL, check: group_requires, within: [function, process], column: kind, vocabulary: kinds,
       values: [цифровая], ...}
"""
from __future__ import annotations

from consolidator.checks.base import FAILS, SATISFIES, UNSURE, RowCheck, group_fails, group_remark_fields, per_value
from consolidator.profile.text import match_key


class GroupRequires(RowCheck):
    required = ("within", "column", "values")
    optional = ("vocabulary",)

    def fails(self, frame, rule, profile):
        wanted = {match_key(v) for v in rule.params["values"]}
        name = rule.params.get("vocabulary")
        voc = profile.vocabulary(name) if name else None

        def state(value: str) -> int:
            if not value:
                return UNSURE  # empty: another rule speaks of it
            if voc is not None:
                canonical = voc.get(match_key(value))
                if canonical is None:
                    return UNSURE  # not in the vocabulary: another rule speaks of it
                value = canonical
            return SATISFIES if match_key(value) in wanted else FAILS

        return group_fails(frame, rule, per_value(frame[rule.column], state))

    def remark_fields(self, frame, failing, column, rule, profile):
        return group_remark_fields(frame, failing, rule)


CHECK = GroupRequires()
