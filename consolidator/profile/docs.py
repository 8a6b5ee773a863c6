"""Texts generated from a profile, so the documentation (docs/rules.md) and the CLI cannot drift from the rules."""
from __future__ import annotations

from consolidator.profile.schema import SEVERITY_RU, Profile


RULES_HEADERS = ("Код", "Важность", "Пункт", "Что проверяется")


def rules_rows(profile: Profile) -> list[tuple[str, str, str, str]]:
    return [(r.code, SEVERITY_RU[r.severity], r.clause, r.summary) for r in profile.rules]


def rules_table(profile: Profile, markdown: bool = False) -> str:
    rows = rules_rows(profile)
    headers = RULES_HEADERS
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        lines += ["| " + " | ".join(c.replace("|", "\\|").replace("*", "\\*") for c in row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(x[i]) for x in (headers, *rows)) for i in range(3)]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row[:3], widths)) + "  " + row[3] for row in (headers, *rows)
    )


def doc_with_rules(text: str, profile: Profile) -> str:
    """Markdown text with the profile's rules table between <!-- rules:KEY --> markers regenerated."""
    start, end = f"<!-- rules:{profile.key} -->", f"<!-- /rules:{profile.key} -->"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{rules_table(profile, markdown=True)}\n{end}{tail}"
