"""Versions, statuses and deadlines across runs, on top of the journal.

After a run's check: each file becomes a version of its subdivision; the newest present version is
current and older ones are `superseded`; a returned version keeps the deadline of its first check;
the remarks of a resubmitted version are matched with those of the version before it (устранено,
не устранено, новое); every subdivision, expected or seen, gets a status.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from consolidator import yamlfile
from consolidator.journal import Journal, Version, file_hash
from consolidator.model import ACCEPTED, RETURNED, SKIPPED, SUPERSEDED, UNREADABLE, Batch, FileResult
from consolidator.text import match_key
from consolidator.workdays import Calendar

NOT_SUBMITTED = "не представлен"
UNDER_REVIEW = "на проверке"
ACCEPTED_RU = "принят"
RETURNED_RU = "возвращен на доработку"
OVERDUE = "просрочен"
STATUSES = (NOT_SUBMITTED, UNDER_REVIEW, ACCEPTED_RU, RETURNED_RU, OVERDUE)

FIXED, NOT_FIXED, NEW = "устранено", "не устранено", "новое"

# «перечень_v2», «перечень (1)», «перечень - копия»: the same subdivision's file again.
_VERSION_SUFFIX = re.compile(r"([\s_-]*(v|вер(сия)?|ред(акция)?)\.?\s*\d+|\s*\(\d+\)|\s*-?\s*копия)$", re.IGNORECASE)


class RegistryError(ValueError):
    pass


@dataclass
class Subdivision:
    name: str
    aliases: list[str] = field(default_factory=list)
    head: str | None = None
    email: str | None = None


def load_registry(path: Path | None) -> list[Subdivision]:
    """The expected subdivisions the unit keeps (--subdivisions FILE): a YAML list of
    {name, aliases, head, email}."""
    if path is None:
        return []
    try:
        data = yamlfile.load(Path(path).read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as exc:
        raise RegistryError(f"{path}: не удалось прочитать список подразделений: {exc}") from exc
    if isinstance(data, dict) and "subdivisions" in data:
        data = data["subdivisions"]
    if not isinstance(data, list):
        raise RegistryError(f"{path}: ожидается список подразделений (name, aliases, head, email)")
    out = []
    for i, item in enumerate(data):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise RegistryError(f"{path}: запись {i + 1}: нет наименования подразделения (name)")
        unknown = set(item) - {"name", "aliases", "head", "email"}
        if unknown:
            raise RegistryError(f"{path}: запись «{item['name']}»: неизвестные ключи {', '.join(sorted(unknown))}")
        out.append(Subdivision(item["name"], [str(a) for a in item.get("aliases") or []], item.get("head"),
                               item.get("email")))
    return out


def _stem_key(text: str) -> str:
    return match_key(_VERSION_SUFFIX.sub("", text.strip()))


def match_subdivision(f: FileResult, registry: list[Subdivision]) -> Subdivision | None:
    """The registry entry a file belongs to: by its folder, its file name or its form's title line."""
    if not registry:
        return None
    index = {}
    for s in registry:
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


def _content_key(remark: dict) -> tuple:
    return (remark["code"], remark.get("column"), remark.get("key"))


def resolve(previous: list[dict], current: list[dict]) -> tuple[list[str], list[dict]]:
    """Mark each current remark «не устранено» when the earlier version had the same rule on the same
    row content (rows move, so not by address), else «новое»; return the earlier remarks now gone."""
    left: dict[tuple, int] = {}
    for r in previous:
        left[_content_key(r)] = left.get(_content_key(r), 0) + 1
    marks = []
    for r in current:
        k = _content_key(r)
        if left.get(k):
            left[k] -= 1
            marks.append(NOT_FIXED)
        else:
            marks.append(NEW)
    gone = []
    for r in previous:
        k = _content_key(r)
        if left.get(k):
            left[k] -= 1
            gone.append({**{x: r.get(x) for x in ("code", "severity", "sheet", "cell", "row", "column", "value",
                                                  "message", "clause")}, "resolution": FIXED})
    return marks, gone


def status_of(verdict: str | None, fix_deadline: date | None, today: date, calendar: Calendar) -> tuple[str, int]:
    """(status, working days overdue) of a subdivision whose current version has this verdict."""
    if verdict is None:
        return NOT_SUBMITTED, 0
    if verdict == ACCEPTED:
        return ACCEPTED_RU, 0
    if verdict == RETURNED:
        if fix_deadline and today > fix_deadline:
            return OVERDUE, calendar.working_days_between(fix_deadline, today)
        return RETURNED_RU, 0
    # Not yet checked, or unreadable: a person has to look at it.
    return UNDER_REVIEW, 0


