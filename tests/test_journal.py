"""The submission journal across three runs over a changing inbox, with dates spanning the New Year
holidays and the 2024 transfer of days off (Saturday 28.12.2024 was a working day, 31.12.2024 a day off)."""
from __future__ import annotations

import email
import json
from email.policy import default

import pytest
import yaml
from click.testing import CliRunner

from consolidator.cli import main
from consolidator.journal.store import Journal
from consolidator.journal.tracking import resolve
from tests.workbooks import make_form

GOOD = {"group": "Предоставление государственных услуг", "service": "Выдача удостоверения многодетной семьи",
        "interaction": "Подача заявления"}
ROWS_OK = [{**GOOD, "point": "Единый портал государственных и муниципальных услуг", "kind": "Онлайн-точка"},
           {**GOOD, "point": "Личный прием", "kind": "Офлайн-точка"},
           {**GOOD, "point": "Телефон горячей линии", "kind": "Онлайн-точка"}]
REGISTRY = [
    {"name": "Управление семьи", "aliases": ["УСД"], "head": "Иванова И.И.", "email": "family@example.ru"},
    {"name": "Управление труда", "aliases": [], "head": "Петров П.П.", "email": "labour@example.ru"},
    {"name": "Отдел опеки", "aliases": ["опека"], "head": "Сидорова С.С.", "email": "care@example.ru"},
    {"name": "Отдел кадров", "aliases": [], "head": "Кузнецов К.К.", "email": "hr@example.ru"},
]


def _run(tmp_path, day):
    res = CliRunner().invoke(main, ["run", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--date", day,
                                    "--subdivisions", str(tmp_path / "subdivisions.yaml")])
    assert res.exit_code in (0, 1), res.output
    return json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))


def _status(report):
    return {s["name"]: s for s in report["subdivisions"]}


def _file(report, path):
    return next(f for f in report["files"] if f["path"] == path)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, udmurt):
    tmp = tmp_path_factory.mktemp("journal")
    (tmp / "subdivisions.yaml").write_text(yaml.safe_dump(REGISTRY, allow_unicode=True), encoding="utf-8")
    inbox = tmp / "in"
    # Run 1, Thursday 26.12.2024: family clean, labour with two errors, care with one, HR nothing.
    make_form(inbox / "Управление семьи" / "перечень.xlsx", udmurt, ROWS_OK)
    labour_v1 = [{**ROWS_OK[0], "group": "Предоставление государственых услуг"}, ROWS_OK[1], ROWS_OK[2],
                 {**ROWS_OK[1], "interaction": "Консультация"}]  # UD-GROUP B6, UD-DUP D9
    make_form(inbox / "Управление труда" / "перечень.xlsx", udmurt, labour_v1)
    make_form(inbox / "опека.xlsx", udmurt, [{**ROWS_OK[2], "kind": "Офлайн-точка"}])  # alias, UD-KIND-AGREE
    r1 = _run(tmp, "2024-12-26")
    eml1 = (tmp / "out" / "на доработку" / "Управление труда" / "Письмо — перечень.eml").read_bytes()
    import openpyxl
    summary1 = openpyxl.load_workbook(tmp / "out" / "Сводный перечень.xlsx")["Сводка"]["A2"].value
    protocol1 = openpyxl.load_workbook(tmp / "out" / "Протокол проверки.xlsx")["Подразделения"]
    protocol1 = {r[0]: r[1] for r in protocol1.iter_rows(min_row=5, values_only=True)}
    # Run 2, Thursday 09.01.2025: labour sends v2 — group fixed, a row inserted above the duplicate (rows
    # move), the duplicate kept, a nameless portal added.
    labour_v2 = [ROWS_OK[0], {**GOOD, "point": "Портал", "kind": "Онлайн-точка"}, ROWS_OK[1], ROWS_OK[2],
                 {**ROWS_OK[1], "interaction": "Консультация"}]
    make_form(inbox / "Управление труда" / "перечень_v2.xlsx", udmurt, labour_v2)
    r2 = _run(tmp, "2025-01-09")
    import openpyxl as _xl
    sheet2 = _xl.load_workbook(tmp / "out" / "на доработку" / "Управление труда" / "перечень_v2.xlsx")["Замечания"]
    remarks_sheet2 = [[c.value for c in row] for row in sheet2.iter_rows()]
    # Run 3, Monday 20.01.2025: labour v3 clean; care still silent; HR late but clean.
    make_form(inbox / "Управление труда" / "перечень_v3.xlsx", udmurt, ROWS_OK[:2])
    make_form(inbox / "Отдел кадров" / "перечень.xlsx", udmurt, ROWS_OK[1:])
    r3 = _run(tmp, "2025-01-20")
    with Journal(tmp / "out" / "журнал.sqlite") as j:
        counts = j.counts()
    r3_again = _run(tmp, "2025-01-20")
    with Journal(tmp / "out" / "журнал.sqlite") as j:
        counts_again = j.counts()
    return {"remarks_sheet2": remarks_sheet2, "summary1": summary1, "protocol1": protocol1, "r1": r1, "r2": r2, "r3": r3, "r3_again": r3_again, "eml1": eml1, "tmp": tmp,
            "counts": (counts, counts_again)}


