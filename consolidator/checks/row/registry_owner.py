"""registry_owner: the subdivision that lists a process is its owner in the registry (004 п. 6: the
list is kept by the owners of services and functions; 000 п. 2.4: by the subdivisions that carry the
process out). Owners are compared by name and by the other names the list of subdivisions gives
(`--subdivisions`). A process the registry lacks is left to other rules; one with several owners
passes for any of them. Without a registry given for the run, nothing is checked.

Parameters: column (the process).
Message fields: {owner} (the owners in the registry), {registry}.

Example:
    - {code: UD-REGISTRY-OWNER, check: registry_owner, column: service, severity: warning, ...}
"""
from __future__ import annotations

from consolidator.checks.base import RowCheck, mark, pd


class RegistryOwner(RowCheck):
    def fails(self, frame, rule, profile):
        registry = profile.registry
        if registry is None:
            return mark(rule, pd.Series(False, index=frame.index))
        pairs = frame[[rule.column, "subdivision"]].drop_duplicates()
        wrong = set()
        for process, subdivision in pairs.itertuples(index=False):
            entries = registry.find(process) if process else []
            if entries and not any(registry.owned_by(p, subdivision) for p in entries):
                wrong.add((process, subdivision))
        keys = pd.Series(list(zip(frame[rule.column], frame["subdivision"])), index=frame.index)
        return mark(rule, keys.isin(wrong))

    def remark_fields(self, frame, failing, column, rule, profile):
        registry = profile.registry
        return [{"owner": "; ".join(f"«{p.owner}»" for p in registry.find(frame.at[i, column])),
                 "registry": profile.registry_form.title} for i in failing]


CHECK = RegistryOwner()