def _remark_dicts(f: FileResult) -> list[dict]:
    return [{**r.to_json(), "key": r.key} for r in f.remarks]


def track(batch: Batch, journal: Journal, registry: list[Subdivision], calendar: Calendar) -> None:
    """Set versions, deadlines, resolutions and statuses on a checked batch, using the journal's history.
    Call `record` once the returned copies are written."""
    profile = batch.profile
    fix_days = profile.deadlines["fix"].days if "fix" in profile.deadlines else None
    registered = {s.name for s in registry}
    present: dict[str, list[tuple[FileResult, Version]]] = {}
    for f in batch.files:
        if f.verdict == SKIPPED:
            continue
        entry = match_subdivision(f, registry)
        if entry is not None:
            f.subdivision = entry.name
        sha, size = file_hash(f.source)
        v = journal.version(f.subdivision, sha, size, f.path, batch.run_date, f.source.stat().st_mtime, profile.key)
        f.version = v
        present.setdefault(f.subdivision, []).append((f, v))

    batch.subdivisions = []
    for name in [s.name for s in registry] + sorted(n for n in present if n not in registered):
        items = sorted(present.get(name, []), key=lambda fv: fv[1].order)
        if not items:
            batch.subdivisions.append({"name": name, "status": NOT_SUBMITTED, "current": None,
                                       "fix_deadline": None, "overdue_days": 0})
            continue
        f, v = items[-1]
        for old, _ in items[:-1]:
            old.checked_verdict = old.verdict
            old.verdict, old.fix_deadline = SUPERSEDED, None
            old.reason = f"Заменен более новой версией файла подразделения: {f.path}."
        if f.verdict == RETURNED and fix_days is not None:
            # The deadline counts from the first check of this version, not from a re-run.
            f.fix_deadline = v.fix_deadline or calendar.add_working_days(v.checked or batch.run_date, fix_days)
        earlier = [e for e in journal.versions(name, profile.key) if e.order < v.order and e.remarks is not None]
        if earlier and f.verdict in (RETURNED, ACCEPTED):
            marks, gone = resolve(earlier[-1].remarks, _remark_dicts(f))
            for r, mark in zip(f.remarks, marks):
                r.resolution = mark
            f.resolved = gone
        status, overdue = status_of(f.verdict, f.fix_deadline, batch.run_date, calendar)
        batch.subdivisions.append({
            "name": name, "status": status, "current": f.path,
            "fix_deadline": f.fix_deadline.isoformat() if f.fix_deadline else None, "overdue_days": overdue,
        })


def record(batch: Batch, journal: Journal) -> None:
    """Save every present version's check (superseded ones with the verdict their check gave)."""
    for f in batch.files:
        v = f.version
        if v is None:
            continue
        verdict = f.checked_verdict or f.verdict
        journal.save_check(v, batch.run_date, verdict, f.reason if verdict == UNREADABLE else None, f.rows,
                           f.errors, f.warnings, f.returned_copy, f.fix_deadline, _remark_dicts(f))
    journal.commit()


def statuses_from_journal(journal: Journal, registry: list[Subdivision], today: date,
                          calendar: Calendar, profile: str | None = None) -> list[dict]:
    """Statuses from the journal alone (the `status` command): the newest version is current."""
    by_sub: dict[str, list[Version]] = {}
    for v in journal.versions(profile=profile):
        by_sub.setdefault(v.subdivision, []).append(v)
    names = [s.name for s in registry] + sorted(n for n in by_sub if n not in {s.name for s in registry})
    out = []
    for name in names:
        versions = by_sub.get(name, [])
        current = versions[-1] if versions else None
        status, overdue = status_of(current.verdict if current else None,
                                    current.fix_deadline if current else None, today, calendar)
        out.append({
            "name": name, "status": status, "current": current.path if current else None,
            "received": current.received.isoformat() if current else None,
            "checked": current.checked.isoformat() if current and current.checked else None,
            "versions": len(versions),
            "fix_deadline": current.fix_deadline.isoformat() if current and current.fix_deadline and
            current.verdict == RETURNED else None,
            "overdue_days": overdue,
        })
    return out
