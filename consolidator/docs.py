"""Texts generated from a profile, so the README and the CLI cannot drift from the rules."""
from __future__ import annotations

from consolidator.model import SEVERITY_RU
from consolidator.profile import Profile


def rules_table(profile: Profile, markdown: bool = False) -> str:
    rows = [(r.code, SEVERITY_RU[r.severity], r.clause, r.summary) for r in profile.rules]
    headers = ("Код", "Важность", "Пункт", "Что проверяется")
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(x[i]) for x in (headers, *rows)) for i in range(3)]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row[:3], widths)) + "  " + row[3] for row in (headers, *rows)
    )
