"""A second process started before the main one's heavy imports, to which work is handed by name.

A task is named "module:function" and runs in the process as `function(*args)`; the module, and any
modules named in `preload`, are imported with the garbage collector off (speed.imports). A task that
fails, or a process that died (killed, out of memory), gives a failed future: the caller then does
that work itself, so the results never depend on whether the process helped.

The process is a helper (speed.child): it ends with the process that started it, and its stderr goes
to a file (a task that reads untrusted files keeps what they made the reader print).
"""
from __future__ import annotations

import importlib
import os
import tempfile
from concurrent.futures import Future, ProcessPoolExecutor

from consolidator.speed import child
from consolidator.speed.imports import heavy_imports


def _call(target: str | None, args: tuple, preload: tuple[str, ...]):
    with heavy_imports():
        for name in preload:
            importlib.import_module(name)
        fn = None
        if target is not None:
            module, _, name = target.partition(":")
            fn = getattr(importlib.import_module(module), name)
    return fn(*args) if fn is not None else None


class EarlyProcess:
    """One worker process, started by the first task submitted."""

    def __init__(self):
        fd, self._stderr = tempfile.mkstemp(prefix="consolidator-side-", suffix=".log")
        os.close(fd)
        self._pool = ProcessPoolExecutor(max_workers=1, initializer=child.prepare,
                                         initargs=(os.getpid(), self._stderr))

    def submit(self, target: str | None, *args, preload: tuple[str, ...] = ()) -> Future:
        """`target(*args)` in the process ("module:function"; None: only the imports of `preload`)."""
        try:
            return self._pool.submit(_call, target, args, tuple(preload))
        except Exception as exc:  # BrokenProcessPool: the process died
            failed: Future = Future()
            failed.set_exception(exc)
            return failed

    @staticmethod
    def result(future: Future | None, timeout: float | None = None):
        """The task's result, or None when it failed or the process died."""
        if future is None:
            return None
        try:
            return future.result(timeout)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # the process died, or the task failed: the caller does the work itself
            return None

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        try:
            os.unlink(self._stderr)
        except OSError:
            pass

    def __enter__(self) -> EarlyProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
