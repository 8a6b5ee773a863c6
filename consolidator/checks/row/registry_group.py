"""registry_group: a process of the registry is listed under the group the registry gives it (004
п. 7: «в соответствии с Реестром процессов»). Groups are compared through the profile's group
vocabulary (its aliases and numbering do not matter). A process the registry lacks, or lists under
several groups, and a group not in the vocabulary are left to other rules. Without a registry given
for the run, nothing is checked.

Parameters: column (the group), process_column.
Message fields: {expected} (the registry's group), {process}, {registry}.

Example:
    - {code: UD-REGISTRY-GROUP, check: registry_group, column: group, process_column: service, ...}
"""
from __future__ import annotations

from consolidator.checks.base import RowCheck, mark, pd
from consolidator.profile.text import match_key


def _group_key(profile, value: str) -> str:
    voc = profile.vocabulary("groups")
    return match_key(voc.get(match_key(value), value))


def registry_group(profile, process: str) -> str | None:
    """The one group the registry gives the process, or None (absent, or under several)."""
    groups = {p.group for p in profile.registry.find(process) if p.group}
    return groups.pop() if len(groups) == 1 else None


class RegistryGroup(RowCheck):
    required = ("column", "process_column")

    def fails(self, frame, rule, profile):
        if profile.registry is None:
            return mark(rule, pd.Series(False, index=frame.index))
        pairs = frame[[rule.params["process_column"], rule.column]].drop_duplicates()
        known = profile.vocabulary("groups")
        wrong = set()
        for process, group in pairs.itertuples(index=False):
            listed = process and group and match_key(group) in known
            expected = registry_group(profile, process) if listed else None
            if expected is not None and _group_key(profile, expected) != _group_key(profile, group):
                wrong.add((process, group))
        keys = pd.Series(list(zip(frame[rule.params["process_column"]], frame[rule.column])), index=frame.index)
        return mark(rule, keys.isin(wrong))

    def remark_fields(self, frame, failing, column, rule, profile):
        return [{"expected": registry_group(profile, frame.at[i, rule.params["process_column"]]),
                 "process": frame.at[i, rule.params["process_column"]],
                 "registry": profile.registry_form.title} for i in failing]


CHECK = RegistryGroup()
