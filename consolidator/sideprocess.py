"""A second process, started before the run's heavy imports, for work that needs other imports.

A small run spends most of its time importing pandas and pandera. Started first, this process does
on the machine's other core meanwhile what needs neither: it works out the working days of the
production calendar (importing `holidays`), reads a small inbox (each workbook in the form it fits
best, `inbox.survey`: the main process then only checks), and imports python-docx and babel; later it
writes the order while the main process writes the consolidated list, the protocol and report.json.
The results are the ones the main process would get (the same code); if the process fails at any of
it, the main process does that part itself.
"""
from __future__ import annotations

from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from consolidator.importing import heavy_imports
from consolidator.parallel import MIN_PARALLEL


def _warm_up() -> None:
    with heavy_imports():
        import consolidator.order  # noqa: F401 - python-docx and babel (not pandas), imported ahead of need


def _working_days(years: list[int]):
    with heavy_imports():
        import holidays  # noqa: F401
        from consolidator.workdays import year_working_days

    return year_working_days(years)


def _survey(inbox: Path, profile: str | None, limits, most: int):
    """The inbox surveyed in the known forms (the given profile's first, under its key), or None when
    it holds `most` workbooks or more: a large inbox is read by the main process's pool, on every core."""
    with heavy_imports():
        from consolidator.inbox import discover, skip_reason, survey
        from consolidator.profile import available_profiles, load_profile
    if sum(1 for f in discover(inbox) if skip_reason(f, inbox) is None) >= most:
        return None
    profiles = [load_profile(profile)] if profile is not None else []
    profiles += [load_profile(n) for n in available_profiles() if n not in {p.key for p in profiles}]
    return survey(inbox, profiles, limits=limits, jobs=1)


def _write_order(batch, rows, path: Path) -> None:
    from consolidator.order import write_order

    write_order(batch, rows, path)


class SideProcess:
    """The second process, started now with the working days of `years` as its first task, then the
    survey of a small `inbox` (`surveyed`: None when there is none to make) with the `profile` given
    (a name or a file; None: it is to be chosen); `write` hands it the order to write."""

    def __init__(self, years: list[int] = (), inbox: Path | None = None, profile: str | None = None,
                 limits=None, most: int = MIN_PARALLEL):
        self._pool = ProcessPoolExecutor(max_workers=1)
        # The first task starts the worker at once; the survey and the imports for the order follow it.
        self.working_days: Future = self._pool.submit(_working_days, list(years))
        self.surveyed: Future | None = None
        if inbox is not None:
            self.surveyed = self._pool.submit(_survey, inbox, profile, limits, most)
        self._pool.submit(_warm_up)

    def survey(self):
        """The survey of the inbox, or None (none made, too many files, or it failed)."""
        if self.surveyed is None:
            return None
        try:
            return self.surveyed.result()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # the process died, or the survey failed: the main process reads the files itself
            return None

    def write(self, batch, rows, path: Path) -> Future:
        """The order being written; a failed future when the process is gone (the main one writes it)."""
        try:
            return self._pool.submit(_write_order, batch, rows, path)
        except Exception as exc:  # BrokenProcessPool: the process died (killed, out of memory)
            failed: Future = Future()
            failed.set_exception(exc)
            return failed

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> SideProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
