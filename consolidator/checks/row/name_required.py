"""name_required: a point of a type that must be named (a portal, an information system: the
profile's points with `name_required`) names it, rather than only saying what kind of resource it is
(vocabularies.generic_name_words: «портал», «сайт», «система»…).

Parameters: column.
Message fields: the row's own only.

Example:
    - {code: UD-NAME, check: name_required, column: point, ...}
"""
from __future__ import annotations

from consolidator.checks.base import RowCheck, mark, pd, per_value_bool
from consolidator.profile.text import match_key


def lacks_name(value: str, profile) -> bool:
    ptype = profile.point_type(value)
    if ptype is None or not ptype.name_required:
        return False
    words = match_key(value, fold_spaces_only=True).replace("(", " ").replace(")", " ").split()
    words = [w.strip(".,;:-–—") for w in words]
    return all(not w or profile.generic_name_words.match(w) for w in words)


class NameRequired(RowCheck):
    def fails(self, frame, rule, profile):
        lacking = per_value_bool(frame[rule.column], lambda v: lacks_name(v, profile))
        return mark(rule, pd.Series(lacking, index=frame.index))


CHECK = NameRequired()
