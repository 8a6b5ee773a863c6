"""known_point: a filled point is one the profile's vocabularies.points recognise (a warning in the
profiles: a point may be new, the reviewer looks).

Parameters: column.
Message fields: the row's own only.

Example:
    - {code: UD-POINT-UNKNOWN, check: known_point, column: point, severity: warning, ...}
"""
from __future__ import annotations

from consolidator.checks.base import RowCheck, mark, point_types


class KnownPoint(RowCheck):
    def fails(self, frame, rule, profile):
        col = frame[rule.column]
        return mark(rule, (col != "") & point_types(col, profile).isna())


CHECK = KnownPoint()
