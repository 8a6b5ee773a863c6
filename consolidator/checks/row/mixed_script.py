"""mixed_script: no word of `columns` mixes Latin and Cyrillic letters («Oнлайн» with a Latin O).
The consolidated list carries such words in Cyrillic; the author is warned.

Parameters: columns.
Message fields: {word} (the first mixed word), {latin} (its Latin letters).

Example:
    - {code: UD-LATIN, check: mixed_script, columns: [group, service, point, interaction, kind], ...}
"""
from __future__ import annotations

from consolidator.checks.base import RowCheck, mark_each
from consolidator.profile.text import latin_letters, mixed_script_words


class MixedScript(RowCheck):
    required = ("columns",)

    def fails(self, frame, rule, profile):
        return mark_each(frame, rule, mixed_script_words)

    def remark_fields(self, frame, failing, column, rule, profile):
        out = []
        for i in failing:
            word = mixed_script_words(frame.at[i, column])[0]
            out.append({"word": word, "latin": ", ".join(dict.fromkeys(latin_letters(word)))})
        return out


CHECK = MixedScript()
