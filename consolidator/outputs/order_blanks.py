"""The blanks the draft order keeps because neither the profile nor the --org file fills them (the
approving order's date and number, a signer's name, names on the approval sheet): the run lists them,
so that nobody finds «________» in the signed order. The order's own date and number are not
listed: they are given when it is signed.

Light: imports no python-docx, so the run's main process can list them while the second one writes
the order.
"""
from __future__ import annotations

import re

from consolidator.profile.schema import Profile

# org keys printed in the order, as a Russian reader names them.
WHAT = {
    "signer_position": "должность подписывающего приказ",
    "signer_name": "фамилия и инициалы подписывающего приказ",
    "control_position_accusative": "должность ответственного за контроль исполнения приказа",
    "control_name_accusative": "фамилия и инициалы ответственного за контроль исполнения приказа",
    "city": "место издания приказа",
}
_BLANK = re.compile(r"[\s_.«»№-]*")


def blank(value: object) -> bool:
    """Nothing there, or only a line to write on («________», «№ ___»)."""
    return value is None or bool(_BLANK.fullmatch(str(value)))


def order_blanks(profile: Profile, subdivisions: int = 0) -> list[str]:
    """What the draft order leaves to fill by hand, in Russian, in the order it appears in the document.
    `subdivisions`: how many subdivisions have rows in the list (one approval line each, where the
    profile's approval sheet has a line per subdivision)."""
    org = profile.org
    out = []
    po = org.get("procedure_order")
    if isinstance(po, dict):
        missing = [what for key, what in (("date", "дата"), ("number", "номер")) if blank(po.get(key))]
        if missing:
            year = "" if blank(po.get("year")) else f" (известен только год — {po['year']})"
            out.append(f"{' и '.join(missing)} приказа об утверждении Порядка{year if 'дата' in missing else ''}")
    out += [what for key, what in WHAT.items() if key in org and blank(org[key])]
    sheet = org.get("approval_sheet")
    if isinstance(sheet, list):
        lines = sum(max(subdivisions, 1) if e.get("each_subdivision") else 1
                    for e in sheet if isinstance(e, dict) and blank(e.get("name")))
        if lines:
            out.append(f"фамилии в листе согласования (строк: {lines})")
    return out
