"""The submission journal: every version of every subdivision's file across runs, in SQLite.

The procedure is not one run: files arrive over days, go back for rework and return fixed. The
journal remembers each version (by content hash), the day it first arrived, its verdict, remarks and
deadline, so that a later run knows which version is current, keeps the first deadline, and can say
which earlier remarks were fixed.

Schema (version 2; `meta.schema_version`, migrated forward by `_migrate`):
    versions(id, subdivision, sha256, size, path, received, mtime, profile)
        one row per distinct file content from a subdivision; `received` is the --date of the run
        that first saw it (ISO date); UNIQUE(subdivision, sha256)
    checks(version_id, checked, verdict, reason, rows, errors, warnings, returned_copy,
           fix_deadline, remarks)
        the latest check of a version; `checked` is the --date of the first check (the deadline
        counts from it); `remarks` is JSON: the remarks as in report.json plus each remark's
        row `key` (its content, to match remarks across versions)
    runs(id, profile, run_date, finished, complete, missing, rows, list_path, list_sha256, edition_id,
         registry)
        every run: whether its consolidated list was complete (`missing`: JSON of what was not in it),
        the list file it wrote, the approved edition in force then, and the process registry it was
        checked against (JSON: group, process, owner, number of each process; NULL: none given)
    run_rows(run_id, position, subdivision, version_id, sheet, source_row, reason, cells, merged)
        the consolidated list of the latest run of each profile, row by row (`cells`: JSON of the
        row's values by column key; `merged`: JSON list of the other subdivisions whose equal row it
        stands for, profile `consolidate`); older runs' rows are dropped
    editions(id, profile, number, date, run_id, incomplete, recorded)
        every approved edition of a profile's list: the order's number and date, the run whose list it
        approved; UNIQUE(profile, number)
    edition_rows(edition_id, position, subdivision, version_id, sheet, source_row, cells, merged)
        the rows of an approved edition, numbered as in it
"""
from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from dataclasses import dataclass
from functools import cached_property
from datetime import date, datetime
from pathlib import Path

SCHEMA_VERSION = 2

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
    2: """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        profile TEXT NOT NULL,
        run_date TEXT NOT NULL,
        finished TEXT NOT NULL,
        complete INTEGER NOT NULL,
        missing TEXT NOT NULL,
        rows INTEGER NOT NULL,
        list_path TEXT,
        list_sha256 TEXT,
        edition_id INTEGER REFERENCES editions(id),
        registry TEXT
    );
    CREATE TABLE run_rows (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        position INTEGER NOT NULL,
        subdivision TEXT NOT NULL,
        version_id INTEGER REFERENCES versions(id),
        sheet TEXT,
        source_row INTEGER,
        reason TEXT,
        cells TEXT NOT NULL,
        merged TEXT,
        PRIMARY KEY (run_id, position)
    );
    CREATE TABLE editions (
        id INTEGER PRIMARY KEY,
        profile TEXT NOT NULL,
        number TEXT NOT NULL,
        date TEXT NOT NULL,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        incomplete INTEGER NOT NULL,
        recorded TEXT NOT NULL,
        UNIQUE (profile, number)
    );
    CREATE TABLE edition_rows (
        edition_id INTEGER NOT NULL REFERENCES editions(id),
        position INTEGER NOT NULL,
        subdivision TEXT NOT NULL,
        version_id INTEGER REFERENCES versions(id),
        sheet TEXT,
        source_row INTEGER,
        cells TEXT NOT NULL,
        merged TEXT,
        PRIMARY KEY (edition_id, position)
    );
    """,
}


# One encoder for the many rows of a list (json.dumps makes one a call when given options).
_ENCODER = json.JSONEncoder(ensure_ascii=False)


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
    profile: str | None = None  # the profile whose form it was checked in

    @cached_property
    def order(self) -> tuple:
        # Newest last: the day it arrived, then its file time, then its name (перечень_v2 after перечень).
        return (self.received, self.mtime, _natural(self.path), self.id)


@dataclass
class ListRow:
    """A row of a consolidated list as the journal keeps it: its number in the list, its subdivision,
    the file version and the place in it it came from, and its values by column key."""
    position: int
    subdivision: str
    version_id: int | None
    cells: dict[str, str]
    sheet: str | None = None
    source_row: int | None = None
    reason: str | None = None  # from the subdivision's «Основание» column, when its form has one
    also: tuple[str, ...] = ()  # other subdivisions whose equal row this one stands for (merged)


def _records(run_id: int, rows: list[ListRow]):
    encode = _ENCODER.encode
    for r in rows:
        yield (run_id, r.position, r.subdivision, r.version_id, r.sheet, r.source_row, r.reason,
               encode(r.cells), encode(list(r.also)) if r.also else None)


