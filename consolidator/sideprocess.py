"""The order DOCX written in a second process that is started before the run's heavy imports.

A small run spends most of its time importing pandas, pandera and holidays. Started first, this
process imports python-docx and babel on the machine's other core meanwhile, then writes the order
while the main process writes the consolidated list, the protocol and report.json. The result is
the same file the main process would write (it runs the same `order.write_order`); if the process
cannot do it, the main process writes the order itself.
"""
from __future__ import annotations

from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path


def _warm_up() -> None:
    import consolidator.order  # noqa: F401 - python-docx, babel and pandas, imported ahead of need


def _write_order(batch, rows, path: Path) -> None:
    from consolidator.order import write_order

    write_order(batch, rows, path)


class OrderProcess:
    """One worker process, started now; `write` hands it the order to write."""

    def __init__(self):
        self._pool = ProcessPoolExecutor(max_workers=1, initializer=_warm_up)
        # A first task makes the pool start its worker at once, not at the first real task.
        self._pool.submit(int)

    def write(self, batch, rows, path: Path) -> Future:
        return self._pool.submit(_write_order, batch, rows, path)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> OrderProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
