"""Online or offline: the kind of a row as the consolidated summary counts it.

In a form whose kind column is a closed list (Удмуртия: «Онлайн-точка» / «Офлайн-точка») the column
says it. In a form where that column is free text that states the kind only when there is nothing
else to say (Новосибирская область: «Особенности взаимодействия с клиентом»), the kind comes from
the row's point, recognised by the profile's vocabularies.points (the point column is the one the
profile's kind_agrees rule reads).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from consolidator.profile.schema import Profile
from consolidator.profile.text import match_key

if TYPE_CHECKING:  # pandas is imported by the functions that take a frame: `status` does not need it
    import pandas as pd


def point_column(profile: Profile) -> str | None:
    for rule in profile.rules:
        if rule.check == "kind_agrees" and rule.params.get("point_column"):
            return rule.params["point_column"]
    return None


def row_kinds(profile: Profile, rows: pd.DataFrame) -> pd.Series:
    """The canonical kind of every row, or None where neither the kind column nor the point tells."""
    import pandas as pd

    if not len(rows):
        return pd.Series(dtype=object)
    kinds = profile.vocabulary("kinds")
    stated = rows[profile.kind_column].map(lambda v: kinds.get(match_key(v)) if isinstance(v, str) else None)
    point = point_column(profile)
    if point is None or point not in rows:
        return stated
    uniq = rows[point].unique()
    by_point = {v: (t.kind if (t := profile.point_type(v)) is not None else None) if isinstance(v, str) else None
                for v in uniq}
    return stated.where(stated.notna(), rows[point].map(by_point))


def online_mask(profile: Profile, rows: pd.DataFrame) -> pd.Series:
    """True for the rows whose kind is an online one."""
    import pandas as pd

    if not len(rows):
        return pd.Series(dtype=bool)
    return row_kinds(profile, rows).isin(profile.online_values())
