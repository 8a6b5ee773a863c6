"""items_in_vocabulary: every item listed in a cell («1) …; 2) …», one per line, bulleted) is a value
of a vocabulary.

Parameters: column, vocabulary; allow_refinement (an item may go on after the value's words to narrow
it down; default false), split (regular expression of separators; default profile.items.DEFAULT_SPLIT).
Message fields: {unknown} (the items not in the vocabulary, «…», «…»), {count}, {allowed} (the
vocabulary numbered «1) …; 2) …»: long, better left to the blank's instructions), {hint} (the values
spelled most like up to three unknown items), {nearest} (the values nearest in meaning to each of up to
three unknown items: «…» или «…»; for several items «для «…» — «…»; для «…» — «…»»).

Example:
    - {code: SV-NEEDS, check: items_in_vocabulary, column: needs, vocabulary: needs, allow_refinement: true, ...}
"""
from __future__ import annotations

from consolidator.checks.base import RowCheck, item_vocabulary, mark, nearest_values, per_value, suggestion
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
        names = {n: i.value for i in profile.items(rule.params["vocabulary"]) for n in (i.value, *i.aliases)}
        allowed = "; ".join(f"{n}) {v}" for n, v in enumerate(dict.fromkeys(voc.values()), 1))
        out = []
        for i in failing:
            unknown = unknown_items(frame.at[i, column], items, split)
            out.append({"unknown": ", ".join(f"«{u}»" for u in unknown), "count": len(unknown), "allowed": allowed,
                        "hint": "".join(suggestion(u, voc) for u in unknown[:3]), "nearest": _nearest(unknown, names)})
        return out


def _nearest(unknown: list[str], names: dict[str, str]) -> str:
    def named(item: str) -> str:
        return " или ".join(f"«{v}»" for v in nearest_values(item, names))

    if len(unknown) == 1:
        return named(unknown[0])
    return "; ".join(f"для «{u}» — {named(u)}" for u in unknown[:3])


CHECK = ItemsInVocabulary()
