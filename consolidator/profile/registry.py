"""The ministry's process registry («Реестр процессов»): the services and functions the list must name,
their groups and their owners (004 пп. 6, 9, сноска *; 001 п. 4; 000 пп. 2.1, 3.3(1)).

`RegistryForm` is how a profile says the registry's table looks (its columns and their usual
wordings), read the way a form is read (inbox.registry). `Registry` is the registry as read: the
processes, looked up as the checks compare text (case, ё/е, spaces, hyphens and quotes do not matter).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from consolidator.profile.schema import Column
from consolidator.profile.text import match_key

REQUIRED = ("group", "process", "owner")  # the registry's own number is read where it has one


@dataclass(frozen=True)
class RegistryForm:
    """The registry's table as a profile describes it; it has what the form reader asks of a form."""
    title: str  # how the procedure names the registry: «Реестр процессов Министерства»
    process_column: str  # the list's column that names the process (a key of the profile's form)
    columns: tuple[Column, ...]
    header_search_rows: int = 30
    number_column: str = "number"
    subdivision_labels: tuple[str, ...] = ()
    amendments: None = None

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]


@dataclass(frozen=True)
class Process:
    group: str
    name: str
    owner: str
    number: str = ""

    def to_json(self) -> dict:
        return {"group": self.group, "process": self.name, "owner": self.owner, "number": self.number}


@dataclass
class Registry:
    """The processes of the registry given for a run, and the subdivisions' other names (--subdivisions)
    so that an owner written in full matches a folder named shortly."""
    processes: tuple[Process, ...]
    source: str = ""  # the file, as the user gave it
    sha256: str = ""
    aliases: dict[str, str] = field(default_factory=dict)  # match key of a name or alias -> the name

    def __post_init__(self):
        self._by_name: dict[str, list[Process]] = {}
        for p in self.processes:
            self._by_name.setdefault(match_key(p.name), []).append(p)

    def find(self, name: str) -> list[Process]:
        """The registry's entries of a process name (one, or one per owner)."""
        return self._by_name.get(match_key(name), [])

    def nearest(self, name: str, n: int = 3) -> list[str]:
        """The registry's names closest to `name`, as written there."""
        keys = difflib.get_close_matches(match_key(name), list(self._by_name), n=n, cutoff=0.6)
        return [self._by_name[k][0].name for k in keys]

    def owner_key(self, name: str) -> str:
        key = match_key(name)
        return match_key(self.aliases.get(key, name))

    def owned_by(self, process: Process, subdivision: str) -> bool:
        return self.owner_key(process.owner) == self.owner_key(subdivision)

    def to_json(self) -> list[dict]:
        return [p.to_json() for p in self.processes]


def unlisted(registry: Registry, names) -> list[Process]:
    """The registry's processes no row of the list names (000 п. 2.6: points that are little used are
    listed too), in the registry's order."""
    named = {match_key(n) for n in names if isinstance(n, str) and n}
    return [p for p in registry.processes if match_key(p.name) not in named]


def differences(before: list[dict], now: Registry) -> tuple[list[dict], list[dict]]:
    """The processes added to and removed from the registry since `before` (Process.to_json entries,
    as the journal keeps them): reasons to update the list (000 п. 3.3(1), 001 п. 15(1))."""
    def key(p: dict) -> tuple:
        return (match_key(p["process"]), match_key(p["owner"]))

    old = {key(p): p for p in before}
    new = {key(p.to_json()): p.to_json() for p in now.processes}
    return [new[k] for k in new if k not in old], [old[k] for k in old if k not in new]
