"""mentions_vocabulary: a free text in `column` names at least one item of the vocabulary, found by
the item's `keywords` (regular expressions searched in the lower-cased text, ё read as е) or, for an
item without keywords, by its value or aliases inside the text.

Parameters: column, vocabulary.
Message fields: {allowed} («1) …; 2) …», numbered as the vocabulary numbers them).

Example:
    - {code: MINREG-NEEDS, check: mentions_vocabulary, column: interaction, vocabulary: needs, ...}
"""
from __future__ import annotations

from consolidator.checks.base import RowCheck, mark, per_value
from consolidator.profile.text import match_key


def mentions(value: str, items) -> bool:
    text = match_key(value, fold_spaces_only=True)
    folded = match_key(value)
    for item in items:
        if item.keywords:
            if any(rx.search(text) for rx in item.keywords):
                return True
        elif any(match_key(v) and match_key(v) in folded for v in (item.value, *item.aliases)):
            return True
    return False


class MentionsVocabulary(RowCheck):
    required = ("column", "vocabulary")

    def fails(self, frame, rule, profile):
        items = profile.items(rule.params["vocabulary"])
        col = frame[rule.column]
        return mark(rule, (col != "") & ~per_value(col, lambda v: mentions(v, items)).astype(bool))

    def remark_fields(self, frame, failing, column, rule, profile):
        items = profile.items(rule.params["vocabulary"])
        allowed = "; ".join(f"{i.numbers[0] if i.numbers else n}) {i.value[:1].lower() + i.value[1:]}"
                            for n, i in enumerate(items, 1))
        return [{"allowed": allowed} for _ in failing]


CHECK = MentionsVocabulary()
