"""What every helper process does first: end with the process that started it, keep its stderr in a
file, and hold no more memory than it is allowed.

Untrusted workbooks are read in helper processes (the pool's workers, the second process), so that a
reader that aborts (a Rust allocation failure in python-calamine), crashes or is killed for memory ends
one file, not the batch. A helper must not outlive its parent: a run killed alone (a task manager, a
closed window) or aborted would otherwise leave its helpers asleep forever. So:

- on Linux the kernel kills the helper when its parent dies (`prctl(PR_SET_PDEATHSIG)`); everywhere a
  watchdog thread checks the parent once a second (on Windows through the parent's process handle)
  and ends the helper at once when it is gone;
- the helper's stderr (file descriptor 2, where python-calamine's Rust code prints a panic's message
  and backtrace) goes to a file: what a file made the reader print is kept for the log of the results
  folder and never reaches the user's terminal (`stderr_mark`, `stderr_since`);
- it writes no core dump when it aborts (that took seconds, and would keep the file's data on disk);
- on Linux the helper's address space is limited (`RLIMIT_AS`, the size it has at start plus a
  budget): an allocation past it fails in that process (a MemoryError in Python, an abort in Rust),
  which the pool turns into that file's verdict, instead of the machine swapping or the kernel killing
  some other process.

Imports: nothing of the package.
"""
from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager
from typing import Iterator

PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 1.0
# A helper whose parent is gone exits with this code (nothing is left to report to).
ORPHAN_EXIT = 70

_stderr_path: str | None = None


def prepare(parent: int, stderr_path: str | None = None, memory_mb: float | None = None) -> None:
    """Set up this helper process (the initializer of every helper): `parent` is the starting
    process's id, `stderr_path` a file for this process's stderr, `memory_mb` the address space it
    may add to what it holds now (None: no limit)."""
    _die_with_parent(parent)
    _no_core_dumps()
    if stderr_path:
        redirect_stderr(stderr_path)
    if memory_mb:
        limit_memory(memory_mb)


def _no_core_dumps() -> None:
    """A reader that aborts on a file dumps no core: writing one of a process this size took seconds
    (and it would hold the untrusted file's data on disk)."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, OSError, ValueError):
        pass


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except Exception:  # no prctl (another libc): the watchdog below still works
            pass
    if _parent_gone(parent):  # died before the kernel was told to watch it
        os._exit(ORPHAN_EXIT)
    threading.Thread(target=_watch, args=(parent,), name="parent-watchdog", daemon=True).start()


def _parent_gone(parent: int) -> bool:
    if os.name == "nt":
        return False  # the watchdog waits on the parent's handle
    # A POSIX orphan is adopted by init (or a subreaper): its parent id changes.
    return os.getppid() != parent


def _watch(parent: int) -> None:
    sentinel = None
    if os.name == "nt":
        import multiprocessing

        proc = multiprocessing.parent_process()
        sentinel = proc.sentinel if proc is not None else None
    while True:
        if sentinel is not None:
            from multiprocessing.connection import wait

            if wait([sentinel], WATCH_SECONDS):
                os._exit(ORPHAN_EXIT)
        else:
            threading.Event().wait(WATCH_SECONDS)
            if _parent_gone(parent):
                os._exit(ORPHAN_EXIT)


def redirect_stderr(path: str) -> None:
    """This process's file descriptor 2 (Python's sys.stderr and the Rust code's output) to `path`.
    A fault handler that was on writes there too: the traceback of a helper that crashes is then
    part of what the parent reads for the log."""
    global _stderr_path
    try:
        sys.stderr.flush()
    except Exception:
        pass
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 2)
    os.close(fd)
    _stderr_path = path
    import faulthandler

    if faulthandler.is_enabled():
        faulthandler.enable(file=2)


def stderr_mark() -> int | None:
    """Where this process's captured stderr ends now (None when stderr is not captured)."""
    if _stderr_path is None:
        return None
    try:
        sys.stderr.flush()
        return os.fstat(2).st_size
    except (OSError, ValueError):
        return None


def stderr_since(mark: int | None, most: int = 4000) -> str:
    """What this process printed on stderr since `mark` (at most `most` characters: the start, where
    a panic's message is, and the end)."""
    if mark is None or _stderr_path is None:
        return ""
    try:
        sys.stderr.flush()
        if os.fstat(2).st_size <= mark:
            return ""
        with open(_stderr_path, "rb") as fh:
            fh.seek(mark)
            data = fh.read()
    except (OSError, ValueError):
        return ""
    return clip(data.decode("utf-8", "replace"), most)


def stderr_reset() -> None:
    """Empty the captured stderr (a worker does after each item: what the file holds when the worker
    dies is then what the item it died on made it print)."""
    if _stderr_path is None:
        return
    try:
        sys.stderr.flush()
        os.ftruncate(2, 0)
    except (OSError, ValueError):
        pass


def clip(text: str, most: int = 4000) -> str:
    text = text.strip()
    if len(text) <= most:
        return text
    half = most // 2
    return f"{text[:half]}\n[…]\n{text[-half:]}"


def tail(path: str, most: int = 1 << 20) -> str:
    """What a helper's stderr file holds (what it printed before it died), its last `most` bytes."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - most))
            data = fh.read()
    except OSError:
        return ""
    return data.decode("utf-8", "replace")


def _address_space() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def limit_memory(memory_mb: float) -> None:
    """Limit this process's address space to what it has now plus `memory_mb` (Linux only: elsewhere
    the limit is not enforced, or there is no such limit)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import resource

        now = _address_space()
        if now is None:
            return
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = now + int(memory_mb * 1024 * 1024)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):
        pass


@contextmanager
def memory_limited(memory_mb: float | None) -> Iterator[None]:
    """The address-space limit for a block only (the second process reads untrusted files, then
    writes the order with no such limit)."""
    if not memory_mb or not sys.platform.startswith("linux"):
        yield
        return
    import resource

    before = resource.getrlimit(resource.RLIMIT_AS)
    limit_memory(memory_mb)
    try:
        yield
    finally:
        try:
            resource.setrlimit(resource.RLIMIT_AS, before)
        except (OSError, ValueError):
            pass
