"""number_agrees: the number in `column` is one of the numbers the vocabulary gives the item named in
`item_column` (vocabularies.groups: {value, numbers: ["5а", "5"]}; the first number is the one to
write). Rows whose item is empty or not in the vocabulary, and items without numbers, are left to
other rules. «5 а)», «5а.», «5a» (Latin a) read as «5а».

Parameters: column, item_column, vocabulary.
Message fields: {expected} (the item's first number), {item}.

Example:
    - {code: MINREG-GROUP-NUM, check: number_agrees, column: num, item_column: group, vocabulary: groups, ...}
"""
from __future__ import annotations

import re

from consolidator.checks.base import RowCheck, keys, mark, pd, per_value
from consolidator.profile.text import clean, match_key

_NUMBER_LOOKALIKES = str.maketrans("aceopxykmthb", "асеорхукмтнв")


def number_key(value: object) -> str:
    """A number as compared: «5 а)» -> «5а», «1.» -> «1», «№ 2» -> «2», «5.1» stays «5.1»."""
    text = clean(value).lower().replace("ё", "е").translate(_NUMBER_LOOKALIKES)
    text = re.sub(r"\s+", "", text).lstrip("№")
    text = re.sub(r"(?<=\d)[.\-)]+(?=[а-я])", "", text)
    return text.rstrip(".)")


def _numbers_by_value(rule, profile) -> dict[str, tuple[str, ...]]:
    return {i.value: i.numbers for i in profile.items(rule.params["vocabulary"]) if i.numbers}


class NumberAgrees(RowCheck):
    required = ("column", "item_column", "vocabulary")

    def fails(self, frame, rule, profile):
        numbers = {v: {number_key(n) for n in ns} for v, ns in _numbers_by_value(rule, profile).items()}
        voc = profile.vocabulary(rule.params["vocabulary"])
        items = keys(frame[rule.params["item_column"]]).map(voc)
        given = per_value(frame[rule.column], number_key)
        failing = [bool(n) and isinstance(item, str) and item in numbers and n not in numbers[item]
                   for n, item in zip(given, items)]
        return mark(rule, pd.Series(failing, index=frame.index, dtype=bool))

    def remark_fields(self, frame, failing, column, rule, profile):
        voc = profile.vocabulary(rule.params["vocabulary"])
        numbers = _numbers_by_value(rule, profile)
        out = []
        for i in failing:
            item = voc[match_key(frame.at[i, rule.params["item_column"]])]
            out.append({"expected": numbers[item][0], "item": item})
        return out


CHECK = NumberAgrees()
