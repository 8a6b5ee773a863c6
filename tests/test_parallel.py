"""A run on every core gives the same outputs as a serial run (speed itself is shown by benchmarks/)."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl

from benchmarks.generate import generate
from consolidator.speed.pool import MIN_PARALLEL
from consolidator.run import run
from consolidator.run import Settings


def _cells(path):
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def test_parallel_and_serial_runs_are_identical(tmp_path, udmurt):
    generate(tmp_path / "in", MIN_PARALLEL + 5, rows=12, errors=0.4, seed=7)
    reports = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        run(Settings(udmurt, tmp_path / "in", out, date(2024, 7, 16), jobs=jobs))
        reports[jobs] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert reports[1] == reports[2]
    returned = [f["returned_copy"] for f in reports[1]["files"] if f["returned_copy"]]
    assert len(returned) == round((MIN_PARALLEL + 5) * 0.4)
    for rel in returned:
        assert _cells(tmp_path / "out1" / rel) == _cells(tmp_path / "out2" / rel)
    for name in ("Сводный перечень.xlsx", "Протокол проверки.xlsx"):
        assert _cells(tmp_path / "out1" / name) == _cells(tmp_path / "out2" / name)


def test_a_dead_worker_is_that_items_result_and_the_others_are_done():
    from consolidator.speed.pool import run_map

    import os

    for n in (5, MIN_PARALLEL + 2):  # one worker, and a pool
        items = list(range(n))
        # Item 3 kills the worker that takes it; the items after it in its chunk go to a new worker.
        results = list(run_map(_die_in_child, items, os.getpid(), jobs=2,
                               on_death=lambda item, death: ("died", item, death.exitcode)))
        assert results == [("died", 3, 7) if i == 3 else i * 10 for i in items]


def _die_in_child(n: int) -> int:
    import os

    from consolidator.speed.pool import context

    if n == 3 and os.getpid() != context():
        os._exit(7)
    return n * 10


def test_the_workers_of_the_last_map_end_when_it_is_done_not_with_the_run():
    # The returned copies are the run's last map: its helper processes end as they finish it, while
    # the list and the order are still being written, not when the run ends (their memory is the peak).
    import time

    from consolidator.speed.pool import Started, Workers

    with Workers() as workers:
        first = Started(_times_ten, list(range(40)), None, jobs=2, workers=workers, min_parallel=2)
        assert list(first.results()) == [i * 10 for i in range(40)]
        idle = [w.proc for w in workers._idle]
        assert len(idle) == 2 and all(p.is_alive() for p in idle)  # kept for the next map
        # Three items take one worker: the other, idle, is told to end at once.
        last = Started(_times_ten, [1, 2, 3], None, jobs=2, workers=workers, last=True)
        deadline = time.monotonic() + 10
        while any(p.is_alive() for p in idle) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not any(p.is_alive() for p in idle)  # ended before their answers were asked for
        assert list(last.results()) == [10, 20, 30]


def _times_ten(n: int) -> int:
    return n * 10


def test_the_order_written_by_the_side_process_is_the_one_written_in_process(tmp_path):
    # The CLI starts a second process for the order DOCX; its file must be the in-process one.
    import zipfile
    from datetime import date

    import consolidator.outputs.order as order
    import consolidator.run as pipeline
    from consolidator.profile import load_profile
    from consolidator.run import SideProcess

    assert pipeline.ORDER == order.FILE_NAME
    inbox = Path(__file__).parent.parent / "sample_inputs" / "udmurt"
    class Watched(SideProcess):
        def write(self, batch, rows, path):
            self.future = super().write(batch, rows, path)
            return self.future

    outs = {}
    watched = Watched()
    for name, proc in (("serial", None), ("process", watched)):
        try:
            batch = pipeline.run(Settings(load_profile("udmurt"), inbox, tmp_path / name, date(2024, 7, 16)), side=proc)
        finally:
            if proc is not None:
                proc.close()
        assert batch.order == {"path": pipeline.ORDER}
        with zipfile.ZipFile(tmp_path / name / pipeline.ORDER) as z:
            outs[name] = {n: z.read(n) for n in z.namelist() if not n.startswith("docProps/")}
    assert watched.future.done() and watched.future.exception() is None  # written by the process itself
    assert outs["serial"] == outs["process"]


def test_an_side_process_that_fails_leaves_the_order_to_the_main_process(tmp_path):
    from datetime import date

    import consolidator.run as pipeline
    from consolidator.profile import load_profile

    class Broken:
        def write(self, batch, rows, path):
            from concurrent.futures import Future

            failed = Future()
            failed.set_exception(RuntimeError("the worker died"))
            return failed

    inbox = Path(__file__).parent.parent / "sample_inputs" / "udmurt"
    batch = pipeline.run(Settings(load_profile("udmurt"), inbox, tmp_path, date(2024, 7, 16)), side=Broken())
    assert batch.order == {"path": pipeline.ORDER} and (tmp_path / pipeline.ORDER).stat().st_size > 10_000


def test_the_side_process_writes_the_order_without_pandas(tmp_path):
    # The second process imports python-docx, not pandas (0.5 s of CPU beside the main process's own
    # import): what it is sent, and the order module, must load in an interpreter without pandas.
    import pickle
    import subprocess
    import sys
    from datetime import date

    import consolidator.run as pipeline
    from consolidator.profile import load_profile

    sent = []

    class Recorder:
        def write(self, batch, rows, path):
            from concurrent.futures import Future

            sent.append(pickle.dumps((batch, rows, path)))
            failed = Future()
            failed.set_exception(RuntimeError("recorded only"))
            return failed

    inbox = Path(__file__).parent.parent / "sample_inputs" / "udmurt"
    pipeline.run(Settings(load_profile("udmurt"), inbox, tmp_path / "out", date(2024, 7, 16)), side=Recorder())
    (tmp_path / "sent.pickle").write_bytes(sent[0])
    script = (
        "import pickle, sys\n"
        "from consolidator.outputs.order import write_order\n"
        f"batch, rows, _ = pickle.loads(open({str(tmp_path / 'sent.pickle')!r}, 'rb').read())\n"
        f"write_order(batch, rows, __import__('pathlib').Path({str(tmp_path / 'order.docx')!r}))\n"
        "assert 'pandas' not in sys.modules and 'numpy' not in sys.modules, 'pandas imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "order.docx").read_bytes()[:2] == b"PK"


def test_the_side_process_surveys_a_small_inbox_as_this_process_would():
    from consolidator.inbox.read import survey
    from consolidator.profile import available_profiles, load_profile
    from consolidator.inbox.safety import Limits
    from consolidator.run import SideProcess

    inbox = Path(__file__).parent.parent / "sample_inputs" / "nso-minreg"
    profiles = [load_profile(n) for n in available_profiles()]
    here = survey(inbox, profiles, limits=Limits(), jobs=1)
    assert sorted(set(here.forms())) == ["nso-gsn", "nso-minreg"]  # the sample holds a file in another form
    for given in (None, "nso-minreg"):
        side = SideProcess([2024], inbox, given, Limits())
        try:
            there = side.survey()
        finally:
            side.close()
        assert there is not None and there.files == here.files and there.texts == here.texts
    side = SideProcess([2024], inbox, None, Limits(), most=3)  # more workbooks than that: the pool reads them
    try:
        assert side.survey() is None
    finally:
        side.close()


def test_a_run_with_the_side_process_is_the_run_without(tmp_path):
    from click.testing import CliRunner

    from consolidator.cli import main

    inbox = Path(__file__).parent.parent / "sample_inputs" / "nso-minreg"
    for given in ((), ("--profile", "nso-minreg")):
        reports = []
        for jobs in ((), ("--jobs", "1")):
            out = tmp_path / f"out{len(given)}{len(jobs)}"
            res = CliRunner().invoke(main, ["run", str(inbox), "--out", str(out), "--date", "2024-10-14", *given, *jobs])
            assert res.exit_code in (0, 1), res.output
            reports.append((out / "report.json").read_text(encoding="utf-8"))
        assert reports[0] == reports[1]


def test_a_side_process_that_died_leaves_its_work_to_the_main_process(tmp_path):
    import os
    import signal
    from datetime import date

    import consolidator.run as pipeline
    from consolidator.profile import load_profile
    from consolidator.run import SideProcess

    side = SideProcess([2024], None)
    try:
        side.working_days.result()
        for pid in list(side._pool._processes):  # killed, as an out-of-memory killer would
            os.kill(pid, signal.SIGKILL)
        inbox = Path(__file__).parent.parent / "sample_inputs" / "udmurt"
        batch = pipeline.run(Settings(load_profile("udmurt"), inbox, tmp_path, date(2024, 7, 16)), side=side)
    finally:
        side.close()
    assert batch.order == {"path": pipeline.ORDER} and (tmp_path / pipeline.ORDER).stat().st_size > 10_000
