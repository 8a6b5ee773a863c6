"""Run a per-file function over the files on every core, with results in the files' order.

The work of one file (read it; write its returned copy) does not depend on any other file, so a
process pool gives the same result as a serial loop. A pool costs its start-up, so a small batch
runs in this process. The shared, read-only context (profile, limits…) goes to each worker once,
through the initializer, not with every file.
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many files a pool costs more than it saves.
MIN_PARALLEL = 40

_context: object = None


def context() -> object:
    """The shared context in this process (set by the initializer)."""
    return _context


def _init(ctx: object) -> None:
    global _context
    _context = ctx


def default_jobs() -> int:
    return max(1, os.cpu_count() or 1)


def run_map(fn: Callable[[T], R], items: list[T], ctx: object, jobs: int | None = None,
            min_parallel: int = MIN_PARALLEL) -> Iterator[R]:
    """fn(item) for every item, in order; `fn` reads the shared context with `context()`."""
    return Started(fn, items, ctx, jobs, min_parallel).results()


class Started:
    """fn over the items, already running in the pool while this process does other work; a small
    batch (or jobs=1) runs in this process when its results are asked for. `min_parallel`: the fewest
    items worth a pool (fewer when each item is large: a survey's export of 10 000 answers)."""

    def __init__(self, fn: Callable[[T], R], items: list[T], ctx: object, jobs: int | None = None,
                 min_parallel: int = MIN_PARALLEL):
        jobs = default_jobs() if jobs is None else jobs
        self.fn, self.items, self.ctx = fn, items, ctx
        self.pool = self.pending = None
        if jobs > 1 and len(items) >= max(2, min_parallel):
            chunk = max(1, min(32, len(items) // (jobs * 4)))
            self.pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init, initargs=(ctx,))
            try:
                # map() hands every chunk to the workers now; the results are read later, in order.
                self.pending = self.pool.map(fn, items, chunksize=chunk)
            except BaseException:
                self.pool.shutdown(cancel_futures=True)
                raise

    def results(self) -> Iterator[R]:
        if self.pool is None:
            _init(self.ctx)
            yield from map(self.fn, self.items)
            return
        done = 0
        try:
            for result in self.pending:
                yield result
                done += 1
        except BrokenProcessPool:
            # A worker died (a file that makes a reader abort the process): finish in this process,
            # as a serial run would, so the files already done are not lost.
            self.pool.shutdown(wait=True, cancel_futures=True)
            _init(self.ctx)
            yield from map(self.fn, self.items[done:])
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def cancel(self) -> None:
        """Stop the pool without waiting for results (the run failed elsewhere)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
