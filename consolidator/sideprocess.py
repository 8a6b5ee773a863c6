"""A second process, started before the run's heavy imports, for work that needs other heavy ones.

A small run spends most of its time importing pandas, pandera and holidays. Started first, this
process works out the working days of the production calendar (importing `holidays`) and imports
python-docx and babel on the machine's other core meanwhile; later it writes the order while the
main process writes the consolidated list, the protocol and report.json. The results are the same
the main process would get (the same `workdays` and `order.write_order` code); if the process fails,
the main process does the work itself.
"""
from __future__ import annotations

from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from consolidator.importing import heavy_imports


def _warm_up() -> None:
    with heavy_imports():
        import consolidator.order  # noqa: F401 - python-docx and babel (not pandas), imported ahead of need


def _working_days(years: list[int]):
    with heavy_imports():
        import holidays  # noqa: F401
        from consolidator.workdays import year_working_days

    return year_working_days(years)


def _write_order(batch, rows, path: Path) -> None:
    from consolidator.order import write_order

    write_order(batch, rows, path)


class SideProcess:
    """The second process, started now with the working days of `years` as its first task;
    `write` hands it the order to write."""

    def __init__(self, years: list[int] = ()):
        self._pool = ProcessPoolExecutor(max_workers=1)
        # The first task starts the worker at once; the imports for the order follow it.
        self.working_days: Future = self._pool.submit(_working_days, list(years))
        self._pool.submit(_warm_up)

    def write(self, batch, rows, path: Path) -> Future:
        return self._pool.submit(_write_order, batch, rows, path)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> SideProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
