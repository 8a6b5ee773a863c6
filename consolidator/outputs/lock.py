"""One run at a time per results folder: OUT/.consolidator.lock.

The lock is the operating system's (fcntl.flock on Linux and macOS, msvcrt.locking on Windows), so it
is released when the run ends in any way, even when the process is killed: a lock file left behind is
never stale. The file also says who holds it (process id, computer, start time) for the message the
second run shows while it waits.
"""
from __future__ import annotations

import os
import socket
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

LOCK_NAME = ".consolidator.lock"
DEFAULT_TIMEOUT = 600.0  # seconds a second run waits before it gives up
# Windows locks byte ranges: the lock is taken on a byte past the holder's note, so the note stays
# readable by the run that waits.
_LOCK_OFFSET = 4096


class LockBusy(Exception):
    """The results folder stayed locked by another run; the message is in Russian."""


def _try_lock(fh) -> bool:
    if os.name == "nt":
        import msvcrt

        fh.seek(_LOCK_OFFSET)
        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(fh) -> None:
    try:
        if os.name == "nt":
            import msvcrt

            fh.seek(_LOCK_OFFSET)
            msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    except OSError:
        pass


def _holder(path: Path) -> str:
    try:
        note = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        note = []
    fields = dict(line.split("=", 1) for line in note if "=" in line)
    parts = []
    if fields.get("pid"):
        parts.append(f"процесс {fields['pid']}")
    if fields.get("host"):
        parts.append(f"компьютер {fields['host']}")
    if fields.get("started"):
        parts.append(f"начат {fields['started']}")
    return f" ({', '.join(parts)})" if parts else ""


def _duration(seconds: float) -> str:
    return f"{int(seconds // 60)} мин" if seconds >= 60 and seconds % 60 == 0 else f"{int(seconds)} с"


@contextmanager
def out_lock(out: Path, timeout: float | None = None, on_wait: Callable[[str], None] | None = None,
             poll: float = 0.2) -> Iterator[Path]:
    """Hold OUT's lock for the duration of the block. If another run holds it, call on_wait once
    with a message and wait up to `timeout` seconds (DEFAULT_TIMEOUT), then raise LockBusy."""
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK_NAME
    fh = open(path, "a+b")
    try:
        deadline = time.monotonic() + timeout
        told = False
        while not _try_lock(fh):
            holder = _holder(path)
            if time.monotonic() >= deadline:
                raise LockBusy(
                    f"Папка результатов «{out}» занята другим запуском consolidator{holder}, и он не "
                    f"завершился за {_duration(timeout)}. Дождитесь его окончания или укажите другую папку --out.")
            if not told and on_wait is not None:
                on_wait(f"Папка результатов «{out}» занята другим запуском consolidator{holder}; "
                        f"ожидаю его завершения (не дольше {_duration(timeout)})…")
                told = True
            time.sleep(poll)
        note = (f"pid={os.getpid()}\nhost={socket.gethostname()}\n"
                f"started={datetime.now().strftime('%d.%m.%Y %H:%M:%S')}\n").encode("utf-8")
        fh.seek(0)
        fh.truncate()
        fh.write(note)
        fh.flush()
        try:
            yield path
        finally:
            try:
                fh.seek(0)
                fh.truncate()
                fh.flush()
            except OSError:
                pass
            _unlock(fh)
    finally:
        fh.close()
