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
the remarks, the reasons given for changes, and its rows as the consolidated list takes them, as
compressed JSON (nothing read from it is ever evaluated). Only the current run's files are kept.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

FILE_NAME = "кэш проверки.sqlite"
_SCHEMA = 1
# The modules whose text decides a verdict (relative to the package).
_CHECKING_CODE = ("__init__.py", "checks", "inbox", "profile", "model.py", "run.py")


@lru_cache(maxsize=1)
def code_digest() -> str:
    """The text of the modules that read and check (consolidator's version among them)."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for part in _CHECKING_CODE:
        path = root / part
        for source in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            h.update(source.relative_to(root).as_posix().encode())
            h.update(source.read_bytes())
    return h.hexdigest()


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


class CheckedStore:
    """The stored checks of one results folder. Any trouble with the file (damaged, locked, written by
    another version) makes it an empty store: the run checks everything, as without it."""

    def __init__(self, out: Path):
        self.path = out / FILE_NAME

    def load(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        keys = list(dict.fromkeys(keys))
        if not keys or not self.path.exists():
            return {}
        found: dict[str, dict[str, Any]] = {}
        try:
            with sqlite3.connect(self.path) as db:
                if db.execute("PRAGMA user_version").fetchone()[0] != _SCHEMA:
                    return {}
                for start in range(0, len(keys), 500):
                    chunk = keys[start:start + 500]
                    marks = ",".join("?" * len(chunk))
                    for key, blob in db.execute(f"SELECT key, result FROM checked WHERE key IN ({marks})", chunk):
                        found[key] = json.loads(zlib.decompress(blob))
        except (sqlite3.Error, zlib.error, ValueError):
            return {}
        return found

    def save(self, entries: dict[str, dict[str, Any]]) -> None:
        """Keep `entries` (key -> result) and nothing else: written to a new file swapped in whole."""
        tmp = self.path.with_name(self.path.name + ".new")
        tmp.unlink(missing_ok=True)
        try:
            db = sqlite3.connect(tmp)
            try:
                db.execute(f"PRAGMA user_version = {_SCHEMA}")
                db.execute("PRAGMA journal_mode = OFF")
                db.execute("CREATE TABLE checked (key TEXT PRIMARY KEY, result BLOB NOT NULL)")
                db.executemany("INSERT INTO checked VALUES (?, ?)", (
                    (key, zlib.compress(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode(), 1))
                    for key, value in entries.items()))
                db.commit()
            finally:
                db.close()
            tmp.replace(self.path)
        except (sqlite3.Error, OSError):
            # A store that cannot be written costs the next run its speed, nothing else.
            tmp.unlink(missing_ok=True)
