"""The benchmark scripts run (their figures are not asserted: speed is shown by running them)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_benchmark_runs_both_versions_end_to_end(tmp_path):
    # A version that fails at once would look fast: the runner stops on a failed command instead.
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "3", "--baseline-max", "3",
                           "--repeats", "1", "--work", str(tmp_path), "--json", str(tmp_path / "results.json")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    run = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["runs"][0]
    assert run["files"] == 3 and run["ours_s"] > 0 and run["ours_profile_chosen_s"] > 0 and run["baseline_s"] > 0
    assert {"read", "check", "consolidate", "docx"} <= set(run["phases_s"])
    rerun = run["rerun"]
    assert rerun["nothing_new_s"] > 0 and rerun["one_new_s"] > 0 and rerun["file_cost_s"] > 0
    for out in (tmp_path / "out-3", tmp_path / "base-3"):
        assert (out / "Сводный перечень.xlsx").exists() and (out / "Проект приказа.docx").exists()


def test_the_benchmark_stops_on_a_failed_command(tmp_path):
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks.run import measure
    finally:
        sys.path.remove(str(ROOT))
    try:
        measure([sys.executable, "-c", "import sys; sys.exit(3)"])
    except SystemExit as exc:
        assert "exit code 3" in str(exc)
    else:
        raise AssertionError("a failed command was timed")
    try:  # an unexpected error exits with 1, which a run with returned files may: its traceback stops it
        measure([sys.executable, "-c", "raise RuntimeError('boom')"], ok=(0, 1))
    except SystemExit as exc:
        assert "boom" in str(exc)
    else:
        raise AssertionError("a command that crashed was timed")
    assert measure([sys.executable, "-c", "pass"])[0] > 0


def test_the_returned_copy_benchmark_marks_the_cells_it_says(tmp_path):
    # The big-workbook benchmark times what it claims: the file with N contradicting kinds is returned
    # with N remarks, the one with none is accepted.
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "returned.py"), "--rows", "40",
                           "--marks", "0", "4", "--work", str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    lines = [line.split() for line in done.stdout.splitlines()[1:]]
    assert [(line[0], line[1], line[-1]) for line in lines] == [("40", "0", "accepted"), ("40", "4", "returned")]
    assert (tmp_path / "out-40-4" / "на доработку").is_dir()
