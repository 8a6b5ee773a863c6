"""Time the returned copy of one big workbook: remarks written into N cells of a 100,000-row list.

    python benchmarks/returned.py --rows 100000 --marks 0 1000 10000

For each number of marks: one workbook of the Udmurt form (benchmarks/generate.py) with that many rows
whose kind contradicts the point (each a remark in a cell), checked by `consolidator run` as its own
process (interpreter start included; `measure` of benchmarks/run.py: wall time and peak memory of all
its processes), then the same run in this process for its stages: «copies» is the writing of the
returned copy. With 0 marks the file is accepted: the run without a copy to write, for comparison.
"""
from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.generate import write_xlsx, workbook_rows  # noqa: E402
from benchmarks.run import measure  # noqa: E402


def make(path: Path, rows: int, marks: int, seed: int = 1) -> None:
    """A workbook of `rows` rows of which `marks` (evenly spread) have a kind contradicting the point."""
    table = workbook_rows(random.Random(seed), "Отдел большого перечня", rows, with_error=False)
    first = 5  # title, subdivision, blank, header, numbering
    for i in range(marks):
        row = table[first + i * rows // marks]
        row[5] = "Офлайн-точка" if row[5] == "Онлайн-точка" else "Онлайн-точка"
    write_xlsx(path, table)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--marks", type=int, nargs="+", default=[0, 1000, 10000])
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "consolidator-returned")
    a = ap.parse_args()
    from consolidator.profile import load_profile
    from consolidator.run import Settings, run

    print(f"{'строк':>8} {'замечаний':>10} {'запуск, с':>10} {'память, МиБ':>12} {'копия, с':>9}  вердикт")
    for marks in a.marks:
        inbox = a.work / f"inbox-{a.rows}-{marks}"
        if not inbox.exists():
            make(inbox / "Отдел" / "перечень.xlsx", a.rows, marks)
        out = a.work / f"out-{a.rows}-{marks}"
        shutil.rmtree(out, ignore_errors=True)
        # -P: the package installed, not this checkout's sources from the folder it is run in.
        wall, mib = measure([sys.executable, "-P", "-m", "consolidator", "run", str(inbox), "--out", str(out),
                             "--date", "2024-07-16", "--profile", "udmurt"], ok=(0, 1))
        shutil.rmtree(out, ignore_errors=True)
        batch = run(Settings(load_profile("udmurt"), inbox, out, date(2024, 7, 16)))
        f = batch.files[0]
        print(f"{a.rows:>8} {len(f.remarks):>10} "
              f"{wall:>10.2f} {mib:>12.0f} {batch.timings.get('annotate', 0.0):>9.2f}  {f.verdict}")


if __name__ == "__main__":
    main()
