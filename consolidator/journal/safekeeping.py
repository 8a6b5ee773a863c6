"""Keeping the journal safe: a dated backup before every change, and a warning when it lies on a
network drive.

The journal holds the year's history (versions, first check dates, deadlines); losing it loses what
no folder of files can rebuild. SQLite's own documentation warns that its file locking is unreliable
on network file systems (https://www.sqlite.org/useovernet.html): two people writing one journal on a
shared disk can corrupt it. So the run says so when the journal lies on one, and before each run that
changes the journal a consistent copy is made with SQLite's online backup (a plain file copy taken while
another process writes may be torn), dated, the last KEEP of them kept beside the journal.
"""
from __future__ import annotations

import json
import os
import sqlite3
import sys
import tempfile
from datetime import datetime
from pathlib import Path

KEEP = 5  # backups kept; the oldest goes when a new one is made
BACKUP_DIR = "{stem} — резервные копии"  # beside the journal
_STAMP = "%Y-%m-%d %H-%M-%S"

# Linux file system types that live on another machine.
NETWORK_FS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph", "glusterfs", "lustre",
              "gpfs", "davfs", "fuse.sshfs", "fuse.glusterfs", "fuse.davfs2", "fuse.rclone", "fuse.s3fs"}
_DRIVE_REMOTE = 4  # GetDriveTypeW


class JournalDamaged(Exception):
    """The journal cannot be read as an SQLite database; the message (Russian) says how to restore it."""


def backups_dir(journal: Path) -> Path:
    return journal.parent / BACKUP_DIR.format(stem=journal.stem)


def backups(journal: Path) -> list[Path]:
    """The journal's backups, oldest first (their names sort by date)."""
    folder = backups_dir(journal)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(f"{journal.stem} *{journal.suffix}") if p.is_file())


