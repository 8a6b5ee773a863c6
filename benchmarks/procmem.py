"""The memory of a command and its helper processes, from /proc (Linux): what benchmarks/run.py and
benchmarks/corpus.py sum while a command runs. A module of its own, importable from the benchmarks folder
without putting the repository first on sys.path (corpus.py measures the installed package)."""
from __future__ import annotations

import os


def tree(root: int) -> list[int]:
    """The process and all its descendants (pool workers included), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def pss_kib(pid: int) -> int:
    """Proportional set size: pages shared by forked workers are counted once in the sum."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
