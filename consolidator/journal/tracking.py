"""Versions, statuses and deadlines across runs, on top of the journal.

After a run's check: each file becomes a version of its subdivision; the newest present version is
current and older ones are `superseded`; a returned version keeps the deadline of its first check;
the remarks of a resubmitted version are matched with those of the version before it (устранено,
не устранено, новое); every subdivision, expected or seen, gets a status.
"""
from __future__ import annotations

from datetime import date

from consolidator.journal.store import Journal, Version, file_hash
from consolidator.journal.subdivisions import Subdivision, match_subdivision
from consolidator.journal.workdays import Calendar
from consolidator.model import (ACCEPTED, NOT_SUBMITTED, RETURNED, SKIPPED, SUPERSEDED, UNREADABLE, Batch,
                                FileResult)

UNDER_REVIEW = "на проверке"
ACCEPTED_RU = "принят"
RETURNED_RU = "возвращен на доработку"
OVERDUE = "просрочен"
STATUSES = (NOT_SUBMITTED, UNDER_REVIEW, ACCEPTED_RU, RETURNED_RU, OVERDUE)

FIXED, NOT_FIXED, NEW = "устранено", "не устранено", "новое"


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


def track(batch: Batch, journal: Journal, expected: list[Subdivision], calendar: Calendar) -> None:
    """Set versions, deadlines, resolutions and statuses on a checked batch, using the journal's history.
    Call `record` once the returned copies are written."""
    profile = batch.profile
    fix_days = profile.deadlines["fix"].days if "fix" in profile.deadlines else None
    registered = {s.name for s in expected}
    present: dict[str, list[tuple[FileResult, Version]]] = {}
    # The journal's versions read once (one query, not one per file or subdivision).
    known = {(v.subdivision, v.sha256): v for v in journal.versions()}
    for f in batch.files:
        if f.verdict == SKIPPED:
            continue
        entry = match_subdivision(f, expected)
        if entry is not None:
            f.subdivision = entry.name
        if f.sha256 is None:  # not hashed by the check (a batch made elsewhere)
            f.sha256, f.size = file_hash(f.source)
        v = known.get((f.subdivision, f.sha256))
        if v is None:
            v = journal.version(f.subdivision, f.sha256, f.size, f.path, batch.run_date, f.source.stat().st_mtime,
                                profile.key)
            known[(v.subdivision, v.sha256)] = v
        f.version = v
        present.setdefault(f.subdivision, []).append((f, v))
    history: dict[str, list[Version]] = {}
    for v in sorted(known.values(), key=lambda v: v.order):
        if v.profile == profile.key:
            history.setdefault(v.subdivision, []).append(v)

    batch.subdivisions = []
    batch.owing, batch.owed_copies = [], []
    approved = {r.subdivision for r in batch.edition.rows} if batch.edition is not None else set()
    # A subdivision whose last list, in an earlier run, was returned (or could not be read) and which has
    # sent nothing since owes a corrected list: the list lacks its rows unless the approved edition has them.
    owing = sorted(n for n, versions in history.items()
                   if n not in present and versions[-1].verdict in (RETURNED, UNREADABLE))
    for name in [s.name for s in expected] + sorted({*(n for n in present if n not in registered),
                                                      *(n for n in owing if n not in registered)}):
        items = sorted(present.get(name, []), key=lambda fv: fv[1].order)
        if not items and name in owing:
            last = history[name][-1]
            status, overdue = status_of(last.verdict, last.fix_deadline, batch.run_date, calendar)
            batch.subdivisions.append({"name": name, "status": status, "current": last.path,
                                       "fix_deadline": last.fix_deadline.isoformat() if last.fix_deadline else None,
                                       "overdue_days": overdue})
            if name not in approved:
                batch.owing.append({"name": name, "path": last.path})
            if last.returned_copy:
                batch.owed_copies.append(last.returned_copy)
            continue
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
            # (The first check's deadline ran from the day its remarks were sent: --sent, or that day.)
            f.fix_deadline = v.fix_deadline or calendar.add_working_days(v.checked or batch.remarks_sent, fix_days)
        earlier = [e for e in history.get(name, []) if e.order < v.order and e.remarks is not None]
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
        reason = f.reason if verdict == UNREADABLE else None
        remarks = _remark_dicts(f)
        if (v.checked is not None and (v.verdict, v.reason, v.rows, v.errors, v.warnings, v.returned_copy, v.remarks)
                == (verdict, reason, f.rows, f.errors, f.warnings, f.returned_copy, remarks)
                and (v.fix_deadline is not None or f.fix_deadline is None)):
            continue  # checked before with this result: nothing to record
        journal.save_check(v, batch.run_date, verdict, reason, f.rows, f.errors, f.warnings, f.returned_copy,
                           f.fix_deadline, remarks)
    journal.commit()


def statuses_from_journal(journal: Journal, expected: list[Subdivision], today: date,
                          calendar: Calendar, profile: str | None = None) -> list[dict]:
    """Statuses from the journal alone (the `status` command): the newest version is current."""
    by_sub: dict[str, list[Version]] = {}
    for v in journal.versions(profile=profile):
        by_sub.setdefault(v.subdivision, []).append(v)
    names = [s.name for s in expected] + sorted(n for n in by_sub if n not in {s.name for s in expected})
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
