"""The subdivisions expected to submit their lists (`--subdivisions FILE`) and which of them a file
belongs to: by its folder, its file name or its form's title line, a version suffix («_v2», «(1)»,
«- копия») ignored."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from consolidator.model import FileResult
from consolidator.profile.text import match_key
from consolidator.profile.yamlfile import load as load_yaml

# «перечень_v2», «перечень (1)», «перечень - копия»: the same subdivision's file again.
_VERSION_SUFFIX = re.compile(r"([\s_-]*(v|вер(сия)?|ред(акция)?)\.?\s*\d+|\s*\(\d+\)|\s*-?\s*копия)$", re.IGNORECASE)


class SubdivisionsError(ValueError):
    """A list of subdivisions that cannot be used; the message is in Russian."""


@dataclass
class Subdivision:
    name: str
    aliases: list[str] = field(default_factory=list)
    head: str | None = None
    email: str | None = None


def load_subdivisions(path: Path | None) -> list[Subdivision]:
    """The expected subdivisions the unit keeps (--subdivisions FILE): a YAML list of
    {name, aliases, head, email}."""
    if path is None:
        return []
    try:
        data = load_yaml(Path(path).read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as exc:
        raise SubdivisionsError(f"{path}: не удалось прочитать список подразделений: {exc}") from exc
    if isinstance(data, dict) and "subdivisions" in data:
        data = data["subdivisions"]
    if not isinstance(data, list):
        raise SubdivisionsError(f"{path}: ожидается список подразделений (name, aliases, head, email)")
    out = []
    for i, item in enumerate(data):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise SubdivisionsError(f"{path}: запись {i + 1}: нет наименования подразделения (name)")
        unknown = set(item) - {"name", "aliases", "head", "email"}
        if unknown:
            raise SubdivisionsError(f"{path}: запись «{item['name']}»: неизвестные ключи {', '.join(sorted(unknown))}")
        out.append(Subdivision(item["name"], [str(a) for a in item.get("aliases") or []], item.get("head"),
                               item.get("email")))
    return out


def _stem_key(text: str) -> str:
    return match_key(_VERSION_SUFFIX.sub("", text.strip()))


def match_subdivision(f: FileResult, expected: list[Subdivision]) -> Subdivision | None:
    """The expected subdivision a file belongs to: by its folder, its file name or its form's title line."""
    if not expected:
        return None
    index = {}
    for s in expected:
        for n in (s.name, *s.aliases):
            index.setdefault(_stem_key(n), s)
    parts = f.path.split("/")
    candidates = [parts[0]] if len(parts) > 1 else []
    candidates += [Path(parts[-1]).stem, f.subdivision]
    for c in candidates:
        found = index.get(_stem_key(c))
        if found:
            return found
    return None


