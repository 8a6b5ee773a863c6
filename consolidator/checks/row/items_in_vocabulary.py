"""items_in_vocabulary: every item listed in a cell («1) …; 2) …», one per line, bulleted) is a value
of a vocabulary.

Parameters: column, vocabulary; allow_refinement (an item may go on after the value's words to narrow
it down; default false), split (regular expression of separators; default profile.items.DEFAULT_SPLIT).
Message fields: {unknown} (the items not in the vocabulary, «…», «…»), {count}, {allowed} (the
vocabulary numbered «1) …; 2) …»), {hint} (the nearest values of up to three unknown items).

Example:
    - {code: SV-NEEDS, check: items_in_vocabulary, column: needs, vocabulary: needs, allow_refinement: true, ...}
"""
from __future__ import annotations

from consolidator.checks.base import RowCheck, item_vocabulary, mark, per_value, suggestion
from consolidator.profile.items import unknown_items


class ItemsInVocabulary(RowCheck):
    required = ("column", "vocabulary")
    optional = ("allow_refinement", "split")

    def fails(self, frame, rule, profile):
        voc, split = item_vocabulary(rule, profile), rule.params.get("split")
        return mark(rule, per_value(frame[rule.column], lambda v: bool(unknown_items(v, voc, split))).astype(bool))

    def remark_fields(self, frame, failing, column, rule, profile):
        voc = profile.vocabulary(rule.params["vocabulary"])
        items, split = item_vocabulary(rule, profile), rule.params.get("split")
        allowed = "; ".join(f"{n}) {v}" for n, v in enumerate(dict.fromkeys(voc.values()), 1))
        out = []
        for i in failing:
            unknown = unknown_items(frame.at[i, column], items, split)
            out.append({"unknown": ", ".join(f"«{u}»" for u in unknown), "count": len(unknown), "allowed": allowed,
                        "hint": "".join(suggestion(u, voc) for u in unknown[:3])})
        return out


CHECK = ItemsInVocabulary()
