"""The submission journal: every version of every subdivision's file across runs, in SQLite.

The procedure is not one run: files arrive over days, go back for rework and return fixed. The
journal remembers each version (by content hash), the day it first arrived, its verdict, remarks and
deadline, so that a later run knows which version is current, keeps the first deadline, and can say
which earlier remarks were fixed.

Schema (version 1; `meta.schema_version`, migrated forward by `_migrate`):
    versions(id, subdivision, sha256, size, path, received, mtime, profile)
        one row per distinct file content from a subdivision; `received` is the --date of the run
        that first saw it (ISO date); UNIQUE(subdivision, sha256)
    checks(version_id, checked, verdict, reason, rows, errors, warnings, returned_copy,
           fix_deadline, remarks)
        the latest check of a version; `checked` is the --date of the first check (the deadline
        counts from it); `remarks` is JSON: the remarks as in report.json plus each remark's
        row `key` (its content, to match remarks across versions)
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

SCHEMA_VERSION = 1

_MIGRATIONS = {
    1: """
    CREATE TABLE versions (
        id INTEGER PRIMARY KEY,
        subdivision TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        path TEXT NOT NULL,
        received TEXT NOT NULL,
        mtime REAL NOT NULL,
        profile TEXT NOT NULL,
        UNIQUE (subdivision, sha256)
    );
    CREATE TABLE checks (
        version_id INTEGER PRIMARY KEY REFERENCES versions(id),
        checked TEXT NOT NULL,
        verdict TEXT NOT NULL,
        reason TEXT,
        rows INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        warnings INTEGER NOT NULL,
        returned_copy TEXT,
        fix_deadline TEXT,
        remarks TEXT NOT NULL
    );
    """,
}


def file_hash(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


@dataclass
class Version:
    id: int
    subdivision: str
    sha256: str
    path: str
    received: date
    mtime: float
    checked: date | None = None
    verdict: str | None = None
    reason: str | None = None
    rows: int = 0
    errors: int = 0
    warnings: int = 0
    returned_copy: str | None = None
    fix_deadline: date | None = None
    remarks: list[dict] | None = None

    @property
    def order(self) -> tuple:
        # Newest last: the day it arrived, then its file time, then its name (перечень_v2 after перечень).
        return (self.received, self.mtime, _natural(self.path), self.id)


def _natural(text: str) -> tuple:
    import re

    return tuple(int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", text))


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


# The journal file in the results folder when --journal does not name another.
FILE_NAME = "журнал.sqlite"

class Journal:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30)
        self.db.execute("PRAGMA foreign_keys = ON")
        self._migrate()

    def close(self) -> None:
        self.db.commit()
        self.db.close()

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _migrate(self) -> None:
        with self.db:
            self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            current = int(row[0]) if row else 0
            if current > SCHEMA_VERSION:
                raise RuntimeError(
                    f"Журнал {self.path} создан более новой версией программы (схема {current}); обновите программу."
                )
            for version in range(current + 1, SCHEMA_VERSION + 1):
                self.db.executescript(_MIGRATIONS[version])
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(version),))

    def version(self, subdivision: str, sha256: str, size: int, path: str, received: date, mtime: float,
                profile: str) -> Version:
        """The journal's version for this content, recorded now if it is new (committed by `commit`)."""
        self.db.execute(
            "INSERT OR IGNORE INTO versions (subdivision, sha256, size, path, received, mtime, profile) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (subdivision, sha256, size, path, received.isoformat(), mtime, profile),
        )
        row = self.db.execute("SELECT id FROM versions WHERE subdivision = ? AND sha256 = ?",
                              (subdivision, sha256)).fetchone()
        return self.get(row[0])

    def get(self, version_id: int) -> Version:
        return self._rows("WHERE v.id = ?", (version_id,))[0]

    def versions(self, subdivision: str | None = None, profile: str | None = None) -> list[Version]:
        """Every version (of one subdivision, or of all; of one profile's form, or of any), oldest first.

        One journal may serve several profiles (a shared --journal): each profile's procedure is kept
        apart."""
        where, args = [], []
        if subdivision is not None:
            where.append("v.subdivision = ?")
            args.append(subdivision)
        if profile is not None:
            where.append("v.profile = ?")
            args.append(profile)
        found = self._rows(("WHERE " + " AND ".join(where)) if where else "", tuple(args))
        return sorted(found, key=lambda v: v.order)

    def profiles(self) -> list[str]:
        """The profiles in the journal, the one of the newest version last."""
        rows = self.db.execute("SELECT profile, MAX(received), MAX(id) FROM versions GROUP BY profile "
                               "ORDER BY 2, 3").fetchall()
        return [r[0] for r in rows]

    def _rows(self, where: str, args: tuple) -> list[Version]:
        rows = self.db.execute(
            "SELECT v.id, v.subdivision, v.sha256, v.path, v.received, v.mtime, c.checked, c.verdict, "
            "c.reason, c.rows, c.errors, c.warnings, c.returned_copy, c.fix_deadline, c.remarks "
            f"FROM versions v LEFT JOIN checks c ON c.version_id = v.id {where}", args,
        ).fetchall()
        return [
            Version(id=r[0], subdivision=r[1], sha256=r[2], path=r[3], received=date.fromisoformat(r[4]),
                    mtime=r[5], checked=_date(r[6]), verdict=r[7], reason=r[8], rows=r[9] or 0,
                    errors=r[10] or 0, warnings=r[11] or 0, returned_copy=r[12], fix_deadline=_date(r[13]),
                    remarks=json.loads(r[14]) if r[14] else None)
            for r in rows
        ]

    def save_check(self, version: Version, checked: date, verdict: str, reason: str | None, rows: int,
                   errors: int, warnings: int, returned_copy: str | None, fix_deadline: date | None,
                   remarks: list[dict]) -> None:
        """Record the latest check of a version; the first check's date and deadline are kept
        (committed by `commit`: one transaction per run, not one per file)."""
        self.db.execute(
            "INSERT INTO checks (version_id, checked, verdict, reason, rows, errors, warnings, returned_copy, "
            "fix_deadline, remarks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(version_id) DO UPDATE SET verdict = excluded.verdict, reason = excluded.reason, "
            "rows = excluded.rows, errors = excluded.errors, warnings = excluded.warnings, "
            "returned_copy = excluded.returned_copy, remarks = excluded.remarks, "
            "fix_deadline = COALESCE(checks.fix_deadline, excluded.fix_deadline)",
            (version.id, checked.isoformat(), verdict, reason, rows, errors, warnings, returned_copy,
             fix_deadline.isoformat() if fix_deadline else None,
             json.dumps(remarks, ensure_ascii=False)),
        )

    def commit(self) -> None:
        self.db.commit()

    def counts(self) -> tuple[int, int]:
        """(versions, checks): a re-run on unchanged files must leave both as they were."""
        return (self.db.execute("SELECT COUNT(*) FROM versions").fetchone()[0],
                self.db.execute("SELECT COUNT(*) FROM checks").fetchone()[0])
