"""Heavy imports without the cyclic garbage collector.

Importing pandas and pandera creates some hundreds of thousands of objects; the collector walks them
again and again while they are created (about 0.15 s of a 1.3 s run of ten files) and finds next to no
garbage, since imports leave no cycles worth collecting. While the imports run the collector is off;
afterwards what they made is frozen out of later collections (`gc.freeze`) and the collector is on
again, for the run's own objects.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
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
