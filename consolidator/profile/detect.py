"""Which region's form a workbook is in: by its header and by its group vocabulary.

Two forms may share a header (the Novosibirsk ministry and inspection do) and differ only in their
groups, so a form's score is (columns of its header found, cells of the group column that are its
groups). Used to choose the profile when none is given, and to tell an author who filled another
region's form which form it is. A sheet is scored from its first rows as a grid (inbox.read opens the
workbook and combines its sheets' scores).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from consolidator.profile.form import MIN_HEADER_COLUMNS, find_header, header_keys
from consolidator.profile.schema import Profile
from consolidator.profile.text import match_key

# Rows read below the header to count group names: enough to tell forms apart, cheap to read.
SAMPLE_ROWS = 200


@dataclass(frozen=True)
class Score:
    columns: int
    groups: int

    @property
    def key(self) -> tuple[int, int]:
        return (self.columns, self.groups)


def score_grid(grid: list[list], profiles: list[Profile], keyed: list[list[str]] | None = None) -> dict[str, Score]:
    """Each profile's score on one sheet: `grid` is the sheet's first rows (the header search of the
    profiles plus SAMPLE_ROWS); `keyed`, their `header_keys` when the caller has them."""
    if keyed is None:
        keyed = header_keys(grid, max(p.header_search_rows for p in profiles))
    return {p.key: _score_sheet(grid, p, keyed) for p in profiles}


def rows_to_score(profiles: list[Profile]) -> int:
    """How many of a sheet's first rows `score_grid` looks at."""
    return max(p.header_search_rows for p in profiles) + SAMPLE_ROWS


def _score_sheet(grid: list[list], profile: Profile, keyed: list[list[str]] | None = None) -> Score:
    """The form's header row as the reader finds it (`form.find_header`), and the group names below it."""
    found = find_header(grid, profile, keyed)
    if found is None:
        return Score(0, 0)
    r, columns = found
    if len(columns) < MIN_HEADER_COLUMNS:
        return Score(0, 0)
    hits = 0
    col = columns.get(profile.group_column)
    if col is not None:
        groups = {match_key(g) for g in profile.groups}
        hits = sum(1 for row in grid[r + 1:] if col < len(row) and match_key(row[col]) in groups)
    return Score(len(columns), hits)


def best_form(scores: dict[str, Score]) -> str | None:
    """The profile whose form the file is in, or None when no form's header is there."""
    key, score = max(scores.items(), key=lambda kv: (kv[1].key, kv[0]))
    return key if score.columns >= MIN_HEADER_COLUMNS else None


def choose_profile(forms: list[str | None], profiles: list[Profile]) -> tuple[Profile | None, str]:
    """The profile most files are in, given each readable file's `best_form`, and a Russian sentence
    saying why."""
    votes = Counter(form for form in forms if form)
    if not votes:
        return None, "ни в одном файле не найден заголовок формы известного профиля"
    key, n = votes.most_common(1)[0]
    profile = next(p for p in profiles if p.key == key)
    others = ", ".join(f"{k} — {v}" for k, v in votes.most_common()[1:])
    reason = (f"по заголовку таблицы и наименованиям групп: {n} из {len(forms)} прочитанных файлов заполнены по "
              f"форме профиля «{key}» ({profile.name})" + (f"; по другим формам: {others}" if others else ""))
    return profile, reason
