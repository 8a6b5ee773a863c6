"""speed.memory: the free pages of the allocator given back to the system."""
from __future__ import annotations

import subprocess
import sys

import pytest

# Texts of 1,000 bytes (malloc's, not Python's small-object arenas), every hundredth kept alive: the
# heap's pages stay the process's after the rest are freed, until trim() gives the free ones back.
_SCRIPT = """
import os
from consolidator.speed.memory import trim

def rss():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

texts = [os.urandom(1000) for _ in range(100_000)]
kept = texts[::100]
del texts
before = rss()
{trim}
print(before, rss())
"""


def _rss(trim: str) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", _SCRIPT.format(trim=trim)], capture_output=True, text=True,
                         check=True).stdout.split()
    return float(out[0]), float(out[1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's (Linux)")
def test_trim_gives_the_freed_pages_back():
    before, after = _rss("trim()")
    assert before - after > 50  # of the 100 MiB freed
    before, after = _rss("pass")  # without it, the process keeps them
    assert before - after < 5
