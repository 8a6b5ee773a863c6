"""Run a per-file function over the files in helper processes, with results in the files' order.

The work of one file (read it; write its returned copy) does not depend on any other file, so
helper processes give the same result as a serial loop. They are also where untrusted bytes are
read: a reader that aborts, crashes or is killed for memory ends its process, and the pool turns
that into this one file's result (`on_death`) and goes on with the others in a new process. Each
worker takes a few files at a time and answers them together; the file it is reading is marked in
memory shared with this process, so the file a dead worker was reading is known exactly, and the
others it held are handed to the next worker.

A small batch (fewer than MIN_PARALLEL files) or `jobs=1` is done by one worker; a larger one by
`jobs` workers. Workers are started by the caller's thread (a fork from another thread could copy
a lock another thread holds); a thread of this process hands them files and collects their answers
while the caller does other work. The shared, read-only context (profile, limits…) goes to each
worker once per map. The workers of a run (`Workers`) serve its maps one after the other: the files
read are copied by the same processes. `here=True` runs the function in this process, for a caller
that is a helper process itself.

Every worker is a `child` (speed.child): it ends with this process, its stderr goes to a file (what
a file made it print is the item's note, for the log), and its address space may be limited.
"""
from __future__ import annotations

import importlib
import multiprocessing
import os
import signal
import tempfile
import threading
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import wait
from multiprocessing.reduction import ForkingPickler
from typing import Callable, Iterator, TypeVar

from consolidator.speed import child

T = TypeVar("T")
R = TypeVar("R")

# Below this many files one worker does them all.
MIN_PARALLEL = 40
# A worker is sent its next chunk before it has answered the last one only when it is smaller.
_PREFETCH_BYTES = 32 * 1024
# A worker that cannot send an item's answer exits with this code: the item is then as if it died.
ANSWER_LOST = 75
# Workers that die before taking any file (no process can be started here): the rest is done in
# this process, as it was before the pool isolated the readers.
_START_FAILURES = 3

_context: object = None


def context() -> object:
    """The shared context in this process (set when a worker starts)."""
    return _context


def _init(ctx: object) -> None:
    global _context
    _context = ctx


def default_jobs() -> int:
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Death:
    """How a worker ended while it worked on an item: its exit code (negative: the signal), what it
    printed on stderr for that item (a Rust panic's message, «memory allocation of … failed»; clipped)
    and whether it ran out of memory (killed, as the kernel's OOM killer does, or an allocation
    failed)."""

    exitcode: int | None
    stderr: str = ""
    out_of_memory: bool = False

    @classmethod
    def of(cls, exitcode: int | None, stderr: str) -> Death:
        text = stderr.lower()
        memory = (exitcode == -getattr(signal, "SIGKILL", 9) or "memory allocation" in text
                  or "memoryerror" in text or "out of memory" in text or "cannot allocate memory" in text)
        return cls(exitcode, child.clip(stderr), memory)

    def describe(self) -> str:
        """For the log, in English: how the process ended and what it said."""
        code = self.exitcode
        if code is not None and code < 0:
            try:
                how = f"killed by signal {signal.Signals(-code).name}"
            except ValueError:
                how = f"killed by signal {-code}"
        else:
            how = f"exited with code {code}"
        return f"the reading process {how}" + (f"; its stderr:\n{self.stderr}" if self.stderr else "")


class WorkerDied(RuntimeError):
    """A worker died on an item and the caller gave no `on_death`."""


def run_map(fn: Callable[[T], R], items: list[T], ctx: object, jobs: int | None = None,
            on_death: Callable[[T, Death], R] | None = None, here: bool = False,
            memory_mb: float | None = None, workers: Workers | None = None,
            min_parallel: int = MIN_PARALLEL) -> Iterator[R]:
    """fn(item) for every item, in order; `fn` reads the shared context with `context()`."""
    return Started(fn, items, ctx, jobs, on_death, here, memory_mb, workers, min_parallel).results()