def test_first_run_statuses_and_deadline_across_new_year(scenario):
    s = _status(scenario["r1"])
    assert s["Управление семьи"]["status"] == "принят"
    assert s["Управление труда"]["status"] == "возвращен на доработку"
    assert s["Отдел опеки"]["status"] == "возвращен на доработку"
    assert s["Отдел опеки"]["current"] == "опека.xlsx"  # matched by alias
    assert s["Отдел кадров"] == {"name": "Отдел кадров", "status": "не представлен", "current": None,
                                 "fix_deadline": None, "overdue_days": 0}
    # 27.12 and Saturday 28.12 (a working day in 2024); 30.12 and 31.12 were days off by the transfer;
    # then 09.01, 10.01 and 13.01 after the New Year holidays.
    assert s["Управление труда"]["fix_deadline"] == "2025-01-13"


def test_resubmission_marks_remarks(scenario):
    r2 = scenario["r2"]
    v1 = _file(r2, "Управление труда/перечень.xlsx")
    assert v1["verdict"] == "superseded" and "перечень_v2.xlsx" in v1["reason"]
    v2 = _file(r2, "Управление труда/перечень_v2.xlsx")
    assert v2["verdict"] == "returned"
    marks = {(r["code"], r["resolution"]) for r in v2["remarks"]}
    assert marks == {("UD-DUP", "не устранено"), ("UD-NAME", "новое")}
    assert [(r["code"], r["resolution"]) for r in v2["resolved"]] == [("UD-GROUP", "устранено")]
    # The new version's deadline counts from its own check.
    assert v2["fix_deadline"] == "2025-01-16"
    assert _status(r2)["Отдел опеки"]["status"] == "возвращен на доработку"


def test_final_run(scenario):
    r3 = scenario["r3"]
    s = _status(r3)
    assert s["Управление труда"]["status"] == "принят"
    assert s["Управление труда"]["current"] == "Управление труда/перечень_v3.xlsx"
    assert s["Отдел кадров"]["status"] == "принят"
    # Care's deadline 13.01.2025 passed: 14–17 and 20 January are five working days.
    assert s["Отдел опеки"]["status"] == "просрочен" and s["Отдел опеки"]["overdue_days"] == 5
    assert s["Отдел опеки"]["fix_deadline"] == "2025-01-13"  # kept from the first check
    verdicts = {f["path"]: f["verdict"] for f in r3["files"]}
    assert verdicts["Управление труда/перечень.xlsx"] == verdicts["Управление труда/перечень_v2.xlsx"] == "superseded"
    # The consolidated list holds exactly the current accepted versions: 3 + 2 + 2 rows.
    assert r3["consolidated"]["rows"] == 7
    import openpyxl
    trace = openpyxl.load_workbook(scenario["tmp"] / "out" / "Сводный перечень.xlsx")["Источник"]
    files = {row[2] for row in trace.iter_rows(min_row=2, values_only=True) if row[2]}
    assert files == {"Управление семьи/перечень.xlsx", "Управление труда/перечень_v3.xlsx",
                     "Отдел кадров/перечень.xlsx"}


def test_rerun_is_idempotent(scenario):
    before, after = scenario["counts"]
    assert before == after == (6, 6)  # family, labour v1-v3, care, HR
    assert _status(scenario["r3_again"]) == _status(scenario["r3"])


