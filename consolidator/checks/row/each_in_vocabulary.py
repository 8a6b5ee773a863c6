"""each_in_vocabulary: a filled cell of any of `columns` is a value of a closed vocabulary (compared as
in_vocabulary does: case, ё/е, spaces, hyphens, quotes and the list's numbering do not matter). One rule
for one question asked of several sources, as a survey asks (22.1)–(22.4).

Parameters: columns, vocabulary (a list under vocabularies).
Message fields: {hint} (« Возможно, имелось в виду «…».» or nothing), {allowed} («…»; «…»).

Example:
    - {code: ECON-USE, check: each_in_vocabulary, columns: [use_1, use_2], vocabulary: use, ...}
"""
from __future__ import annotations

from consolidator.checks.base import RowCheck, mark_each, suggestion
from consolidator.profile.text import match_key


class EachInVocabulary(RowCheck):
    required = ("columns", "vocabulary")

    def fails(self, frame, rule, profile):
        known = set(profile.vocabulary(rule.params["vocabulary"]))
        return mark_each(frame, rule, lambda value: value != "" and match_key(value) not in known)

    def remark_fields(self, frame, failing, column, rule, profile):
        voc = profile.vocabulary(rule.params["vocabulary"])
        allowed = "; ".join(f"«{v}»" for v in dict.fromkeys(voc.values()))
        return [{"hint": suggestion(frame.at[i, column], voc), "allowed": allowed} for i in failing]


CHECK = EachInVocabulary()