class _Worker:
    def __init__(self, proc, conn, stderr_path: str, marker):
        self.proc, self.conn, self.stderr_path, self.marker = proc, conn, stderr_path, marker
        self.begin()

    def begin(self) -> None:
        """A fresh start for the next map that borrows the worker."""
        self.inflight: deque = deque()  # (index, item) sent and not yet answered, in order
        self.chunk_ends: deque = deque()  # the last index of each chunk sent and not yet answered
        self.large_next = False  # its next chunk waits until it is idle (see Started._feed)
        self.answered = 0
        self.retired = False  # told to end: the map was its last, and it has nothing more to do


class Workers:
    """Helper processes kept for a run: each map (Started) borrows them and gives them back, so that
    reading the files and writing their copies take the same processes (no start-up again; a spawn
    on Windows costs a fresh interpreter; and the files inspected for reading are still in the
    worker's cache when their copies are made). `close()` ends them."""

    def __init__(self, memory_mb: float | None = None):
        self.memory_mb = memory_mb
        self._mp = multiprocessing.get_context()
        self._idle: list[_Worker] = []

    def take(self, fn, ctx) -> _Worker | None:
        """An idle worker, or a new one, set to run `fn` with `ctx`; None when no process can be started."""
        while self._idle:
            w = self._idle.pop()
            if w.proc.is_alive() and self._setup(w, fn, ctx):
                w.begin()
                return w
            _stop(w)
        fd, stderr_path = tempfile.mkstemp(prefix="consolidator-worker-", suffix=".log")
        os.close(fd)
        here, there = self._mp.Pipe()
        marker = self._mp.RawValue("q", -1)
        proc = self._mp.Process(target=_serve, daemon=True, name="consolidator-worker",
                                args=(there, marker, os.getpid(), stderr_path, self.memory_mb))
        try:
            proc.start()
        except OSError:  # no more processes here
            here.close()
            _remove(stderr_path)
            return None
        finally:
            there.close()
        w = _Worker(proc, here, stderr_path, marker)
        if not self._setup(w, fn, ctx):
            _stop(w)
            return None
        return w

    @staticmethod
    def _setup(w: _Worker, fn, ctx) -> bool:
        try:
            w.conn.send(("setup", fn, ctx))
            return True
        except (OSError, ValueError):
            return False

    def give_back(self, w: _Worker) -> None:
        if w.proc.is_alive() and not w.inflight and not w.conn.closed and not w.retired:
            self._idle.append(w)
        else:
            _stop(w)

    def preload(self, modules: tuple[str, ...]) -> None:
        """Have the idle workers (one started if there is none) import these modules now, while this
        process does other work: the next map that borrows them finds them imported."""
        if not self._idle:
            w = self.take(None, None)
            if w is None:
                return
            self._idle.append(w)
        for w in self._idle:
            try:
                w.conn.send(("preload", modules))
            except (OSError, ValueError):
                pass

    def stop(self) -> None:
        """Tell the idle workers to end, without waiting for them (close() waits): the caller can
        end its other helpers meanwhile."""
        for w in self._idle:
            if not w.conn.closed:
                try:
                    w.conn.send(None)
                except (OSError, ValueError):
                    pass
                w.conn.close()

    def close(self) -> None:
        self.stop()
        for w in self._idle:
            _stop(w)
        self._idle.clear()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _serve(conn, marker, parent: int, stderr_path: str, memory_mb: float | None) -> None:
    """A worker: ("setup", fn, ctx) sets what it runs; then items in chunks from `conn`, answered a
    chunk at a time (index, ok, result or exception, what it printed on stderr) — the index of the
    item it is working on is in `marker`, shared with the parent, so that the item it dies on is
    known; None ends it, at once: it has nothing to clean up, and the clean-up it inherited from its
    parent (finalizers, atexit) is not its own."""
    child.prepare(parent, stderr_path, memory_mb)
    fn = None
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            os._exit(0)
        if message is None:
            os._exit(0)
        if isinstance(message, tuple):
            if message[0] == "preload":
                _preload(message[1])
            else:
                _, fn, ctx = message
                _init(ctx)
            continue
        answers = []
        for i, item in message:
            marker.value = i
            mark = child.stderr_mark()
            try:
                answer = (i, True, fn(item))
            except BaseException as exc:  # raised again by the caller, as a serial loop would
                answer = (i, False, exc)
            answers.append((*answer, child.stderr_since(mark)))
            child.stderr_reset()
        try:
            conn.send(answers)
        except Exception:  # an answer that cannot be pickled (or no memory left to do it): one by one
            for i, ok, value, note in answers:
                marker.value = i
                try:
                    conn.send([(i, ok, value, note)])
                except Exception:
                    if ok:
                        os._exit(ANSWER_LOST)  # this item's result is lost: the pool gives it its on_death
                    try:
                        conn.send([(i, False, RuntimeError(f"{type(value).__name__}: {value}"), note)])
                    except Exception:
                        os._exit(ANSWER_LOST)


