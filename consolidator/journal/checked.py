"""The checks of files already checked, kept in the results folder («кэш проверки.sqlite»), so that a
run after a few lists arrived reads and checks only those.

A file's stored check stands for the file while all of these are the same (`CheckKey`):
- the file: its bytes (SHA-256) and its path in the inbox (its folder names the subdivision);
- the rules: the profile's file, the process registry given for the run, the size limits;
- the program that reads and checks: consolidator's version and the text of its modules that read,
  recognise the form and check (a changed check may give another verdict).
The check date is not among them: no verdict depends on it; the deadline to fix, which does, is worked
out again every run, and so is everything written (returned copies, the list, the order). `consolidator
run --recheck` reads and checks every file afresh. The file may be deleted at any time: the next run
then checks everything and keeps it again.

What is kept of a file is what its check gave: the verdict and reason, the sheet and columns read,
the remarks, the reasons given for changes, and apart from these its rows as the consolidated list
takes them (a run that writes no output again does not open them), each as compressed JSON (nothing
read from it is ever evaluated). Only the current run's files are kept.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

FILE_NAME = "кэш проверки.sqlite"
_SCHEMA = 3
# The modules whose text decides a verdict (relative to the package).
_CHECKING_CODE = ("__init__.py", "checks", "inbox", "profile", "model.py", "run.py")


_ROOT = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def _sources() -> tuple[tuple[str, bytes], ...]:
    """The program's modules and profiles (path relative to the package, text), read once."""
    return tuple((path.relative_to(_ROOT).as_posix(), path.read_bytes())
                 for path in sorted([*_ROOT.rglob("*.py"), *_ROOT.rglob("*.yaml")]))


def _digest_of(sources: Iterable[tuple[str, bytes]]) -> str:
    h = hashlib.sha256()
    for name, text in sources:
        h.update(name.encode())
        h.update(text)
    return h.hexdigest()


@lru_cache(maxsize=1)
def code_digest() -> str:
    """The text of the modules that read and check (consolidator's version among them)."""
    return _digest_of((name, text) for name, text in _sources() if name.endswith(".py") and any(
        name == part or name.startswith(part + "/") for part in _CHECKING_CODE))


@lru_cache(maxsize=1)
def package_digest() -> str:
    """The text of the whole program and its profiles: what every output is written by."""
    return _digest_of(_sources())


def rules_digest(profile, limits: object) -> str:
    """The profile's file, the registry given for the run and the size limits."""
    h = hashlib.sha256(code_digest().encode())
    h.update(profile.key.encode())
    h.update(Path(profile.source).read_bytes() if profile.source else b"")
    registry = getattr(profile, "registry", None)
    h.update(json.dumps(registry.to_json() if registry is not None else None, sort_keys=True,
                        ensure_ascii=False).encode())
    h.update(repr(limits).encode())
    return h.hexdigest()


def file_key(rules: str, path: str, sha256: str) -> str:
    """The key of one file's check: the rules' digest, its path in the inbox and its bytes' SHA-256."""
    return hashlib.sha256(f"{rules}\0{path}\0{sha256}".encode()).hexdigest()


class StoreDamaged(ValueError):
    """A kept file's rows that cannot be opened: found only when they are (an output written again)."""