@dataclass
class ListRows:
    """A consolidated list's rows a column at a time (a run's list of 400,000 rows is 400,000 ListRow
    objects only when someone iterates over them): what `record_run` stores, row for row the same as
    the ListRow of each position. `cells`: the values by column key, as texts."""
    position: list[int]
    subdivision: list[str]
    version_id: list[int | None]
    cells: dict[str, list[str]]
    sheet: list[str | None]
    source_row: list[int | None]
    reason: list[str | None]
    also: list[tuple[str, ...]]

    def __len__(self) -> int:
        return len(self.position)

    def __iter__(self):
        keys = list(self.cells)
        for i, values in enumerate(zip(*self.cells.values())):
            yield ListRow(position=self.position[i], subdivision=self.subdivision[i], version_id=self.version_id[i],
                          cells=dict(zip(keys, values)), sheet=self.sheet[i], source_row=self.source_row[i],
                          reason=self.reason[i], also=self.also[i])

    def records(self, run_id: int, chunk: int = 10_000):
        """The rows of `run_rows`, the cells' JSON made as _ENCODER makes it (a dict of texts) but a
        column at a time (encode_basestring is the encoder's own C function for a text), a slice of rows
        at a time: the encoded texts of a whole list would take more memory than the list."""
        from json.encoder import encode_basestring

        keys = list(self.cells)
        template = "{" + ", ".join(encode_basestring(k).replace("%", "%%") + ": %s" for k in keys) + "}"
        for start in range(0, len(self), chunk):
            stop = start + chunk
            encoded = [list(map(encode_basestring, self.cells[k][start:stop])) for k in keys]
            for i, values in enumerate(zip(*encoded), start):
                also = self.also[i]
                yield (run_id, self.position[i], self.subdivision[i], self.version_id[i], self.sheet[i],
                       self.source_row[i], self.reason[i], template % values,
                       _ENCODER.encode(list(also)) if also else None)


@dataclass
class Run:
    """A run as the journal keeps it: whether its list was complete and what was missing."""
    profile: str
    run_date: date
    finished: str
    complete: bool
    missing: dict
    rows: int = 0
    list_path: str | None = None
    list_sha256: str | None = None
    edition_id: int | None = None
    registry: list[dict] | None = None  # the process registry the run checked against
    id: int | None = None


@dataclass
class Edition:
    """An approved edition of a profile's list: the order's number and date, and its rows."""
    id: int
    profile: str
    number: str
    date: date
    run_id: int
    incomplete: bool
    rows: list[ListRow]


_DIGITS = re.compile(r"(\d+)")


