"""other_form: the file is filled in this profile's form, not in another region's or agency's. The
reader names the other form when another profile's header and groups fit the file strictly better;
such a file then gets this remark alone, not a remark on every cell.

Parameters: none.
Message fields: {other} (the other profile's name), {expected} (this profile's name).

Example:
    - {code: UD-OTHER-FORM, check: other_form, ...}
"""
from __future__ import annotations

from consolidator.checks.base import FileCheck


class OtherForm(FileCheck):
    def remark(self, table, rule, profile):
        return {"other": table.other_form, "expected": profile.name} if table.other_form else None


CHECK = OtherForm()
