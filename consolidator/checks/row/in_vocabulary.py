"""in_vocabulary: a filled cell of `column` is a value of a closed vocabulary (case, ё/е, spaces,
hyphens, quotes and the list's own numbering do not matter). The consolidated list then carries the
vocabulary's own spelling («онлайн» becomes «Онлайн-точка»).

Parameters: column, vocabulary (groups, kinds or a list under vocabularies).
Message fields: {hint} (« Возможно, имелось в виду «…».» or nothing), {allowed} («…»; «…»).

Example:
    - {code: UD-GROUP, check: in_vocabulary, column: group, vocabulary: groups, ...}
"""
from __future__ import annotations

from consolidator.checks.base import RowCheck, keys, mark, suggestion


class InVocabulary(RowCheck):
    required = ("column", "vocabulary")

    def fails(self, frame, rule, profile):
        voc = profile.vocabulary(rule.params["vocabulary"])
        col = frame[rule.column]
        return mark(rule, (col != "") & ~keys(col).isin(voc.keys()))

    def remark_fields(self, frame, failing, column, rule, profile):
        voc = profile.vocabulary(rule.params["vocabulary"])
        allowed = "; ".join(f"«{v}»" for v in dict.fromkeys(voc.values()))
        return [{"hint": suggestion(frame.at[i, column], voc), "allowed": allowed} for i in failing]


CHECK = InVocabulary()
