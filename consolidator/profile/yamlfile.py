"""YAML files (profiles, subdivisions, calendars) read with libyaml's parser when PyYAML has it:
the pure-Python parser took 0.6 s for the five profiles a run loads, libyaml about a tenth of that."""
from __future__ import annotations

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str) -> object:
    """The document in `text`, as yaml.safe_load gives it (plain data, no Python objects)."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
