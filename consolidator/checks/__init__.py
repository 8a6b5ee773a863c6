"""The check types a profile's rules name, and the engine that runs them over a whole batch.

A check type is one module, named by it, in `row/` (it judges the batch frame: every data row of
every file at once), in `file/` (it judges one file's table as read) or in `list/` (it judges the
consolidated list as a whole). The module is the whole unit:
its docstring says what it checks, the rule parameters it takes, the fields its message may use and
gives an example rule; its `CHECK` says where a rule fails and fills the message's fields for each
failing cell (checks.base). Adding a check type means adding a module there; adding a region means
writing YAML (rules/), with a failing and a passing example of every rule (rules/examples/).

`engine` builds a profile's pandera schema, validates the batch frame in one call and turns the
failures into remarks.

Imports: profile, model, speed. pandas and pandera are imported only when a check runs: `rules`,
`status` and `--help` look check types up without them.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from pathlib import Path

from consolidator.checks.base import FileCheck, ListCheck, RowCheck
from consolidator.profile.load import load_profile
from consolidator.profile.schema import Profile, ProfileError

KINDS = ("row", "file", "list")


@lru_cache(maxsize=1)
def names() -> dict[str, str]:
    """Every check type: its name -> "row" or "file" (the folder its module is in)."""
    out = {}
    for kind in KINDS:
        package = importlib.import_module(f"{__name__}.{kind}")
        for module in pkgutil.iter_modules(package.__path__):
            if not module.name.startswith("_"):
                out[module.name] = kind
    return out


def get(name: str) -> RowCheck | FileCheck | ListCheck:
    """The check type `name` (KeyError when there is none)."""
    kind = names()[name]
    return importlib.import_module(f"{__name__}.{kind}.{name}").CHECK


def validate_profile(profile: Profile) -> None:
    """Every rule of the profile names a known check type and gives it the parameters it takes."""
    known = names()
    for rule in profile.rules:
        if rule.check not in known:
            raise ProfileError(f"{profile.source}: правило {rule.code}: неизвестная проверка «{rule.check}». "
                               f"Известные: {', '.join(sorted(known))}.")
        check = get(rule.check)
        missing = [p for p in check.required if p not in rule.params]
        if missing:
            raise ProfileError(f"{profile.source}: правило {rule.code}: проверке «{rule.check}» нужны параметры: "
                               f"{', '.join(missing)}.")
        if isinstance(check, ListCheck) and rule.severity != "warning":
            raise ProfileError(f"{profile.source}: правило {rule.code}: проверка всего сводного перечня «{rule.check}» "
                               f"не возвращает файл — ее важность может быть только warning.")
        unknown = sorted(set(rule.params) - set(check.required) - set(check.optional))
        if unknown:
            allowed = ", ".join((*check.required, *check.optional)) or "нет"
            raise ProfileError(f"{profile.source}: правило {rule.code}: неизвестные параметры проверки "
                               f"«{rule.check}»: {', '.join(unknown)}. Допустимые: {allowed}.")


def checked_profile(name: str | Path, org: Path | None = None) -> Profile:
    """A profile loaded, with `org` over its organisation details, and its rules matched with the check
    types (ProfileError otherwise)."""
    profile = load_profile(name, org)
    validate_profile(profile)
    return profile
