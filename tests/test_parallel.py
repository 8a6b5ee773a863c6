"""A run on every core gives the same outputs as a serial run (speed itself is shown by benchmarks/)."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl

from benchmarks.generate import generate
from consolidator.parallel import MIN_PARALLEL
from consolidator.pipeline import run


def _cells(path):
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets}


def test_parallel_and_serial_runs_are_identical(tmp_path, udmurt):
    generate(tmp_path / "in", MIN_PARALLEL + 5, rows=12, errors=0.4, seed=7)
    reports = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        run(udmurt, tmp_path / "in", out, date(2024, 7, 16), jobs=jobs)
        reports[jobs] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert reports[1] == reports[2]
    returned = [f["returned_copy"] for f in reports[1]["files"] if f["returned_copy"]]
    assert len(returned) == round((MIN_PARALLEL + 5) * 0.4)
    for rel in returned:
        assert _cells(tmp_path / "out1" / rel) == _cells(tmp_path / "out2" / rel)
    for name in ("Сводный перечень.xlsx", "Протокол проверки.xlsx"):
        assert _cells(tmp_path / "out1" / name) == _cells(tmp_path / "out2" / name)


def test_a_dead_worker_does_not_lose_the_batch():
    from consolidator.parallel import run_map

    import os

    items = list(range(MIN_PARALLEL + 2))
    # Item 3 kills any worker process that takes it; in this process (the serial fallback) it is safe.
    results = list(run_map(_die_in_child, items, os.getpid(), jobs=2))
    assert results == [n * 10 for n in items]


def _die_in_child(n: int) -> int:
    import os

    from consolidator.parallel import context

    if n == 3 and os.getpid() != context():
        os._exit(1)
    return n * 10


def test_the_order_written_by_the_side_process_is_the_one_written_in_process(tmp_path):
    # The CLI starts a second process for the order DOCX; its file must be the in-process one.
    import zipfile
    from datetime import date

    from consolidator import order, pipeline
    from consolidator.profile import load_profile
    from consolidator.sideprocess import SideProcess

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
            batch = pipeline.run(load_profile("udmurt"), inbox, tmp_path / name, date(2024, 7, 16), side_process=proc)
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

    from consolidator import pipeline
    from consolidator.profile import load_profile

    class Broken:
        def write(self, batch, rows, path):
            from concurrent.futures import Future

            failed = Future()
            failed.set_exception(RuntimeError("the worker died"))
            return failed

    inbox = Path(__file__).parent.parent / "sample_inputs" / "udmurt"
    batch = pipeline.run(load_profile("udmurt"), inbox, tmp_path, date(2024, 7, 16), side_process=Broken())
    assert batch.order == {"path": pipeline.ORDER} and (tmp_path / pipeline.ORDER).stat().st_size > 10_000
