"""key_points: the consolidated list as a whole has every key point of interaction the procedure names
(001 п. 19: the site, social networks and messengers, the telephone, written interaction, personal
reception), recognised by the profile's vocabularies.points. A key point no subdivision lists is
said on the «Сводка» sheet: the working group looks whether it was missed.

Parameters: point_column, key_points (a list of {value: how the procedure names it, points: the names
of vocabularies.points it is recognised by}).
Message fields: {missing} (the key points absent, «…»; «…»), {count}.

Example:
    - {code: SV-KEY-POINTS, check: key_points, point_column: point,
       key_points: [{value: "телефонная связь", points: ["телефонная связь"]}], severity: warning, ...}
"""
from __future__ import annotations

from consolidator.checks.base import ListCheck


class KeyPoints(ListCheck):
    required = ("point_column", "key_points")

    def remark(self, rows, rule, profile):
        present = {t.name for v in set(rows[rule.params["point_column"]].tolist()) if isinstance(v, str)
                   for t in [profile.point_type(v)] if t is not None}
        missing = [k["value"] for k in rule.params["key_points"] if not present & set(k["points"])]
        if not missing:
            return None
        return {"missing": "; ".join(f"«{m}»" for m in missing), "count": len(missing)}


CHECK = KeyPoints()
