"""text_expected: a column of names or descriptions holds text, not a bare number or a date.

Parameters: columns.
Message fields: the row's own only.

Example:
    - {code: UD-TEXT, check: text_expected, columns: [service, point, interaction], ...}
"""
from __future__ import annotations

import re

from consolidator.checks.base import RowCheck, mark_each

NUMBER_OR_DATE = re.compile(r"^(?=[^\d]*\d)[-+]?[\d\s.,:/]+$")


class TextExpected(RowCheck):
    required = ("columns",)

    def fails(self, frame, rule, profile):
        return mark_each(frame, rule, NUMBER_OR_DATE.match)


CHECK = TextExpected()