def _natural(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p.lower() for p in _DIGITS.split(text))


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

    def __exit__(self, kind, *exc) -> None:
        if kind is not None:  # what a failed command wrote is not kept
            self.db.rollback()
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
            "c.reason, c.rows, c.errors, c.warnings, c.returned_copy, c.fix_deadline, c.remarks, v.profile "
            f"FROM versions v LEFT JOIN checks c ON c.version_id = v.id {where}", args,
        ).fetchall()
        return [
            Version(id=r[0], subdivision=r[1], sha256=r[2], path=r[3], received=date.fromisoformat(r[4]),
                    mtime=r[5], checked=_date(r[6]), verdict=r[7], reason=r[8], rows=r[9] or 0,
                    errors=r[10] or 0, warnings=r[11] or 0, returned_copy=r[12], fix_deadline=_date(r[13]),
                    remarks=json.loads(r[14]) if r[14] else None, profile=r[15])
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

    # --- runs and approved editions ------------------------------------------------------------

    def record_run(self, run: Run, rows: ListRows | list[ListRow] | None, same_rows: int | None = None) -> int:
        """Record a run and its consolidated list (ListRows, or what gives them as its `records`); the
        profile's earlier runs keep their line but not their rows (committed by `commit`). `same_rows`:
        the earlier run whose list this run's is, row for row (its rows become this run's; `rows` may
        then be None)."""
        cur = self.db.execute(
            "INSERT INTO runs (profile, run_date, finished, complete, missing, rows, list_path, list_sha256, "
            "edition_id, registry) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run.profile, run.run_date.isoformat(), run.finished, int(run.complete),
             json.dumps(run.missing, ensure_ascii=False),
             len(rows) if rows is not None else self.run(same_rows).rows, run.list_path, run.list_sha256,
             run.edition_id, json.dumps(run.registry, ensure_ascii=False) if run.registry is not None else None))
        run_id = cur.lastrowid
        if same_rows is not None:
            self.db.execute("UPDATE run_rows SET run_id = ? WHERE run_id = ?", (run_id, same_rows))
        self.db.execute("DELETE FROM run_rows WHERE run_id IN (SELECT id FROM runs WHERE profile = ? AND id <> ?)",
                        (run.profile, run_id))
        if same_rows is not None:
            return run_id
        self.db.executemany(
            "INSERT INTO run_rows (run_id, position, subdivision, version_id, sheet, source_row, reason, cells, merged) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows.records(run_id) if hasattr(rows, "records") else _records(run_id, rows))
        return run_id

    def last_run(self, profile: str | None = None) -> Run | None:
        """The latest run (of a profile, or of any), or None."""
        where, args = ("WHERE profile = ?", (profile,)) if profile else ("", ())
        row = self.db.execute(
            "SELECT id, profile, run_date, finished, complete, missing, rows, list_path, list_sha256, edition_id, "
            f"registry FROM runs {where} ORDER BY id DESC LIMIT 1", args).fetchone()
        return self._run(row) if row else None

    def run(self, run_id: int) -> Run:
        return self._run(self.db.execute(
            "SELECT id, profile, run_date, finished, complete, missing, rows, list_path, list_sha256, edition_id, "
            "registry FROM runs WHERE id = ?", (run_id,)).fetchone())

    @staticmethod
    def _run(row) -> Run:
        return Run(profile=row[1], run_date=date.fromisoformat(row[2]), finished=row[3], complete=bool(row[4]),
                   missing=json.loads(row[5]), rows=row[6], list_path=row[7], list_sha256=row[8], edition_id=row[9],
                   registry=json.loads(row[10]) if row[10] else None, id=row[0])

    def run_rows(self, run_id: int) -> list[ListRow]:
        return [ListRow(position=r[0], subdivision=r[1], version_id=r[2], sheet=r[3], source_row=r[4], reason=r[5],
                        cells=json.loads(r[6]), also=tuple(json.loads(r[7])) if r[7] else ())
                for r in self.db.execute("SELECT position, subdivision, version_id, sheet, source_row, reason, cells, "
                                         "merged FROM run_rows WHERE run_id = ? ORDER BY position", (run_id,))]

    def record_edition(self, profile: str, number: str, day: date, run: Run, incomplete: bool) -> Edition:
        """Record the run's list as an approved edition (committed by `commit`)."""
        cur = self.db.execute(
            "INSERT INTO editions (profile, number, date, run_id, incomplete, recorded) VALUES (?, ?, ?, ?, ?, ?)",
            (profile, number, day.isoformat(), run.id, int(incomplete), datetime.now().isoformat(timespec="seconds")))
        edition_id = cur.lastrowid
        self.db.execute(
            "INSERT INTO edition_rows (edition_id, position, subdivision, version_id, sheet, source_row, cells, merged) "
            "SELECT ?, position, subdivision, version_id, sheet, source_row, cells, merged FROM run_rows WHERE run_id = ?",
            (edition_id, run.id))
        return self.edition(edition_id)

    def edition(self, edition_id: int) -> Edition:
        row = self.db.execute("SELECT id, profile, number, date, run_id, incomplete FROM editions WHERE id = ?",
                              (edition_id,)).fetchone()
        rows = [ListRow(position=r[0], subdivision=r[1], version_id=r[2], sheet=r[3], source_row=r[4],
                        cells=json.loads(r[5]), also=tuple(json.loads(r[6])) if r[6] else ())
                for r in self.db.execute("SELECT position, subdivision, version_id, sheet, source_row, cells, merged "
                                         "FROM edition_rows WHERE edition_id = ? ORDER BY position", (edition_id,))]
        return Edition(id=row[0], profile=row[1], number=row[2], date=date.fromisoformat(row[3]), run_id=row[4],
                       incomplete=bool(row[5]), rows=rows)

    def editions(self, profile: str) -> list[Edition]:
        """The profile's approved editions, oldest first."""
        ids = self.db.execute("SELECT id FROM editions WHERE profile = ? ORDER BY date, id", (profile,)).fetchall()
        return [self.edition(i) for (i,) in ids]

    def edition_in_force(self, profile: str) -> Edition | None:
        """The profile's latest approved edition, or None."""
        row = self.db.execute("SELECT id FROM editions WHERE profile = ? ORDER BY date DESC, id DESC LIMIT 1",
                              (profile,)).fetchone()
        return self.edition(row[0]) if row else None

    def version_paths(self, ids: set[int]) -> dict[int, str]:
        """The inbox path of each version."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        return dict(self.db.execute(f"SELECT id, path FROM versions WHERE id IN ({marks})", tuple(ids)).fetchall())

    def counts(self) -> tuple[int, int]:
        """(versions, checks): a re-run on unchanged files must leave both as they were."""
        return (self.db.execute("SELECT COUNT(*) FROM versions").fetchone()[0],
                self.db.execute("SELECT COUNT(*) FROM checks").fetchone()[0])