def test_email_draft(scenario):
    msg = email.message_from_bytes(scenario["eml1"], policy=default)
    assert msg["To"] == "labour@example.ru"
    assert "Управление труда" in msg["Subject"] and "13.01.2025" in msg["Subject"]
    body = msg.get_body(("plain",)).get_content()
    assert "до 13.01.2025" in body and "UD" not in body and "Ячейка B6" in body
    # The check's date, as the text says; no internal path of the inbox.
    assert msg["Date"].datetime.date().isoformat() == "2024-12-26" and "проверен 26.12.2024" in body
    assert "(файл «перечень.xlsx»)" in body and "Управление труда/" not in body
    attachments = list(msg.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["перечень.xlsx"]
    assert attachments[0].get_content()[:2] == b"PK"


def test_status_command_and_journal_workbook(scenario):
    tmp = scenario["tmp"]
    res = CliRunner().invoke(main, ["status", "--out", str(tmp / "out"), "--date", "2025-01-20",
                                    "--subdivisions", str(tmp / "subdivisions.yaml")])
    assert res.exit_code == 0, res.output
    assert "просрочен" in res.output and "Отдел опеки" in res.output
    import openpyxl
    wb = openpyxl.load_workbook(tmp / "out" / "Журнал.xlsx")
    rows = {r[0]: r for r in wb["Подразделения"].iter_rows(min_row=5, values_only=True)}
    assert rows["Отдел опеки"][1] == "просрочен" and rows["Отдел опеки"][7] == 5
    assert rows["Управление труда"][5] == 3  # three versions


def test_resolve_matches_by_content_not_position():
    prev = [{"code": "X", "column": "c", "key": "a", "cell": "D5"}, {"code": "Y", "column": "c", "key": "b"}]
    cur = [{"code": "X", "column": "c", "key": "a", "cell": "D9"}, {"code": "Z", "column": "c", "key": "a"}]
    marks, gone = resolve(prev, cur)
    assert marks == ["не устранено", "новое"] and [g["code"] for g in gone] == ["Y"]


def test_missing_subdivision_in_summary_and_protocol(scenario):
    assert "Не представили перечень: 1 (Отдел кадров)" in scenario["summary1"]
    assert "НЕПОЛНЫЙ" in scenario["summary1"]
    assert scenario["protocol1"]["Отдел кадров"] == "не представлен"
    assert scenario["protocol1"]["Управление семьи"] == "принят"


def test_one_journal_keeps_profiles_apart(tmp_path):
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "sample_inputs"
    runner = CliRunner()
    for name in ("udmurt", "sverdlovsk"):
        res = runner.invoke(main, ["run", str(root / name), "--profile", name, "--out", str(tmp_path / "out"),
                                   "--date", "2024-07-16"])
        assert res.exit_code in (0, 1), res.output
    res = runner.invoke(main, ["status", "--out", str(tmp_path / "out"), "--date", "2024-07-16"])
    assert res.exit_code == 0 and "несколько" not in res.stdout
    assert "по нескольким профилям (udmurt, sverdlovsk)" in res.output
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    for sub in {s["name"] for s in report["subdivisions"]}:
        assert all(word in res.stdout for word in sub.replace("-", " ").split())  # a long name wraps over the lines of its row
    assert "Управление труда и занятости населения" not in res.stdout  # a udmurt subdivision


def test_returned_copy_of_a_resubmission_marks_remarks(scenario):
    rows = scenario["remarks_sheet2"]
    header = next(r for r in rows if r[0] == "№")
    assert header[-1] == "Отметка об устранении"
    marks = {(r[6].split(":")[0], r[-1]) for r in rows if isinstance(r[0], int)}
    assert {m for _, m in marks} == {"не устранено", "новое"}
    fixed = [r for r in rows if r[-1] == "устранено"]
    assert len(fixed) == 1 and "(прежняя версия)" in fixed[0][2]


def test_the_deadline_runs_from_the_day_the_remarks_are_sent(tmp_path):
    # 004 п. 16: the author fixes the remarks within 5 working days «после их получения»; they are sent
    # within a working day of the check (п. 15). --sent names that day; without it, the check date.
    from openpyxl import load_workbook

    make_form(tmp_path / "in" / "Управление труда" / "перечень.xlsx", _profile(),
              [{**ROWS_OK[0], "kind": "Офлайн-точка"}])
    args = ["run", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--date", "2024-07-16"]
    res = CliRunner().invoke(main, [*args, "--sent", "2024-07-17"])
    assert res.exit_code == 1, res.output
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["files"][0]["fix_deadline"] == "2024-07-24"  # 18, 19, 22, 23, 24 July
    copy = load_workbook(tmp_path / "out" / report["files"][0]["returned_copy"])["Замечания"]
    line = next(c.value for row in copy.iter_rows(max_col=1) for c in row if c.value and "Срок" in str(c.value))
    assert "до 24.07.2024 включительно" in line and "после получения замечаний, направленных 17.07.2024" in line
    res = CliRunner().invoke(main, [*args, "--sent", "2024-07-15"])
    assert res.exit_code == 2 and "раньше даты проверки" in res.output


def _profile():
    from consolidator.profile import load_profile

    return load_profile("udmurt")


def test_list_rows_a_column_at_a_time_are_stored_as_row_objects_are(tmp_path):
    """ListRows (the run's list as columns) gives the journal the same parts, JSON byte for byte, as
    the ListRow objects of the same rows; texts that JSON escapes, and a "%" in a key, included."""
    import zlib
    from datetime import date

    from consolidator.journal.store import ListRow, ListRows, Run, _decoded, _parts

    cells = {"group": ["Личный прием", 'кавычки " и \\ обратная'], "name%": ["строка\nперенос\t", "=1+1 ☎ \x01"]}
    columns = ListRows(position=[1, 2], subdivision=["Отдел А", "Отдел Б"], version_id=[None, 7], cells=cells,
                       sheet=["Лист1", None], source_row=[5, None], reason=[None, "основание"],
                       also=[(), ("Отдел В", "Отдел Г")])
    objects = list(columns)
    assert objects[1] == ListRow(position=2, subdivision="Отдел Б", version_id=7,
                                 cells={"group": 'кавычки " и \\ обратная', "name%": "=1+1 ☎ \x01"},
                                 sheet=None, source_row=None, reason="основание", also=("Отдел В", "Отдел Г"))

    def stored(rows, name):
        with Journal(tmp_path / name) as journal:
            run_id = journal.record_run(Run(profile="udmurt", run_date=date(2025, 1, 9), finished="", complete=True,
                                            missing={}, list_path=None, list_sha256=None), rows)
            journal.commit()
            got = [zlib.decompress(b) for (b,) in journal.db.execute("SELECT rows FROM run_lists ORDER BY part")]
            assert journal.run_rows(run_id) == objects
        return got

    assert stored(columns, "a.sqlite") == stored(objects, "b.sqlite")
    # Parts of any size give the same rows, in order, as the whole list at once.
    assert list(columns.parts(size=1)) == list(_parts(objects, size=1))
    assert len(list(columns.parts(size=1))) == 2 and len(list(columns.parts())) == 1
    assert [r for text in columns.parts(size=1) for r in _decoded(text)] == objects


def test_the_runs_rows_made_a_slice_at_a_time_are_its_list_rows_at_once(tmp_path):
    # Without an approved edition, the run's rows are made from the list's frame as they are stored
    # (run._JournalRows), not all at once beside it.
    import functools
    from datetime import date
    from pathlib import Path
    from types import SimpleNamespace

    import consolidator.run as pipeline

    inbox = Path(__file__).resolve().parent.parent / "sample_inputs" / "udmurt"
    batch = pipeline.check(pipeline.Settings(_profile(), inbox, tmp_path / "out", date(2024, 7, 16), jobs=1))
    for i, f in enumerate(batch.files):
        f.version = SimpleNamespace(id=100 + i)
    rows = functools.cache(batch.accepted_rows)
    from consolidator.journal.store import _decoded

    whole = [row for text in pipeline._list_rows(batch, rows()).parts() for row in _decoded(text)]
    sliced = pipeline._JournalRows(batch, rows, chunk=2)
    assert len(whole) > 4 and len({r.version_id for r in whole}) > 1
    parts = list(sliced.parts())
    assert len(parts) > 2 and all(len(_decoded(t)) <= 2 for t in parts)
    assert len(sliced) == len(whole) and [row for text in parts for row in _decoded(text)] == whole


def test_a_version_2_journal_keeps_its_lists_in_parts_after_the_upgrade(tmp_path):
    """A journal a year old (schema 2: a list's rows a line each) is moved to schema 3 when opened: the
    latest run's list and the approved edition read back row for row as they were, and the old tables
    are gone."""
    import sqlite3
    from datetime import date

    from consolidator.journal import store
    from consolidator.journal.store import ListRow

    path = tmp_path / "журнал.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    for version in (1, 2):
        db.executescript(store._MIGRATIONS[version])
    db.execute("INSERT INTO meta VALUES ('schema_version', '2')")
    db.execute("INSERT INTO versions VALUES (1, 'Отдел А', 'ab', 10, 'Отдел А/п.xlsx', '2025-01-09', 0, 'udmurt')")
    db.execute("INSERT INTO runs (id, profile, run_date, finished, complete, missing, rows) "
               "VALUES (4, 'udmurt', '2025-01-09', '', 1, '{}', 3)")
    rows = [(4, 1, "Отдел А", 1, "Лист1", 5, None, '{"group": "Личный прием", "point": "=1+1"}', None),
            (4, 2, "Отдел А", 1, "Лист1", 6, "основание", '{"group": "Сайт", "point": "кавычки \\" "}',
             '["Отдел Б"]'),
            (4, 3, "Отдел В", None, None, None, None, '{"group": "", "point": ""}', None)]
    db.executemany("INSERT INTO run_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.execute("INSERT INTO editions VALUES (2, 'udmurt', '15', '2025-01-10', 4, 0, '')")
    db.executemany("INSERT INTO edition_rows VALUES (2, ?, ?, ?, ?, ?, ?, ?)",
                   [(r[1], r[2], r[3], r[4], r[5], r[7], r[8]) for r in rows])
    db.commit()
    db.close()

    expected = [ListRow(position=1, subdivision="Отдел А", version_id=1, sheet="Лист1", source_row=5,
                        cells={"group": "Личный прием", "point": "=1+1"}),
                ListRow(position=2, subdivision="Отдел А", version_id=1, sheet="Лист1", source_row=6,
                        reason="основание", cells={"group": "Сайт", "point": 'кавычки " '}, also=("Отдел Б",)),
                ListRow(position=3, subdivision="Отдел В", version_id=None, cells={"group": "", "point": ""})]
    with Journal(path) as journal:
        assert journal.run_rows(4) == expected
        edition = journal.edition_in_force("udmurt")
        assert (edition.number, edition.date) == ("15", date(2025, 1, 10))
        assert edition.rows == [ListRow(**{**r.__dict__, "reason": None}) for r in expected]
        tables = {t for (t,) in journal.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"run_lists", "edition_lists"} <= tables and not {"run_rows", "edition_rows"} & tables
        assert journal.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("3",)


def test_a_damaged_part_of_a_list_is_said_as_a_damaged_journal(tmp_path):
    # SQLite's own check does not look inside a part's bytes: run and approve, which read the approved
    # edition and the run's list, say the journal is damaged and how to restore it (no traceback).
    import sqlite3

    from consolidator.profile import load_profile

    make_form(tmp_path / "in" / "Отдел А" / "перечень.xlsx", load_profile("udmurt"), ROWS_OK)
    out = tmp_path / "out"
    args = ["--out", str(out)]
    res = CliRunner().invoke(main, ["run", str(tmp_path / "in"), *args, "--date", "2025-01-09"])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(main, ["approve", "--number", "5", "--date", "2025-01-10", *args])
    assert res.exit_code == 0, res.output
    with sqlite3.connect(out / "журнал.sqlite") as db:
        db.execute("UPDATE edition_lists SET rows = ?", (b"x\x9c damaged",))
    db.close()
    for command in (["run", str(tmp_path / "in"), *args, "--date", "2025-01-11"],
                    ["approve", "--number", "6", "--date", "2025-01-12", *args],
                    ["status", *args, "--date", "2025-01-12"]):
        res = CliRunner().invoke(main, command)
        assert res.exit_code == 2, res.output
        assert "поврежден" in res.output and "резервн" in res.output.lower(), res.output
    # Valid compressed JSON of the wrong shape is damage too, not an IndexError from deep inside.
    import zlib

    with sqlite3.connect(out / "журнал.sqlite") as db:
        db.execute("UPDATE edition_lists SET rows = ?", (zlib.compress(b'{"texts": [], "cells": {"a": [7]}, '
                                                                       b'"merged": [null], "position": [1], '
                                                                       b'"subdivision": [0], "version_id": [null], '
                                                                       b'"sheet": [null], "source_row": [null], '
                                                                       b'"reason": [null]}'),))
    db.close()
    res = CliRunner().invoke(main, ["run", str(tmp_path / "in"), *args, "--date", "2025-01-11"])
    assert res.exit_code == 2 and "поврежден" in res.output, res.output


def _version_2_journal(path, rows_per_run: int = 3):
    """A journal as version 2 made it, with a run's list of `rows_per_run` rows."""
    import sqlite3

    from consolidator.journal import store

    db = sqlite3.connect(path)
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    for version in (1, 2):
        db.executescript(store._MIGRATIONS[version])
    db.execute("INSERT INTO meta VALUES ('schema_version', '2')")
    db.execute("INSERT INTO runs (id, profile, run_date, finished, complete, missing, rows) "
               "VALUES (4, 'udmurt', '2025-01-09', '', 1, '{}', ?)", (rows_per_run,))
    db.executemany("INSERT INTO run_rows VALUES (4, ?, 'Отдел А', NULL, 'Лист1', ?, NULL, ?, NULL)",
                   [(i, i + 4, json.dumps({"group": "Сайт", "point": f"строка {i} " + "текст " * 40},
                                          ensure_ascii=False)) for i in range(1, rows_per_run + 1)])
    db.commit()
    db.close()


def test_a_migration_stopped_halfway_leaves_the_journal_as_it_was(tmp_path, monkeypatch):
    import sqlite3

    from consolidator.journal import store

    path = tmp_path / "журнал.sqlite"
    _version_2_journal(path)

    def stopped(db):
        raise KeyboardInterrupt("stopped")

    monkeypatch.setitem(store._CONVERSIONS, 3, stopped)
    with pytest.raises(KeyboardInterrupt):
        Journal(path)
    with sqlite3.connect(path) as db:
        tables = {t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "run_rows" in tables and "run_lists" not in tables
        assert db.execute("SELECT value FROM meta").fetchone() == ("2",)
    db.close()
    monkeypatch.undo()
    with Journal(path) as journal:  # and the next open migrates it
        assert [r.position for r in journal.run_rows(4)] == [1, 2, 3]


def test_a_migrated_journal_gives_back_the_room_of_its_old_rows(tmp_path):
    # Dropped tables' pages stay in the file unless it is compacted: the journal and every backup of it
    # would stay as big as the row-a-line lists made them.
    path = tmp_path / "журнал.sqlite"
    _version_2_journal(path, rows_per_run=20_000)
    before = path.stat().st_size
    with Journal(path) as journal:
        assert len(journal.run_rows(4)) == 20_000
    assert before > 5_000_000 and path.stat().st_size < before / 10


def test_a_journal_of_a_newer_version_is_refused_with_a_message_and_left_alone(tmp_path):
    # Two computers, one updated: the older program says what to do instead of a traceback.
    import sqlite3

    from consolidator.profile import load_profile

    make_form(tmp_path / "in" / "Отдел А" / "перечень.xlsx", load_profile("udmurt"), ROWS_OK)
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(tmp_path / "in"), "--out", str(out), "--date", "2025-01-09"])
    assert res.exit_code == 0, res.output
    with sqlite3.connect(out / "журнал.sqlite") as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.close()
    before = (out / "журнал.sqlite").read_bytes()
    for command in (["run", str(tmp_path / "in"), "--out", str(out), "--date", "2025-01-10"],
                    ["approve", "--number", "6", "--date", "2025-01-12", "--out", str(out)],
                    ["status", "--out", str(out), "--date", "2025-01-12"]):
        res = CliRunner().invoke(main, command)
        assert res.exit_code == 2 and "более новой версией программы" in res.output, res.output
    assert (out / "журнал.sqlite").read_bytes() == before
