"""Run consolidator over a folder of arbitrary spreadsheets, as a new user's inbox would be.

    python benchmarks/corpus.py ПАПКА [--work /tmp/corpus-run] [--jobs N] [--no-probe] [--json итог.json]

Two passes:

1. The whole folder as one inbox: `consolidator run` as its own process, timed from outside with its
   peak memory (the sum of the proportional set sizes of the process and every helper process, as
   benchmarks/run.py measures it; the package measured is the interpreter's, never this folder's). Each file is linked (a hard link; a copy across file systems)
   into a folder of its own in a staging inbox under --work, so that every file is its own
   subdivision and gets its own verdict (files of one subdivision would supersede one another);
   `--as-is` runs on the folder itself. Then what must hold whatever the files are: the run ended
   with exit code 0 or 1; report.json and every output are written; every file has a verdict; the
   folder is unchanged; nothing but the progress lines reached stderr (no panic message, no
   traceback); no reason carries an exception's English text. Printed: verdict counts and the most
   frequent reasons of «не прочитан».
2. Each file on its own (`--no-probe` skips it): its untrusted work as a helper process of the run
   does it (inspection, the form looked for and the table read, the returned copy written), in a
   fresh process per file with the run's memory limit, with the wall time and that process's peak
   resident memory. Printed: the slowest and largest files and every file that took more than
   `--slow` seconds or `--big` MB, or whose process died or hung (`--timeout`): what the run turns
   into «не прочитан», the probe shows as it happened. Linux only: the peak is read from /proc.

The exit code is 1 when something that must hold in the whole run did not, 0 otherwise. Use the
interpreter of an environment with the package installed (`pip install .`).
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from procmem import measured  # this folder is first on sys.path when run as a script

OUTPUTS = ("report.json", "Протокол проверки.xlsx", "Сводный перечень.xlsx")
# What the progress bars and the run's sentences may print on stderr; anything else is a leak.
STDERR_OK = re.compile(r"^(Чтение файлов|Запись копий с замечаниями|Профиль |Внимание: "
                       r"|.* не задан \(--registry\)|\s*$)")


def measure(cmd: list[str], stderr_to: Path) -> tuple[int, float, float]:
    """(exit code, wall seconds, peak MiB) of a command (procmem.measured), its stderr kept in a file."""
    with open(stderr_to, "wb") as errors:
        return measured(cmd, errors)


def snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out[str(p.relative_to(folder))] = (p.stat().st_size, hashlib.sha1(p.read_bytes()).hexdigest())
    return out


def spreadsheets(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()]


def staged(folder: Path, work: Path) -> tuple[Path, dict[str, str]]:
    """A staging inbox with each file of `folder` in a folder of its own; {inbox path: folder path}."""
    inbox = work / "inbox"
    shutil.rmtree(inbox, ignore_errors=True)
    names = {}
    for n, path in enumerate(spreadsheets(folder), start=1):
        target = inbox / f"{n:05d}" / path.name
        target.parent.mkdir(parents=True)
        try:
            os.link(path, target)
        except OSError:
            shutil.copy2(path, target)
        names[f"{n:05d}/{path.name}"] = str(path.relative_to(folder))
    return inbox, names


def whole_run(folder: Path, work: Path, jobs: int | None, as_is: bool) -> tuple[dict, list[str]]:
    """The folder as one inbox; (summary, problems)."""
    out = work / "out"
    shutil.rmtree(out, ignore_errors=True)
    before = snapshot(folder)
    inbox, names = (folder, {}) if as_is else staged(folder, work)
    # -P: the package installed, not this checkout's sources from the folder it is run in.
    cmd = [sys.executable, "-P", "-m", "consolidator", "run", str(inbox), "--out", str(out), "--date", "2024-07-16",
           *(("--jobs", str(jobs)) if jobs else ())]
    stderr = work / "stderr.txt"
    problems = []
    code, seconds, peak = measure(cmd, stderr)
    if code not in (0, 1):  # the batch ended: killed, aborted or an unexpected error
        tail = stderr.read_text(encoding="utf-8", errors="replace")[-2000:]
        problems.append(f"запуск завершился с кодом {code} за {seconds:.1f} с: {tail}")
    for name in OUTPUTS:
        if not (out / name).exists():
            problems.append(f"нет результата {name}")
    report = json.loads((out / "report.json").read_text(encoding="utf-8")) if (out / "report.json").exists() else {}
    files = report.get("files", [])
    for f in files:
        f["path"] = names.get(f["path"], f["path"])
    seen = {f["path"] for f in files}
    missing = [p for p in before if p.replace(os.sep, "/") not in seen]
    if missing:
        problems.append(f"без решения {len(missing)} файлов: {missing[:5]}")
    if snapshot(folder) != before:
        problems.append("папка входящих изменилась")
    leaked = [line for line in stderr.read_text(encoding="utf-8", errors="replace").splitlines()
              if not STDERR_OK.match(line)]
    if leaked:
        problems.append(f"в stderr {len(leaked)} посторонних строк, например: {leaked[:3]}")
    verdicts = collections.Counter(f["verdict"] for f in files)
    reasons = collections.Counter(re.sub(r"«[^»]*»", "«…»", f["reason"] or "")[:160]
                                  for f in files if f["verdict"] == "unreadable")
    english = [f["path"] for f in files if f["reason"] and re.search(r"[A-Za-z]{4,}(Error|Exception)|panic", f["reason"])]
    if english:
        problems.append(f"техническое исключение в причине у {len(english)} файлов: {english[:5]}")
    return {"files": len(before), "seconds": round(seconds, 2), "peak_mib": round(peak),
            "exit_code": code, "verdicts": dict(verdicts), "reasons": reasons.most_common(),
            "unreadable": {f["path"]: f["reason"] for f in files if f["verdict"] == "unreadable"}}, problems


# --- each file on its own --------------------------------------------------------------------------

def _probe_one(path: str, conn) -> None:
    """In a fresh process: what a helper process of the run does with one file; sends the verdict,
    the seconds and the peak resident memory."""
    from datetime import date

    from consolidator.inbox import read
    from consolidator.inbox.safety import Limits
    from consolidator.model import RETURNED, Batch, FileResult, Remark
    from consolidator.outputs.returned import write_returned
    from consolidator.profile import available_profiles, load_profile
    from consolidator.speed import pool

    limits = Limits()
    try:  # as in the run's helper processes (a version without them has no limit)
        from consolidator.speed import child

        child.limit_memory(limits.process_mb)
    except ImportError:
        pass
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)  # what the reader prints (a panic's backtrace) is the run's log's, not this report's
    _reset_peak()
    started = time.perf_counter()
    profiles = [load_profile(n) for n in available_profiles()]
    pool._init((profiles, limits))
    surveyed = read._survey_one(Path(path))
    verdict = surveyed.verdict or RETURNED
    if surveyed.verdict is None:
        profile = next(p for p in profiles if p.key == (surveyed.form or "udmurt"))
        f = FileResult(path=Path(path).name, source=Path(path), subdivision="корпус", verdict=RETURNED,
                       remarks=[Remark("PROBE", "error", None, None, None, None, None, "проба", "п. 1")])
        batch = Batch(profile=profile, run_date=date(2024, 7, 16), inbox=Path(path).parent, out=Path(_TMP),
                      files=[], data=None, limits=limits)
        write_returned(batch, f, Path(_TMP))
    conn.send((verdict, (surveyed.reason or "")[:300], time.perf_counter() - started, _peak_mib()))


_TMP = tempfile.mkdtemp(prefix="corpus-probe-")


def _reset_peak() -> None:
    try:  # Linux: the peak resident size starts again from what the process holds now
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def _peak_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def probe(folder: Path, jobs: int, timeout: float) -> list[dict]:
    """Every file of the folder in its own forked process, `jobs` at a time."""
    import consolidator.inbox.read  # noqa: F401 - imported once, before the forks
    import consolidator.outputs.returned  # noqa: F401
    import consolidator.outputs.returned_openpyxl  # noqa: F401 - openpyxl too

    ctx = multiprocessing.get_context("fork")
    todo, running, out = list(reversed(spreadsheets(folder))), {}, []
    while todo or running:
        while todo and len(running) < jobs:
            path = todo.pop()
            here, there = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_probe_one, args=(str(path), there), daemon=True)
            proc.start()
            there.close()
            running[proc] = (path, here, time.perf_counter())
        for proc, (path, conn, started) in list(running.items()):
            elapsed = time.perf_counter() - started
            if proc.is_alive() and elapsed < timeout and not conn.poll(0.01):
                continue
            result = None
            if conn.poll(0 if proc.is_alive() else 1):
                try:
                    result = conn.recv()
                except (EOFError, OSError):
                    result = None
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join()
            if result is None:
                how = f"процесс завершен (код {proc.exitcode})" if elapsed < timeout else f"дольше {timeout:.0f} с"
                result = ("died", how, elapsed, 0.0)
            conn.close()
            verdict, reason, seconds, peak = result
            out.append({"file": str(path.relative_to(folder)), "verdict": verdict, "reason": reason,
                        "seconds": round(seconds, 2), "peak_mib": round(peak)})
            del running[proc]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "consolidator-corpus")
    ap.add_argument("--jobs", type=int, default=None, help="--jobs of the whole run (default: the tool's)")
    ap.add_argument("--no-probe", action="store_true", help="skip the per-file pass")
    ap.add_argument("--probe-only", action="store_true", help="skip the whole run")
    ap.add_argument("--slow", type=float, default=5.0, help="seconds a file may take in the per-file pass")
    ap.add_argument("--big", type=float, default=300.0, help="MB a file's process may hold in the per-file pass")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds after which a file's process is killed")
    ap.add_argument("--json", type=Path, default=None, help="write every figure and per-file result here")
    ap.add_argument("--as-is", action="store_true", help="run on the folder itself, not on a staging inbox")
    a = ap.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    folder = a.folder.resolve()

    summary, problems = ({}, []) if a.probe_only else whole_run(folder, a.work, a.jobs, a.as_is)
    print(f"Файлов: {summary.get('files', '?')}")
    if "seconds" in summary:
        print(f"Весь запуск: {summary['seconds']:.1f} с, пиковая память {summary['peak_mib']} МиБ")
        print("Решения: " + ", ".join(f"{k} {v}" for k, v in sorted(summary["verdicts"].items())))
        print("Причины «не прочитан» (по числу файлов):")
        for reason, n in summary["reasons"][:40]:
            print(f"  {n:5}  {reason}")
    result = {"run": summary, "problems": problems}
    if not a.no_probe:
        started = time.perf_counter()
        files = probe(folder, os.cpu_count() or 1, a.timeout)
        result["probe"] = files
        outliers = [f for f in files if f["seconds"] > a.slow or f["peak_mib"] > a.big or f["verdict"] == "died"]
        counts = collections.Counter(f["verdict"] for f in files)
        print(f"\nПо одному файлу: {len(files)} файлов за {time.perf_counter() - started:.0f} с; "
              + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        slowest = sorted(files, key=lambda f: -f["seconds"])[:5]
        largest = sorted(files, key=lambda f: -f["peak_mib"])[:5]
        print("Самые долгие: " + "; ".join(f"{f['file']} {f['seconds']} с" for f in slowest))
        print("Самые большие: " + "; ".join(f"{f['file']} {f['peak_mib']} МБ" for f in largest))
        print(f"Дольше {a.slow:g} с, больше {a.big:g} МБ, процесс чтения завершился или завис (в запуске это "
              f"«не прочитан»): {len(outliers)}")
        for f in sorted(outliers, key=lambda f: -f["seconds"]):
            print(f"  {f['seconds']:8.2f} с {f['peak_mib']:6} МБ  {f['verdict']:10}  {f['file']}  {f['reason'][:100]}")
    for p in problems:
        print(f"НАРУШЕНО: {p}")
    if a.json:
        a.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    shutil.rmtree(_TMP, ignore_errors=True)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
