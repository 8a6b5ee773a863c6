"""kind_agrees: the kind stated in `column` (online or offline) is the kind of the row's point, as the
profile's vocabularies.points recognise it. Rows whose kind is not in the vocabulary, or whose point
is unknown or of no fixed kind, are left to other rules.

Parameters: column, point_column.
Message fields: {point}, {point_kind}, {point_kind_lower}.

Example:
    - {code: UD-KIND-AGREE, check: kind_agrees, column: kind, point_column: point, ...}
"""
from __future__ import annotations

from consolidator.checks.base import RowCheck, keys, mark, point_types


class KindAgrees(RowCheck):
    required = ("column", "point_column")

    def fails(self, frame, rule, profile):
        kinds = keys(frame[rule.column]).map(profile.vocabulary("kinds"))
        types = point_types(frame[rule.params["point_column"]], profile)
        expected = types.map(lambda t: t.kind if t is not None else None)
        return mark(rule, kinds.notna() & expected.notna() & (kinds != expected))

    def remark_fields(self, frame, failing, column, rule, profile):
        out = []
        for i in failing:
            point = frame.at[i, rule.params["point_column"]]
            kind = profile.point_type(point).kind
            out.append({"point": point, "point_kind": kind, "point_kind_lower": kind.lower()})
        return out


CHECK = KindAgrees()
