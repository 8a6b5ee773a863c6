"""Imports that cost: done without the garbage collector, or left until first use.

Importing pandas and pandera creates some hundreds of thousands of objects; the collector walks them
again and again while they are created (about 0.15 s of a 1.3 s run of ten files) and finds next to no
garbage, since imports leave no cycles worth collecting. While the imports run the collector is off;
afterwards what they made is frozen out of later collections (`gc.freeze`) and the collector is on
again, for the run's own objects.

`on_first_use` stands for a module that a command may never need: `rules`, `status` and `--help`
read the check types without importing pandas (about 0.5 s).
"""
from __future__ import annotations

import gc
import importlib
from contextlib import contextmanager
from types import ModuleType
from typing import Iterator

_frozen = False


@contextmanager
def heavy_imports() -> Iterator[None]:
    """The collector off while the block imports; what exists then is frozen, once per process (a
    process that runs several commands, as the tests do, does not freeze each run's garbage)."""
    global _frozen
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if not _frozen:
            gc.freeze()
            _frozen = True
        if enabled:
            gc.enable()


@contextmanager
def no_collection() -> Iterator[None]:
    """The collector off while the block builds a great many objects that live on (a survey's hundred
    thousand answers read, checked, tallied and written): it would walk them again and again and find
    no garbage (2.4 s of CPU in a survey of 100 000 answers). It is on again afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class on_first_use:  # noqa: N801 - used like a module: pd = on_first_use("pandas")
    """A module imported when one of its attributes is first asked for."""

    def __init__(self, name: str):
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str):
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)