def _preload(modules: tuple[str, ...]) -> None:
    from consolidator.speed.imports import heavy_imports

    with heavy_imports():
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # imported again, and failing then, when it is used
                pass


class Started:
    """fn over the items, already running in helper processes while this process does other work;
    `results()` gives them in order. `on_death(item, death)` makes the result of an item whose
    worker died on it (None: WorkerDied is raised). `notes[i]` is what item i made its worker print
    on stderr. `last`: no map borrows the run's workers after this one, so each ends as soon as it has
    nothing more to do in it, and the idle ones at once: their memory is not kept to the end of the
    run, the peak (the returned copies end while the list and the order are still being written)."""

    def __init__(self, fn: Callable[[T], R], items: list[T], ctx: object, jobs: int | None = None,
                 on_death: Callable[[T, Death], R] | None = None, here: bool = False,
                 memory_mb: float | None = None, workers: Workers | None = None,
                 min_parallel: int = MIN_PARALLEL, last: bool = False):
        self.fn, self.items, self.ctx, self.on_death, self._last = fn, list(items), ctx, on_death, last
        # The run's helper processes, borrowed (or its own, ended with it; `memory_mb` is theirs).
        self._own = workers is None
        self._pool = workers if workers is not None else Workers(memory_mb)
        self.notes: dict[int, str] = {}
        self._done: dict[int, tuple] = {}  # answered and not yet given out: i -> (kind, value)
        self._finished = 0  # items answered or died on
        self._pending: deque = deque(enumerate(self.items))
        self._workers: list[_Worker] = []
        self._lock = threading.Condition()
        self._wanted = 0  # workers to start (after a death), by the caller's thread
        self._failures = 0  # workers in a row that died before answering anything
        self._cancelled = False
        self._thread: threading.Thread | None = None
        self.here = here or not self.items
        if self.here:
            if last and not self._own:
                self._pool.stop()
            return
        jobs = default_jobs() if jobs is None else max(1, jobs)
        # `min_parallel`: the fewest items worth more than one worker (fewer when each item is large:
        # a survey's export of 10 000 answers).
        n = 1 if len(self.items) < max(2, min_parallel) else min(jobs, len(self.items))
        self._chunk = max(1, min(32, len(self.items) // (n * 4)))
        self._wake_r, self._wake_w = multiprocessing.get_context().Pipe(duplex=False)
        try:
            for _ in range(n):
                self._start_worker()
        except BaseException:
            self.cancel()
            raise
        if last and not self._own:
            self._pool.stop()  # the idle ones this map did not take
        self._thread = threading.Thread(target=self._schedule, name="pool-scheduler", daemon=True)
        self._thread.start()

    # --- the caller's side ---

    def results(self) -> Iterator[R]:
        if self.here:
            _init(self.ctx)
            yield from (self._run_here(i) for i in range(len(self.items)))
            return
        try:
            for i in range(len(self.items)):
                with self._lock:
                    while i not in self._done and not self._gave_up():
                        if self._wanted:
                            self._start_wanted()
                        else:
                            self._lock.wait(0.5)
                    entry = self._done.pop(i, None)
                if entry is None:  # no helper process can be started here: this process does the rest
                    _init(self.ctx)
                    entry = ("ok", self._run_here(i))
                kind, value = entry
                if kind == "ok":
                    yield value
                elif kind == "error":
                    raise value
                elif self.on_death is None:
                    raise WorkerDied(value.describe())
                else:
                    yield self.on_death(self.items[i], value)
        finally:
            self.cancel()

    def _gave_up(self) -> bool:
        return self._failures >= _START_FAILURES and not any(w.proc.is_alive() for w in self._workers)

    def _run_here(self, i: int) -> R:
        mark = child.stderr_mark()
        try:
            return self.fn(self.items[i])
        finally:
            note = child.stderr_since(mark)
            if note:
                self.notes[i] = note

    def _start_wanted(self) -> None:
        """Called with the lock held, by the caller's thread."""
        while self._wanted and self._failures < _START_FAILURES:
            self._wanted -= 1
            self._start_worker()
        self._wanted = 0
        self._wake()

    def _start_worker(self) -> None:
        w = self._pool.take(self.fn, self.ctx)
        if w is None:
            self._failures = _START_FAILURES
        else:
            self._workers.append(w)

    def _wake(self) -> None:
        try:
            self._wake_w.send_bytes(b".")
        except (OSError, ValueError):
            pass

    def cancel(self) -> None:
        """Stop every worker (at once if it is still working: the run failed elsewhere)."""
        with self._lock:
            if self._cancelled:
                return
            self._cancelled = True
            if self.here:
                return
            self._wake()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        for w in self._workers:
            if self._own:
                _stop(w)
            else:
                self._pool.give_back(w)  # a worker still at work is stopped
        self._workers.clear()
        if self._own:
            self._pool.close()
        for conn in (self._wake_r, self._wake_w):
            conn.close()

    # --- the scheduler thread: hands out chunks, collects answers, notices deaths ---

    def _schedule(self) -> None:
        try:
            while True:
                with self._lock:
                    if self._cancelled:
                        return
                    done = self._finished == len(self.items)
                    for w in self._workers:
                        if not done and w.proc.is_alive() and not w.retired and self._may_feed(w):
                            self._feed(w)
                        if self._last and not self._pending and not w.inflight:
                            self._retire(w)
                    if done:
                        return
                    workers = list(self._workers)
                    if self._pending and not any(w.proc.is_alive() and not w.retired for w in workers):
                        if self._failures >= _START_FAILURES:
                            return  # results() does the rest in this process
                        self._wanted = max(self._wanted, 1)
                        self._lock.notify_all()
                conns = {w.conn: w for w in workers if not w.conn.closed}
                sentinels = {w.proc.sentinel: w for w in workers}
                for r in wait([self._wake_r, *conns, *sentinels], timeout=1.0):
                    if r is self._wake_r:
                        _drain(self._wake_r)
                    elif r in conns:
                        self._receive(conns[r])
                    elif r in sentinels:
                        self._ended(sentinels[r])
        except Exception as exc:  # a fault here must not hang the caller: it is raised there
            with self._lock:
                for i in range(len(self.items)):
                    if i not in self._done:
                        self._done[i] = ("error", exc)
        finally:
            with self._lock:
                self._lock.notify_all()

    @staticmethod
    def _retire(w: _Worker) -> None:
        """Tell a worker of the last map to end, once (its sentinel then takes it out of the map)."""
        if w.retired:
            return
        w.retired = True
        try:
            w.conn.send(None)
        except (OSError, ValueError):
            pass

    def _may_feed(self, w: _Worker) -> bool:
        """A worker gets its next chunk while it works on the one before (so that it does not wait
        for this thread to be scheduled between chunks), one chunk ahead at most."""
        if not w.inflight:
            w.large_next = False
            return True
        return bool(self._pending) and len(w.chunk_ends) < 2 and not w.large_next

    def _feed(self, w: _Worker) -> None:
        if not self._pending:
            return  # nothing left for it in this map: it waits, for the next map or its end
        chunk = [self._pending.popleft() for _ in range(min(self._chunk, len(self._pending)))]
        try:
            data = ForkingPickler.dumps(chunk)
            if w.inflight and len(data) > _PREFETCH_BYTES:
                # A worker busy with its chunk reads nothing: a large message would block this thread,
                # which must go on reading the worker's answers. It is sent when the worker is idle.
                self._pending.extendleft(reversed(chunk))
                w.large_next = True
                return
            w.inflight.extend(chunk)
            w.chunk_ends.append(chunk[-1][0])
            w.conn.send_bytes(data)
        except (OSError, ValueError):
            pass  # the worker died: its sentinel says so

    def _receive(self, w: _Worker) -> None:
        try:
            answers = w.conn.recv()
        except (EOFError, OSError):
            w.conn.close()
            return
        except Exception as exc:  # answers that cannot be unpickled here: the chunk's results are lost
            if not w.inflight:
                return
            lost = Death(None, f"its answers could not be read: {exc!r}")
            end = w.chunk_ends[0] if w.chunk_ends else w.inflight[-1][0]
            answers = []
            for i, _ in list(w.inflight):
                answers.append((i, None, lost, ""))
                if i == end:
                    break
        with self._lock:
            for i, ok, value, note in answers:
                if w.inflight and w.inflight[0][0] == i:
                    w.inflight.popleft()
                if w.chunk_ends and w.chunk_ends[0] == i:
                    w.chunk_ends.popleft()
                w.answered += 1
                if note:
                    self.notes[i] = note
                self._done[i] = ("ok", value) if ok else ("death", value) if ok is None else ("error", value)
                self._finished += 1
            self._failures = 0
            self._lock.notify_all()

    def _ended(self, w: _Worker) -> None:
        """A worker's process ended: first the answers it sent; then the item it was working on (the
        marker says which) is the one it died on; the others it had are done again by another."""
        while not w.conn.closed and w.conn.poll():
            self._receive(w)
        w.proc.join()
        with self._lock:
            self._workers.remove(w)
            if w.inflight:
                held = list(w.inflight)
                indices = [i for i, _ in held]
                culprit = w.marker.value if w.marker.value in indices else indices[0]
                self._done[culprit] = ("death", Death.of(w.proc.exitcode, child.tail(w.stderr_path)))
                self._finished += 1
                self._pending.extendleft(reversed([entry for entry in held if entry[0] != culprit]))
                w.inflight.clear()
                w.chunk_ends.clear()
            elif w.answered == 0 and not w.retired:  # died before doing anything: a process that cannot work here
                self._failures += 1
            self._lock.notify_all()
        _close(w)


def _drain(conn) -> None:
    try:
        while conn.poll():
            conn.recv_bytes()
    except (EOFError, OSError):
        pass


def _stop(w: _Worker) -> None:
    """End a worker: told to when it is idle, killed when it is still working on something."""
    if w.proc.is_alive() and not w.inflight:
        try:
            if not w.conn.closed:
                w.conn.send(None)
        except (OSError, ValueError):
            pass
        w.proc.join(5)
    if w.proc.is_alive():
        w.proc.kill()
    w.proc.join()
    _close(w)


def _close(w: _Worker) -> None:
    if not w.conn.closed:
        w.conn.close()
    _remove(w.stderr_path)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
