"""not_placeholder: the cell holds content, not a stand-in for it («-», «нет», «отсутствуют»): a value
that fully matches one of `placeholders` (regular expressions over the lower-cased text, ё read as е,
surrounding spaces and punctuation stripped) fails.

Parameters: column, placeholders; point_column and hint.
Message fields: {hint}: the rule's `hint` with {point} and {kind} (the kind of the row's point from
vocabularies.points) when that kind is known, else empty.

Example:
    - {code: GSN-FEATURES-STUB, check: not_placeholder, column: kind, point_column: point,
       placeholders: ["[-–—_]+", "нет"], hint: " Для точки «{point}» это «{kind}».", ...}
"""
from __future__ import annotations

import re

from consolidator.checks.base import RowCheck, mark, per_value
from consolidator.profile.schema import ProfileError
from consolidator.profile.text import match_key


def _patterns(rule) -> list[re.Pattern]:
    try:
        return [re.compile(p) for p in rule.params.get("placeholders", [])]
    except re.error as exc:
        raise ProfileError(f"правило {rule.code}: неверное регулярное выражение в placeholders: {exc}") from exc


def is_placeholder(value: str, patterns: list[re.Pattern]) -> bool:
    text = match_key(value, fold_spaces_only=True).strip(" .,;:!?()«»\"'")
    return bool(value) and any(rx.fullmatch(text) for rx in patterns)


class NotPlaceholder(RowCheck):
    required = ("column", "placeholders")
    optional = ("point_column", "hint")

    def fails(self, frame, rule, profile):
        patterns = _patterns(rule)
        return mark(rule, per_value(frame[rule.column], lambda v: is_placeholder(v, patterns)).astype(bool))

    def remark_fields(self, frame, failing, column, rule, profile):
        point_col, template = rule.params.get("point_column"), rule.params.get("hint", "")
        out = []
        for i in failing:
            ptype = profile.point_type(frame.at[i, point_col]) if point_col and template else None
            if ptype is None or ptype.kind is None:
                out.append({"hint": ""})
            else:
                out.append({"hint": template.format(point=frame.at[i, point_col], kind=ptype.kind)})
        return out


CHECK = NotPlaceholder()