class CheckedStore:
    """The stored checks of one results folder. Any trouble with the file (damaged, locked, written by
    another version) makes it an empty store: the run checks everything, as without it, and the file
    is made anew."""

    def __init__(self, out: Path):
        self.path = out / FILE_NAME

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        if not create and not self.path.exists():
            return None
        db = sqlite3.connect(self.path)
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version != _SCHEMA:
                if not create:
                    db.close()
                    return None
                db.executescript("DROP TABLE IF EXISTS checked; DROP TABLE IF EXISTS outputs;"
                                 "CREATE TABLE checked (key TEXT PRIMARY KEY, form TEXT, result BLOB NOT NULL,"
                                 " rows BLOB);"
                                 "CREATE TABLE outputs (name TEXT PRIMARY KEY, state TEXT NOT NULL);"
                                 f"PRAGMA user_version = {_SCHEMA};")
        except sqlite3.Error:
            db.close()
            raise
        return db

    def load(self, keys: Iterable[str], rows: bool = True) -> dict[str, dict[str, Any]]:
        """The stored checks of these keys (those there are). `rows` False: each entry's «values» (its
        rows) are left compressed, for `restore` to hand on and `stored_rows` to open when needed."""
        try:
            found = {}
            for key, blob, values in self._stored("result, rows", keys):
                entry = found[key] = json.loads(zlib.decompress(blob))
                if values is not None:
                    entry["values"] = _values(values) if rows else bytes(values)
            return found
        except (sqlite3.Error, zlib.error, ValueError):
            return {}

    def forms(self, keys: Iterable[str]) -> dict[str, Any]:
        """The form each of these files was found in by the survey that chose the profile (entry «form»),
        without the rest of their checks."""
        try:
            return {key: json.loads(form) if form else None for key, form in self._stored("form", keys)}
        except (sqlite3.Error, ValueError):
            return {}

    def _stored(self, column: str, keys: Iterable[str]) -> Iterator[tuple[str, Any]]:
        """(key, `column`) of the stored files of these keys, asked 500 at a time."""
        keys = list(dict.fromkeys(keys))
        db = self._connect(create=False) if keys else None
        if db is None:
            return
        try:
            with db:
                for start in range(0, len(keys), 500):
                    chunk = keys[start:start + 500]
                    marks = ",".join("?" * len(chunk))
                    yield from db.execute(f"SELECT key, {column} FROM checked WHERE key IN ({marks})", chunk)
        finally:
            db.close()

    def save(self, kept: Iterable[str], new: dict[str, dict[str, Any] | tuple[str | None, bytes]]) -> None:
        """Keep the checks of `kept` and `new` (key -> result, or the result `pack`ed), and no other: only
        what changed is written."""
        keep = set(kept) | set(new)
        try:
            db = self._connect(create=True)
        except sqlite3.Error:
            self._remove()
            try:
                db = self._connect(create=True)
            except sqlite3.Error:
                return  # a store that cannot be written costs the next run its speed, nothing else
        try:
            with db:
                stored = {k for (k,) in db.execute("SELECT key FROM checked")}
                gone = stored - keep
                if gone:
                    db.executemany("DELETE FROM checked WHERE key = ?", ((k,) for k in gone))
                db.executemany("INSERT OR REPLACE INTO checked VALUES (?, ?, ?, ?)", (
                    (key, *(value if isinstance(value, tuple) else pack(value))) for key, value in new.items()))
        except sqlite3.Error:
            pass
        finally:
            db.close()

    def outputs(self) -> dict[str, Any]:
        """What the last run recorded of its outputs (outputs_state)."""
        try:
            db = self._connect(create=False)
            if db is None:
                return {}
            with db:
                found = {name: json.loads(state) for name, state in db.execute("SELECT name, state FROM outputs")}
            db.close()
            return found
        except (sqlite3.Error, ValueError):
            return {}

    def output(self, name: str) -> Any:
        """One of `outputs`, read alone (the profile: not every returned copy's state)."""
        try:
            db = self._connect(create=False)
            if db is None:
                return None
            with db:
                row = db.execute("SELECT state FROM outputs WHERE name = ?", (name,)).fetchone()
            db.close()
            return json.loads(row[0]) if row else None
        except (sqlite3.Error, ValueError):
            return None

    def save_outputs(self, states: dict[str, Any]) -> None:
        try:
            db = self._connect(create=True)
        except sqlite3.Error:
            return
        try:
            with db:
                db.execute("DELETE FROM outputs")
                db.executemany("INSERT INTO outputs VALUES (?, ?)",
                               ((name, json.dumps(state, ensure_ascii=False)) for name, state in states.items()))
        except sqlite3.Error:
            pass
        finally:
            db.close()

    def forget(self) -> None:
        """Remove the store (damaged): the next run checks every file and keeps them anew."""
        self._remove()

    def _remove(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            pass


# --- a file's check, kept and restored -----------------------------------------------------------------

def pack(entry: dict[str, Any]) -> tuple[str | None, bytes, bytes | None]:
    """A file's check as the store keeps it: its form (JSON), the entry without its rows and its rows
    («values»), each compressed JSON (a run that writes no output again opens no rows). Made when the
    file is checked: a region's 10,000 checks are then some megabytes of bytes, not a second copy of its
    rows as Python lists for the rest of the run."""
    form = entry.get("form")
    meta = {k: v for k, v in entry.items() if k != "values"}
    return (json.dumps(form) if form is not None else None, _compressed(meta),
            _compressed(entry["values"]) if "values" in entry else None)


def _compressed(value: Any) -> bytes:
    return zlib.compress(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode(), 1)


def _values(blob: bytes) -> list:
    return json.loads(zlib.decompress(blob))


def entry_of(f, columns: list[str], values: list[list]) -> dict[str, Any]:
    """What is kept of a checked file (model.FileResult) and its rows of the batch frame: `columns`
    and their `values`, a list per column."""
    return {
        "verdict": f.verdict, "reason": f.reason, "detail": f.detail, "subdivision": f.subdivision,
        "sheet": f.sheet, "rows": f.rows, "column_index": f.column_index, "form": f.form,
        "reasons": [[r, text] for r, text in f.reasons.items()],
        "remarks": [[r.code, r.severity, r.sheet, r.cell, r.row, r.column, r.value, r.message, r.clause, r.key]
                    for r in f.remarks],
        "columns": columns, "values": [_packed(v) for v in values],
    }


def _packed(values: list) -> Any:
    """A column's values, shorter where it can be: one value for a column that holds nothing else (the
    sheet, the subdivision), [start, count] for numbers that go up by one (the rows)."""
    if values and all(v == values[0] for v in values) and isinstance(values[0], (str, type(None))):
        return {"all": values[0], "n": len(values)}
    if (len(values) > 2 and all(type(v) is int for v in values)
            and values[-1] - values[0] == len(values) - 1 and values == list(range(values[0], values[-1] + 1))):
        return {"from": values[0], "n": len(values)}
    return values


def _unpacked(packed: Any) -> list:
    if isinstance(packed, dict):
        if "all" in packed:
            return [packed["all"]] * packed["n"]
        return list(range(packed["from"], packed["from"] + packed["n"]))
    return packed


def restore(f, entry: dict[str, Any]) -> Callable[[], dict[str, list]]:
    """Put a kept check back on the file; returns what gives its rows, a list of values per column (the
    entry's rows opened only then, if `load` left them compressed)."""
    from consolidator.model import Remark

    f.verdict, f.reason, f.detail = entry["verdict"], entry["reason"], entry["detail"]
    f.subdivision, f.sheet, f.rows = entry["subdivision"], entry["sheet"], entry["rows"]
    f.column_index = entry["column_index"]
    f.reasons = {int(r): text for r, text in entry["reasons"]}
    f.remarks = [Remark(*values) for values in entry["remarks"]]
    return partial(stored_rows, entry["columns"], entry.get("values", []))


def stored_rows(columns: list[str], values: list | bytes) -> dict[str, list]:
    """A stored file's rows, a list of values per column (`values`: as `load` left them)."""
    if isinstance(values, bytes):
        try:
            values = _values(values)
        except (zlib.error, ValueError) as exc:
            raise StoreDamaged(str(exc)) from exc
    try:
        return {c: _unpacked(v) for c, v in zip(columns, values)}
    except (KeyError, TypeError) as exc:
        raise StoreDamaged(str(exc)) from exc
