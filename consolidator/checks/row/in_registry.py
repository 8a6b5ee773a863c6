"""in_registry: the process named in `column` is one of the ministry's process registry (004 п. 9:
«указывается в соответствии с Реестром процессов»), compared as the checks compare text. The names
closest to it are offered. Without a registry given for the run (`--registry`), nothing is checked.

Parameters: column.
Message fields: {hint} (« Возможно, имелось в виду: «…»; «…».» or nothing), {registry} (the registry's
name as the procedure gives it).

Example:
    - {code: UD-REGISTRY, check: in_registry, column: service, ...}
"""
from __future__ import annotations

from consolidator.checks.base import RowCheck, mark, pd, per_value_bool


def nearest_hint(registry, name: str) -> str:
    close = registry.nearest(name)
    return f" Возможно, имелось в виду: {'; '.join(f'«{c}»' for c in close)}." if close else ""


class InRegistry(RowCheck):
    def fails(self, frame, rule, profile):
        registry = profile.registry
        if registry is None:
            return mark(rule, pd.Series(False, index=frame.index))
        col = frame[rule.column]
        return mark(rule, pd.Series(per_value_bool(col, lambda v: bool(v) and not registry.find(v)), index=frame.index))

    def remark_fields(self, frame, failing, column, rule, profile):
        return [{"hint": nearest_hint(profile.registry, frame.at[i, column]),
                 "registry": profile.registry_form.title} for i in failing]


CHECK = InRegistry()
