"""The submission journal: every version of every subdivision's file across runs, in SQLite.

The procedure is not one run: files arrive over days, go back for rework and return fixed. The
journal remembers each version (by content hash), the day it first arrived, its verdict, remarks and
deadline, so that a later run knows which version is current, keeps the first deadline, and can say
which earlier remarks were fixed.

Schema (version 3; `meta.schema_version`, migrated forward by `_migrate`):
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
    run_lists(run_id, part, rows)
        the consolidated list of the latest run of each profile, PART_ROWS rows a part in list order
        (`rows`: zlib-compressed JSON of the part's columns: {"position": [...], "subdivision",
        "version_id", "sheet", "source_row", "reason", "merged": [...], "cells": {column key: [...]},
        "texts": [...]}; a subdivision and a cell are numbers in `texts`, where each text of the part
        is once, a cell null when the row has no such column; `merged`: the other subdivisions whose
        equal row it stands for, profile `consolidate`, or null); older runs' lists are dropped. A row
        a line (version 2's run_rows) made a region's 420,000 rows 3 s of inserts a run and a journal
        of 204 MiB, copied before every run (safekeeping); in parts, 1.2 s and 12.6 MiB
    editions(id, profile, number, date, run_id, incomplete, recorded)
        every approved edition of a profile's list: the order's number and date, the run whose list it
        approved; UNIQUE(profile, number)
    edition_lists(edition_id, part, rows)
        the rows of an approved edition, numbered as in it, as run_lists keeps them (their `reason`
        is not part of the edition)
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import sqlite3
import zlib
from dataclasses import dataclass
from functools import cached_property
from datetime import date, datetime
from pathlib import Path

SCHEMA_VERSION = 3
PART_ROWS = 10_000  # rows of a list in one part of run_lists / edition_lists

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
    # 3: the list's rows in compressed parts, not a row a line (_to_parts moves version 2's across).
    3: """
    CREATE TABLE run_lists (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        part INTEGER NOT NULL,
        rows BLOB NOT NULL,
        PRIMARY KEY (run_id, part)
    );
    CREATE TABLE edition_lists (
        edition_id INTEGER NOT NULL REFERENCES editions(id),
        part INTEGER NOT NULL,
        rows BLOB NOT NULL,
        PRIMARY KEY (edition_id, part)
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


_FIELDS = ("position", "subdivision", "version_id", "sheet", "source_row", "reason")


def _parts(rows: list[ListRow], size: int = PART_ROWS):
    """The JSON texts of the parts of run_lists / edition_lists that keep these rows (ListRows.parts of
    their columns; a cell a row lacks is None there)."""
    keys = dict.fromkeys(k for r in rows for k in r.cells)
    return ListRows(position=[r.position for r in rows], subdivision=[r.subdivision for r in rows],
                    version_id=[r.version_id for r in rows], cells={k: [r.cells.get(k) for r in rows] for k in keys},
                    sheet=[r.sheet for r in rows], source_row=[r.source_row for r in rows],
                    reason=[r.reason for r in rows], also=[r.also for r in rows]).parts(size)


def _part_text(fields: dict[str, list], merged: list, cells: dict[str, list]) -> str:
    """A part's JSON: its subdivisions and cells numbers in its `texts`, each text once (a region's
    texts repeat hundreds of thousands of times: 19 MiB of JSON for a 42,000-row list, 3.9 MiB so).
    Cells are texts (ListRow.cells; run._cell_text makes them so): None stands for a cell the row does
    not have, and values equal as Python values (1 and 1.0) would share a number."""
    index: dict[str, int] = {}
    add = index.setdefault

    def numbered(values: list) -> list:
        return [None if v is None else add(v, len(index)) for v in values]

    part = {**fields, "subdivision": numbered(fields["subdivision"]), "merged": merged,
            "cells": {k: numbered(values) for k, values in cells.items()}}
    part["texts"] = list(index)
    return _ENCODER.encode(part)


def _stored_rows(journal: Path, db: sqlite3.Connection, table: str, key: str, value: int):
    """The rows kept in the parts of a run's or an edition's list, in list order. A part that cannot be
    read (damaged bytes: SQLite's own check does not look inside them) is a damaged journal, said as
    such (safekeeping.JournalDamaged), whatever the decoding stumbled on."""
    from consolidator.journal.safekeeping import JournalDamaged, damaged_message

    for (blob,) in db.execute(f"SELECT rows FROM {table} WHERE {key} = ? ORDER BY part", (value,)):
        try:
            rows = _decoded(zlib.decompress(blob))
        except Exception as exc:  # the decoder's own error is kept as the cause
            raise JournalDamaged(damaged_message(journal)) from exc
        yield from rows


def _decoded(text: str | bytes) -> list[ListRow]:
    """The rows of a part's JSON (`_parts`)."""
    part = json.loads(text)
    texts = part["texts"]
    keys, cells = list(part["cells"]), list(part["cells"].values())
    merged = part["merged"]
    values = zip(*cells) if cells else [()] * len(merged)
    return [ListRow(position=position, subdivision=texts[subdivision], version_id=version_id, sheet=sheet,
                    source_row=source_row, reason=reason,
                    cells={k: texts[v] for k, v in zip(keys, row) if v is not None},
                    also=tuple(also) if also else ())
            for (position, subdivision, version_id, sheet, source_row, reason), also, row
            in zip(zip(*[part[name] for name in _FIELDS]), merged, values, strict=True)]


def _to_parts(db: sqlite3.Connection) -> None:
    """Version 2's lists, a row a line (run_rows, edition_rows), moved into parts (schema version 3), a
    part's rows at a time (a region's list whole as objects would take a gigabyte)."""
    for table, parts, key, reason in (("run_rows", "run_lists", "run_id", "reason"),
                                      ("edition_rows", "edition_lists", "edition_id", "NULL")):
        for (value,) in db.execute(f"SELECT DISTINCT {key} FROM {table}").fetchall():
            cursor = db.execute(f"SELECT position, subdivision, version_id, sheet, source_row, {reason}, cells, "
                                f"merged FROM {table} WHERE {key} = ? ORDER BY position", (value,))
            part = 0
            while chunk := cursor.fetchmany(PART_ROWS):
                rows = [ListRow(position=r[0], subdivision=r[1], version_id=r[2], sheet=r[3], source_row=r[4],
                                reason=r[5], cells=json.loads(r[6]), also=tuple(json.loads(r[7])) if r[7] else ())
                        for r in chunk]
                for text in _parts(rows):
                    db.execute(f"INSERT INTO {parts} ({key}, part, rows) VALUES (?, ?, ?)", (value, part, _packed(text)))
                    part += 1
        db.execute(f"DROP TABLE {table}")


_CONVERSIONS = {3: _to_parts}


def _packed(text: str) -> bytes:
    # Level 1: a 42,000-row list's 3.9 MiB of JSON become 0.48 MiB in 14 ms; level 6: 0.40 MiB in 56 ms.
    return zlib.compress(text.encode(), 1)


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

    def parts(self, size: int = PART_ROWS):
        """The JSON texts of the parts of run_lists / edition_lists that keep these rows, a part's columns
        at a time (`_part_text`: the encoder writes each in one call; a row at a time in Python took 0.2 s
        a 42,000-row list, and the texts of a whole list at once would take more memory than the list)."""
        for start in range(0, len(self), size):
            stop = start + size
            yield _part_text({name: getattr(self, name)[start:stop] for name in _FIELDS},
                             [list(also) if also else None for also in self.also[start:stop]],
                             {k: values[start:stop] for k, values in self.cells.items()})


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
        """Bring the schema up to date, all of it in one transaction: a migration stopped halfway (an error
        in a conversion, Ctrl+C) leaves the journal as it was, not with new tables and the old version
        number, which no later run could open. The write lock is taken before the version is read again:
        two commands opening one old journal at once migrate it once. A journal whose lists moved into
        parts (version 3) is then compacted: the old tables' pages would stay in the file, and in every
        backup of it."""
        current = self._schema_version()
        if current > SCHEMA_VERSION:
            from consolidator.journal.safekeeping import JournalDamaged

            self.db.close()
            # Said by the commands as a damaged journal is (their message, no traceback), and left as it is.
            raise JournalDamaged(
                f"Журнал «{self.path}» создан более новой версией программы (схема журнала {current}, эта версия "
                f"знает схемы до {SCHEMA_VERSION}); обновите программу на этом компьютере (установка — как в "
                f"README: pip install . в папке новой версии). Журнал не изменен.")
        if current == SCHEMA_VERSION:
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            current = self._schema_version()
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in filter(str.strip, _MIGRATIONS[version].split(";")):  # no ";" in their texts
                    self.db.execute(statement)
                if version in _CONVERSIONS:
                    _CONVERSIONS[version](self.db)
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(version),))
            self.db.commit()
        except BaseException:
            self.db.rollback()
            raise
        if 0 < current < 3:
            try:
                self.db.execute("VACUUM")
            except sqlite3.Error:  # locked, or no room for the copy VACUUM makes: only not smaller
                pass

    def _schema_version(self) -> int:
        if self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone() is None:
            return 0
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

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
            self.db.execute("UPDATE run_lists SET run_id = ? WHERE run_id = ?", (run_id, same_rows))
        self.db.execute("DELETE FROM run_lists WHERE run_id IN (SELECT id FROM runs WHERE profile = ? AND id <> ?)",
                        (run.profile, run_id))
        if same_rows is not None:
            return run_id
        parts = rows.parts() if hasattr(rows, "parts") else _parts(rows)
        self.db.executemany("INSERT INTO run_lists (run_id, part, rows) VALUES (?, ?, ?)",
                            ((run_id, n, _packed(text)) for n, text in enumerate(parts)))
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
        return list(_stored_rows(self.path, self.db, "run_lists", "run_id", run_id))

    def record_edition(self, profile: str, number: str, day: date, run: Run, incomplete: bool) -> Edition:
        """Record the run's list as an approved edition (committed by `commit`)."""
        cur = self.db.execute(
            "INSERT INTO editions (profile, number, date, run_id, incomplete, recorded) VALUES (?, ?, ?, ?, ?, ?)",
            (profile, number, day.isoformat(), run.id, int(incomplete), datetime.now().isoformat(timespec="seconds")))
        edition_id = cur.lastrowid
        self.db.execute("INSERT INTO edition_lists (edition_id, part, rows) SELECT ?, part, rows FROM run_lists "
                        "WHERE run_id = ?", (edition_id, run.id))
        return self.edition(edition_id)

    def edition(self, edition_id: int) -> Edition:
        row = self.db.execute("SELECT id, profile, number, date, run_id, incomplete FROM editions WHERE id = ?",
                              (edition_id,)).fetchone()
        rows = [dataclasses.replace(r, reason=None) if r.reason is not None else r
                for r in _stored_rows(self.path, self.db, "edition_lists", "edition_id", edition_id)]
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
