"""Property: over generated inboxes of valid and broken workbooks, a run never raises, and every
non-empty data row of every readable file either is in the consolidated list exactly once (its file
accepted) or comes back in the returned copy of its file, under a file with at least one error and
the remarks sheet listing every remark. Nothing is lost, nothing is duplicated.
"""
from __future__ import annotations

import csv
import io
import random
import tempfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import consolidator.run as pipeline
from consolidator.model import ACCEPTED, RETURNED, UNREADABLE
from consolidator.profile import load_profile
from consolidator.profile.text import clean
from consolidator.run import Settings
from tests.workbooks import FIRST_DATA_ROW, make_form

PROFILE = load_profile("udmurt")
KEYS = PROFILE.keys

GROUPS = list(PROFILE.groups) + ["Прочее", "  1) предоставление  государственных услуг", ""]
SERVICES = ["Назначение ежемесячной денежной выплаты", "Выдача удостоверения многодетной семьи",
            "Назначение\nвыплаты\tна ребенка", "", "=СУММ(A1:A3)"]
POINTS = ["Телефон горячей линии", "Личный прием граждан", "Портал", "Единый портал государственных услуг",
          "Многофункциональный центр", "Oфициальный сайт", ""]
INTERACTIONS = ["Получение консультации", "Подача заявления", "", "Подача\r\nзаявления"]
KINDS = ["Онлайн-точка", "Офлайн-точка", "онлайн", "дистанционно", ""]
ODD = [st.just("#REF!"), st.just("#Н/Д"), st.integers(1, 99_999), st.dates(date(2000, 1, 1), date(2030, 12, 31)),
       st.text(alphabet="абвгдежзийклмнопрстуфхцчшщыэюя ёАБВ\n\t0123456789.,-«»", min_size=1, max_size=40)]


def _column(pool):
    return st.one_of(st.sampled_from(pool), *ODD) if pool else st.one_of(*ODD)


row_strategy = st.fixed_dictionaries({
    "group": _column(GROUPS), "service": _column(SERVICES), "point": _column(POINTS),
    "interaction": _column(INTERACTIONS), "kind": _column(KINDS),
})


def _text(value) -> str:
    if isinstance(value, (date, datetime)):
        return value.strftime("%d.%m.%Y")
    return clean(value)


def _non_empty(row: dict) -> bool:
    return any(_text(row.get(k)) for k in KEYS)


file_strategy = st.fixed_dictionaries({
    "rows": st.lists(row_strategy.filter(_non_empty), min_size=0, max_size=6),
    "numbering": st.sampled_from(["sequence", "broken", "empty"]),
    "hidden": st.lists(st.integers(1, 6), max_size=2),
    "form": st.sampled_from(["xlsx", "xlsx", "xlsx", "csv", "truncated", "zero", "garbage", "not-form"]),
})


def _numbered(spec: dict, seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i, row in enumerate(spec["rows"], start=1):
        num = {"sequence": i, "broken": rng.choice([i, i + 1, 1]), "empty": None}[spec["numbering"]]
        rows.append({**row, "num": num})
    return [r for r in rows if _non_empty(r)]


def _csv(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow([PROFILE.form_title])
    w.writerow(["Структурное подразделение: Отдел"])
    w.writerow([])
    w.writerow([c.header for c in PROFILE.columns])
    w.writerow(list(range(1, 7)))
    for r in rows:
        w.writerow(["" if r.get(k) is None else _text(r[k]) if isinstance(r[k], (date, datetime)) else r[k]
                    for k in KEYS])
    return buf.getvalue().encode("utf-8-sig")


def _write(folder: Path, spec: dict, seed: int) -> tuple[Path, list[dict]]:
    """The file for one spec and the rows it holds (empty for a broken file)."""
    rows = _numbered(spec, seed)
    kind = spec["form"]
    if kind == "csv":
        path = folder / "выгрузка.xls"
        path.write_bytes(_csv(rows))
        return path, rows
    path = folder / "перечень.xlsx"
    hidden = tuple(h for h in spec["hidden"] if h <= len(rows))
    if kind == "not-form":
        wb = openpyxl.Workbook()
        wb.active["A1"] = "Сопроводительное письмо"
        wb.save(path)
        return path, []
    make_form(path, PROFILE, rows, number=False, hidden_rows=hidden)
    data = path.read_bytes()
    if kind == "truncated":
        path.write_bytes(data[: len(data) * 2 // 3])
        return path, []
    if kind == "zero":
        path.write_bytes(b"")
        return path, []
    if kind == "garbage":
        path.write_bytes(random.Random(seed).randbytes(len(data)))
        return path, []
    return path, rows


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(files=st.lists(file_strategy, min_size=1, max_size=3), seed=st.integers(0, 2 ** 16))
def test_nothing_lost_nothing_duplicated(files, seed):
    with tempfile.TemporaryDirectory() as tmp:
        inbox, out = Path(tmp) / "in", Path(tmp) / "out"
        expected: dict[str, list[dict]] = {}
        for n, spec in enumerate(files):
            folder = inbox / f"Отдел {n}"
            folder.mkdir(parents=True)
            path, rows = _write(folder, spec, seed + n)
            expected[f"{folder.name}/{path.name}"] = rows

        settings = Settings(PROFILE, inbox, out, date(2024, 7, 16))
        # What the reader took of each file: the check alone keeps the frame of every row read (a run
        # lets go of it once the list's rows are made).
        data = pipeline.check(settings).data
        batch = pipeline.run(settings)  # never raises

        consolidated = batch.accepted_rows()
        assert batch.consolidated["rows"] == len(consolidated)
        seen = list(zip(consolidated["path"], consolidated["row"]))
        assert len(seen) == len(set(seen)), "a row is consolidated twice"
        for i, f in enumerate(batch.files):
            rows = expected[f.path]
            spec_kind = files[int(f.path.split()[1].split("/")[0])]["form"]
            if spec_kind in ("truncated", "zero", "garbage"):
                assert f.verdict == UNREADABLE and f.reason, f.path
                continue
            assert f.verdict in (ACCEPTED, RETURNED) or (spec_kind == "not-form" and f.verdict == RETURNED), \
                (f.path, f.verdict, f.reason)
            excel_rows = [FIRST_DATA_ROW + k for k in range(len(rows))]
            read = sorted(data.loc[data["file"] == i, "row"])
            assert read == excel_rows, (f.path, read, excel_rows)  # the reader lost or doubled nothing
            mine = sorted(r for p, r in seen if p == f.path)
            if f.verdict == ACCEPTED:
                assert mine == excel_rows, f.path
                continue
            assert mine == [], f.path
            assert f.errors >= 1 and f.returned_copy, f.path
            _assert_copy_holds(out / f.returned_copy, f, rows)


def _assert_copy_holds(path: Path, f, rows: list[dict]) -> None:
    """The returned copy opens, lists every remark, and still holds every row's values."""
    wb = openpyxl.load_workbook(path)
    remarks = [r for r in wb["Замечания"].iter_rows(values_only=True) if isinstance(r[0], int)]
    assert len(remarks) == len(f.remarks), path
    ws = wb[wb.sheetnames[1]]
    for k, row in enumerate(rows):
        for c, key in enumerate(KEYS, start=1):
            want = _text(row.get(key))
            got = _text(ws.cell(FIRST_DATA_ROW + k, c).value)
            assert got == want, (path, FIRST_DATA_ROW + k, key, got, want)
