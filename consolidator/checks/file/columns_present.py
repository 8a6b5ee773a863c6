"""columns_present: the file has a table in the form with every column of the form's header.

Parameters: none.
Message fields: {missing} («графа 5 «…», графа 6 «…»»), {sheet}.

Example:
    - {code: UD-FORM, check: columns_present, ...}
"""
from __future__ import annotations

from consolidator.checks.base import FileCheck


class ColumnsPresent(FileCheck):
    def remark(self, table, rule, profile):
        if not table.missing:
            return None
        missing = ", ".join(f"графа {profile.keys.index(k) + 1} «{profile.header(k)}»" for k in table.missing)
        return {"missing": missing}


CHECK = ColumnsPresent()
