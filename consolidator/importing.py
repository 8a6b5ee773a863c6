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


@contextmanager
def heavy_imports() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
