"""What changed in the list against its approved edition: rows added, changed and excluded.

A row is the same row in the next edition when the values of the profile's identity columns are
(`amendments.identity`: a group, a service, a point…), compared as the checks compare text (case,
ё/е, spaces, hyphens and quotes do not matter). Rows are matched within their subdivision: the
subdivision that owns the process initiates its changes (000 п. 3.2, 002 п. 4.2). Within a
subdivision, a row that kept its identity and its content is unchanged wherever it moved; one whose
other columns differ is «изменена»; what is left is «добавлена» or «исключена». The number column is
not compared: the list is renumbered.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from consolidator.journal.store import ListRow
from consolidator.profile.schema import Profile
from consolidator.profile.text import match_key

ADDED, CHANGED, EXCLUDED = "добавлена", "изменена", "исключена"
KINDS = (CHANGED, ADDED, EXCLUDED)


@dataclass
class Change:
    kind: str
    subdivision: str
    before: ListRow | None  # the row in the approved edition (changed, excluded)
    after: ListRow | None  # the row in the current list (changed, added)
    changed: list[str] = field(default_factory=list)  # column keys whose values differ (changed)
    # Where an added row goes in the approved edition: after row `anchor` (0: before the first row),
    # the `nth` row added there (numbered N.1, N.2 … in the amending order).
    anchor: int = 0
    nth: int = 0

    @property
    def position(self) -> int | None:
        """The row's number in the approved edition (None for an added row)."""
        return self.before.position if self.before else None

    @property
    def reason(self) -> str | None:
        return self.after.reason if self.after else None


def compare(profile: Profile, approved: list[ListRow], current: list[ListRow]) -> list[Change]:
    """Every change from the approved rows to the current ones (both numbered as in their lists), in the
    order of the approved edition: a changed or excluded row at its number, an added row after the
    approved row it follows in the current list.

    A row stands for its subdivision and for those merged into it (ListRow.also): an approved row and a
    current one match when they share a subdivision. Rows that are the same (identity and content) are
    matched first, then rows of the same identity in the same subdivision (changed); what is left is
    excluded or added, for the row's own subdivision."""
    identity = profile.amendments.identity
    content = [k for k in profile.keys if k not in identity and k != profile.number_column]
    olds = [(o, _key(o, identity), _key(o, content), _members(o)) for o in approved]
    news = [(n, _key(n, identity), _key(n, content), _members(n)) for n in current]
    by_identity: dict[tuple, list[int]] = {}  # approved rows not matched yet, by identity
    for i, o in enumerate(olds):
        by_identity.setdefault(o[1], []).append(i)
    new_left = dict.fromkeys(range(len(news)))  # insertion-ordered, removal in O(1)
    changes: list[Change] = []
    kept: dict[int, int] = {}  # current position -> approved position, for rows that are in both
    for same_content in (True, False):
        for j in list(new_left):
            new, ident, body, members = news[j]
            candidates = by_identity.get(ident, [])
            i = next((i for i in candidates if olds[i][3] & members and (olds[i][2] == body) == same_content), None)
            if i is None:
                continue
            candidates.remove(i)
            del new_left[j]
            kept[new.position] = olds[i][0].position
            if not same_content:
                old = olds[i][0]
                changed = [k for k in content if match_key(old.cells.get(k, "")) != match_key(new.cells.get(k, ""))]
                changes.append(Change(CHANGED, new.subdivision, old, new, changed))
    old_left = sorted(i for left in by_identity.values() for i in left)
    changes += [Change(EXCLUDED, olds[i][0].subdivision, olds[i][0], None) for i in old_left]
    changes += [Change(ADDED, news[j][0].subdivision, None, news[j][0]) for j in new_left]
    _place_added(changes, current, kept)
    return sorted(changes, key=_order)


def _members(row: ListRow) -> set[str]:
    return {row.subdivision, *row.also}


def _key(row: ListRow, columns) -> tuple:
    return tuple(match_key(row.cells.get(k, "")) for k in columns)


def _place_added(changes: list[Change], current: list[ListRow], kept: dict[int, int]) -> None:
    """Each added row goes after the approved row that precedes it in the current list."""
    added = {c.after.position: c for c in changes if c.kind == ADDED}
    anchor, nth = 0, 0
    for row in sorted(current, key=lambda r: r.position):
        if row.position in kept:
            anchor, nth = kept[row.position], 0
        elif row.position in added:
            nth += 1
            added[row.position].anchor, added[row.position].nth = anchor, nth


def _order(change: Change) -> tuple:
    if change.kind == ADDED:
        return (change.anchor, 1, change.nth)
    return (change.position, 0, 0)


def counts(changes: list[Change]) -> dict[str, int]:
    """{"added": n, "excluded": n, "changed": n}, as report.json gives them."""
    names = {ADDED: "added", EXCLUDED: "excluded", CHANGED: "changed"}
    out = {v: 0 for v in names.values()}
    for c in changes:
        out[names[c.kind]] += 1
    return out