def back_up(journal: Path, when: datetime | None = None, keep: int = KEEP) -> Path | None:
    """A consistent copy of the journal, dated `when` (now), unless it is the same as the newest copy;
    the oldest beyond `keep` are removed. Returns the newest copy, or None when there is no journal yet.
    Raises JournalDamaged when the journal is not a readable database (its copies are left alone)."""
    if not journal.exists():
        return None
    when = when or datetime.now()
    folder = backups_dir(journal)
    newest = _unchanged_since_backup(journal)
    if newest is not None:
        return newest  # not changed since its newest copy was made (a run that found nothing new)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{journal.stem} {when.strftime(_STAMP)}{journal.suffix}"
    # A name of its own: two runs sharing a journal may back it up at the same second.
    fd, name = tempfile.mkstemp(prefix=".~tmp-", suffix=journal.suffix, dir=folder)
    os.close(fd)
    tmp = Path(name)
    try:
        src = sqlite3.connect(journal.resolve().as_uri() + "?mode=ro", uri=True, timeout=30)
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)
                # The backup copies pages as they are: a damaged page would be kept as a good copy.
                ok = dst.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            finally:
                dst.close()
        finally:
            src.close()
        if not ok:
            raise sqlite3.DatabaseError("quick_check")
    except sqlite3.DatabaseError as exc:
        tmp.unlink(missing_ok=True)
        raise JournalDamaged(damaged_message(journal)) from exc
    earlier = backups(journal)
    # Known to have changed since its newest copy (a run recorded in it): not compared page by page.
    changed = _state_file(journal).exists()
    if earlier and not changed and _same_pages(earlier[-1], tmp):
        tmp.unlink()  # nothing changed since: the older copies stay
        _remember(journal, earlier[-1])
        return earlier[-1]
    os.replace(tmp, target)
    for old in backups(journal)[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    _remember(journal, target)
    return target


def _state_file(journal: Path) -> Path:
    return backups_dir(journal) / f".{journal.stem}.json"


def _remember(journal: Path, copy: Path) -> None:
    """The journal's size and time of change when `copy` was made of it (a later run that finds them
    the same makes no copy)."""
    try:
        st = journal.stat()
        _state_file(journal).write_text(json.dumps({"size": st.st_size, "mtime_ns": st.st_mtime_ns,
                                                    "copy": copy.name}), encoding="utf-8")
    except OSError:
        pass


def _unchanged_since_backup(journal: Path) -> Path | None:
    try:
        state = json.loads(_state_file(journal).read_text(encoding="utf-8"))
        st = journal.stat()
        copy = backups_dir(journal) / state["copy"]
        if (state["size"], state["mtime_ns"]) == (st.st_size, st.st_mtime_ns) and copy.is_file():
            return copy
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def _same_pages(a: Path, b: Path) -> bool:
    """Two backups with the same pages. The header's change counters (bytes 24–27 and 92–99) differ
    between two copies of one database and are not compared."""
    x, y = a.read_bytes(), b.read_bytes()
    if len(x) != len(y):
        return False
    return x[:24] == y[:24] and x[28:92] == y[28:92] and x[100:] == y[100:]


def restore_hint(journal: Path) -> str:
    """How to restore the journal from its newest backup, in Russian."""
    copies = backups(journal)
    folder = backups_dir(journal)
    if not copies:
        return f"Резервных копий журнала пока нет (они появятся в папке «{folder}» при следующем запуске run)."
    return (f"Резервные копии журнала — в папке «{folder}» (последняя — «{copies[-1].name}»). Если журнал "
            f"поврежден, замените файл «{journal}» последней исправной копией, переименовав ее в «{journal.name}».")


def damaged_message(journal: Path) -> str:
    return f"Журнал «{journal}» не читается как база данных SQLite: вероятно, он поврежден. " + restore_hint(journal)


# --- network drives ------------------------------------------------------------------------------

def network_drive(path: Path, platform: str = sys.platform, mounts: Path = Path("/proc/mounts")) -> str | None:
    """Why `path` lies on a network drive (a Russian phrase), or None when it is local or unknown."""
    if platform.startswith("win"):
        return windows_network_drive(str(path))
    if platform.startswith("linux"):
        return linux_network_mount(path, mounts)
    return None


def windows_network_drive(path: str, drive_type=None) -> str | None:
    """A UNC path (\\\\сервер\\папка) or a drive letter mapped to a network share."""
    import ntpath

    full = ntpath.abspath(path) if sys.platform.startswith("win") else path
    if full.startswith(("\\\\", "//")):
        return f"сетевой путь {ntpath.normpath(full)}"
    drive = ntpath.splitdrive(full)[0]
    if not drive:
        return None
    kind = (drive_type or _drive_type)(drive + "\\")
    return f"сетевой диск {drive}" if kind == _DRIVE_REMOTE else None


def _drive_type(root: str) -> int:
    try:
        import ctypes

        return ctypes.windll.kernel32.GetDriveTypeW(root)
    except Exception:
        return 0


def linux_network_mount(path: Path, mounts: Path = Path("/proc/mounts")) -> str | None:
    """The mount (from /proc/mounts) holding `path`, when its file system is a network one."""
    try:
        table = mounts.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    where = Path(os.path.realpath(path))
    best: tuple[int, str, str] | None = None
    for line in table.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = _unescape(fields[1])
        if where == Path(point) or Path(point) in where.parents:
            if best is None or len(point) > best[0]:
                best = (len(point), point, fields[2])
    if best is None:
        return None
    _, point, fstype = best
    if fstype in NETWORK_FS or fstype.startswith(("nfs", "fuse.sshfs", "smb")):
        return f"сетевая файловая система {fstype}, смонтированная в {point}"
    return None


def _unescape(field: str) -> str:
    """/proc/mounts writes a space in a path as \\040 (and tab, newline, backslash likewise)."""
    for code, ch in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, ch)
    return field


def network_warning(journal: Path, **kw) -> str | None:
    """The warning the run prints when the journal lies on a network drive, or None."""
    why = network_drive(journal, **kw)
    if why is None:
        return None
    return (f"Внимание: журнал «{journal}» находится на сетевом диске ({why}). SQLite не может надежно "
            f"блокировать файл на сетевом диске: если с журналом работают с двух компьютеров, он может быть "
            f"поврежден. Держите журнал на локальном диске одного компьютера (параметр --journal) и "
            f"работайте с ним по очереди. Перед каждым запуском программа сохраняет резервную копию журнала "
            f"в папке «{backups_dir(journal)}».")
