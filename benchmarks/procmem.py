"""The memory of a command and its helper processes, from /proc (Linux): what benchmarks/run.py and
benchmarks/corpus.py sum while a command runs. A module of its own, importable from the benchmarks folder
without putting the repository first on sys.path (corpus.py measures the installed package)."""
from __future__ import annotations

import os
import subprocess
import threading
import time


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


def measured(cmd: list[str], stderr) -> tuple[int, float, float]:
    """(exit code, wall seconds, peak MiB) of a command run as its own process, its stderr written to
    the open file `stderr` (not a pipe: a full pipe would stall the command). The peak is the largest
    sum of the proportional set sizes of the process and its descendants, sampled every 50 ms (the
    tree listed every 250 ms); the wall time is taken by a thread that only waits for the process."""
    end: list[float] = []
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=stderr)
    waiter = threading.Thread(target=lambda: (proc.wait(), end.append(time.perf_counter())))
    waiter.start()
    peak, pids, n = 0, [proc.pid], 0
    while waiter.is_alive():
        if n % 5 == 0:
            pids = tree(proc.pid)
        peak = max(peak, sum(pss_kib(pid) for pid in pids))
        n += 1
        waiter.join(0.05)
    return proc.returncode, end[0] - start, peak / 1024
