"""mentions_vocabulary: a free text in `column` names at least one item of the vocabulary, found by
the item's `keywords` (regular expressions searched in the lower-cased text, ё read as е) or, for an
item without keywords, by its value or aliases inside the text. With `min_words`, a text of fewer
words does not count as naming a need («Направление» alone says nothing of what is sent or received).

Parameters: column, vocabulary; min_words.
Message fields: {allowed} («1) …; 2) …», numbered as the vocabulary numbers them).

Example:
    - {code: MINREG-NEEDS, check: mentions_vocabulary, column: interaction, vocabulary: needs, ...}
"""
from __future__ import annotations

import re

from consolidator.checks.base import RowCheck, mark, per_value
from consolidator.profile.text import match_key


_WORD = re.compile(r"[^\W\d_]{2,}")


def mentions(value: str, items, min_words: int = 1) -> bool:
    text = match_key(value, fold_spaces_only=True)
    if len(_WORD.findall(text)) < min_words:
        return False
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
    optional = ("min_words",)

    def fails(self, frame, rule, profile):
        items = profile.items(rule.params["vocabulary"])
        least = int(rule.params.get("min_words", 1))
        col = frame[rule.column]
        return mark(rule, (col != "") & ~per_value(col, lambda v: mentions(v, items, least)).astype(bool))

    def remark_fields(self, frame, failing, column, rule, profile):
        items = profile.items(rule.params["vocabulary"])
        allowed = "; ".join(f"{i.numbers[0] if i.numbers else n}) {i.value[:1].lower() + i.value[1:]}"
                            for n, i in enumerate(items, 1))
        return [{"allowed": allowed} for _ in failing]


CHECK = MentionsVocabulary()
