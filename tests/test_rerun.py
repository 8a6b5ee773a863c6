"""A run after a few lists arrived reads and checks only what changed (journal.checked) and writes only
the outputs whose inputs changed; its results are those of a run that checked everything. Each thing
that must make a file be checked again has its test."""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import consolidator.run as pipeline
from consolidator.cli import main
from consolidator.inbox.safety import Limits
from consolidator.journal import checked
from consolidator.journal.checked import FILE_NAME as STORE
from consolidator.profile import load_profile
from consolidator.run import Settings
from tests.workbooks import make_form

RUN_DATE = date(2024, 7, 16)
ROW = {"group": "Предоставление государственных услуг",
       "service": "Назначение ежемесячной денежной выплаты на ребенка",
       "point": "Единый портал государственных и муниципальных услуг (функций)",
       "interaction": "Подача заявления, получение уведомления о результате",
       "kind": "Онлайн-точка"}
GOOD = [ROW, {**ROW, "point": "Личный прием граждан", "kind": "Офлайн-точка"}]
BAD = [{**ROW, "group": ""}]  # an empty group: returned


@pytest.fixture(scope="module")
def profile():
    return load_profile("udmurt")


@pytest.fixture
def inbox(tmp_path, profile):
    inbox = tmp_path / "in"
    make_form(inbox / "Отдел А" / "перечень.xlsx", profile, GOOD)
    make_form(inbox / "Отдел Б" / "перечень.xlsx", profile, BAD)
    make_form(inbox / "Отдел В" / "перечень.xlsx", profile, [{**ROW, "service": "Выдача справок"}])
    return inbox


def _run(profile, inbox, out, **kw):
    return pipeline.run(Settings(profile, inbox, out, kw.pop("run_date", RUN_DATE), **kw))


def _read(batch) -> set[str]:
    """The files read and checked this time (not taken from the stored checks)."""
    return {f.path for f in batch.files if not f.from_store and f.verdict != "skipped"}


def _state(out: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(out).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in out.rglob("*") if p.is_file() and p.name != STORE and "резервные" not in str(p)}


def _report(out: Path) -> str:
    return (out / "report.json").read_text(encoding="utf-8")


def test_nothing_new_reads_nothing_and_writes_the_same(tmp_path, profile, inbox):
    out = tmp_path / "out"
    first = _run(profile, inbox, out)
    assert _read(first) == {"Отдел А/перечень.xlsx", "Отдел Б/перечень.xlsx", "Отдел В/перечень.xlsx"}
    report, before = _report(out), _state(out)
    again = _run(profile, inbox, out)
    assert _read(again) == set()
    assert _report(out) == report
    # The list, the order, the protocol and the returned copy with its letter are kept as they were.
    after = _state(out)
    for name in ("Сводный перечень.xlsx", "Проект приказа.docx", "Протокол проверки.xlsx", "report.json",
                 "на доработку/Отдел Б/перечень.xlsx", "на доработку/Отдел Б/Письмо — перечень.eml"):
        assert after[name] == before[name], name
    # The journal has nothing new either: no run was added.
    assert again.files[1].verdict == "returned" and again.files[1].fix_deadline == first.files[1].fix_deadline


def test_nothing_new_makes_no_frame_of_rows(tmp_path, profile, inbox):
    # Every output is kept: the rows of the stored checks are never opened (nor pandas needed for them).
    out = tmp_path / "out"
    _run(profile, inbox, out)
    again = _run(profile, inbox, out)
    assert again.data is None and again.data_later is not None and again.listed is None
    # Asked for, they are those of the first run's files.
    assert len(again.accepted_rows()) == 3 and again.data is not None


def test_an_output_gone_is_made_again_of_the_stored_rows(tmp_path, profile, inbox):
    out = tmp_path / "out"
    _run(profile, inbox, out)
    report = _report(out)
    listed = _cells(out / "Сводный перечень.xlsx")
    for name in ("Сводный перечень.xlsx", "Проект приказа.docx"):
        (out / name).unlink()
    again = _run(profile, inbox, out)
    # The list made of the stored rows; the frame of every row let go once the list's rows were made.
    assert _read(again) == set() and again.listed is not None and again.data is None
    assert _cells(out / "Сводный перечень.xlsx") == listed
    assert (out / "Проект приказа.docx").read_bytes()[:2] == b"PK"
    assert _report(out) == report


def _cells(path: Path) -> list:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return [book.get_sheet_by_name(name).to_python() for name in book.sheet_names]


def test_results_are_those_of_a_full_check(tmp_path, profile, inbox):
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    _run(profile, inbox, out)
    make_form(inbox / "Отдел Г" / "перечень.xlsx", profile, [{**ROW, "service": "Новая услуга"}])
    again = _run(profile, inbox, out)
    assert _read(again) == {"Отдел Г/перечень.xlsx"}
    full = _run(profile, inbox, fresh)
    assert _report(out) == _report(fresh)
    assert again.accepted_rows().to_dict("list") == full.accepted_rows().to_dict("list")
    # The kept files' equal texts are one object each, as the rows read are (run._with_kept_rows).
    rows = again.accepted_rows()
    kept = rows[rows["file"] != 3]
    for key in ("group", "point", "kind"):
        values = kept[key].tolist()
        assert len(values) > len(set(values)) and len({id(v) for v in values}) == len(set(values))


def test_the_journal_keeps_the_list_rows_when_only_a_returned_file_is_new(tmp_path, profile, inbox, monkeypatch):
    # A file returned (or gone) changes what the list says of the files, not its rows: the run's rows
    # in the journal are the last run's, not encoded and stored again; a new accepted file's are.
    from consolidator.journal import store
    from consolidator.journal.store import Journal

    out = tmp_path / "out"
    _run(profile, inbox, out)
    stored: list[bytes] = []
    packed = store._packed
    monkeypatch.setattr(store, "_packed", lambda text: stored.append(packed(text)) or stored[-1])

    def rows_of_last_run():
        with Journal(out / "журнал.sqlite") as journal:
            last = journal.last_run("udmurt")
            return last.id, [(r.position, r.subdivision, r.cells) for r in journal.run_rows(last.id)]

    first_id, first_rows = rows_of_last_run()
    make_form(inbox / "Отдел Г" / "перечень.xlsx", profile, BAD)
    again = _run(profile, inbox, out)
    assert again.files[3].verdict == "returned" and stored == []
    second_id, second_rows = rows_of_last_run()
    assert second_id != first_id and second_rows == first_rows
    make_form(inbox / "Отдел Д" / "перечень.xlsx", profile, [{**ROW, "service": "Новая услуга"}])
    _run(profile, inbox, out)
    assert stored and len(rows_of_last_run()[1]) == len(first_rows) + 1


def test_a_changed_file_is_checked_again(tmp_path, profile, inbox):
    out = tmp_path / "out"
    _run(profile, inbox, out)
    make_form(inbox / "Отдел Б" / "перечень.xlsx", profile, GOOD)  # fixed
    again = _run(profile, inbox, out)
    assert _read(again) == {"Отдел Б/перечень.xlsx"}
    assert [f.verdict for f in again.files] == ["accepted", "accepted", "accepted"]
    # Its returned copy and letter are gone with the remarks.
    assert not (out / "на доработку").exists()


def test_a_file_moved_to_another_subdivision_is_checked_again(tmp_path, profile, inbox):
    out = tmp_path / "out"
    _run(profile, inbox, out)
    (inbox / "Отдел Д").mkdir()
    os.replace(inbox / "Отдел В" / "перечень.xlsx", inbox / "Отдел Д" / "перечень.xlsx")
    again = _run(profile, inbox, out)
    assert _read(again) == {"Отдел Д/перечень.xlsx"}
    assert {f.subdivision for f in again.files} == {"Отдел А", "Отдел Б", "Отдел Д"}


def test_an_edited_profile_checks_everything_again(tmp_path, profile, inbox):
    out = tmp_path / "out"
    _run(profile, inbox, out)
    edited = tmp_path / "udmurt.yaml"
    edited.write_text(Path(profile.source).read_text(encoding="utf-8") + "\n# правка\n", encoding="utf-8")
    again = _run(load_profile(edited), inbox, out)
    assert len(_read(again)) == 3


def test_another_registry_checks_everything_again(tmp_path, profile, inbox):
    from consolidator.inbox.registry import read_registry

    out = tmp_path / "out"
    root = Path(__file__).resolve().parent.parent
    _run(profile, inbox, out)
    registry = read_registry(root / "sample_inputs" / "реестр-udmurt.xlsx", profile)
    again = _run(dataclasses.replace(profile, registry=registry), inbox, out)
    assert len(_read(again)) == 3


def test_other_size_limits_check_everything_again(tmp_path, profile, inbox):
    out = tmp_path / "out"
    _run(profile, inbox, out)
    again = _run(profile, inbox, out, limits=Limits.from_env(50))
    assert len(_read(again)) == 3


def test_another_version_of_the_checks_checks_everything_again(tmp_path, profile, inbox, monkeypatch):
    out = tmp_path / "out"
    _run(profile, inbox, out)
    monkeypatch.setattr(checked, "code_digest", lambda: "a changed check")
    again = _run(profile, inbox, out)
    assert len(_read(again)) == 3


def test_a_later_check_date_reads_nothing_but_writes_anew(tmp_path, profile, inbox):
    out = tmp_path / "out"
    first = _run(profile, inbox, out)
    before = _state(out)
    again = _run(profile, inbox, out, run_date=date(2024, 7, 18))
    assert _read(again) == set()
    # The deadline runs from the first check of this version (п. 15-16), the date of the check is new.
    assert again.files[1].fix_deadline == first.files[1].fix_deadline
    assert json.loads(_report(out))["run_date"] == "2024-07-18"
    after = _state(out)
    assert after["Протокол проверки.xlsx"] != before["Протокол проверки.xlsx"]
    assert after["на доработку/Отдел Б/перечень.xlsx"] != before["на доработку/Отдел Б/перечень.xlsx"]


def test_recheck_reads_everything_and_gives_the_same(tmp_path, profile, inbox):
    out = tmp_path / "out"
    _run(profile, inbox, out)
    report = _report(out)
    again = _run(profile, inbox, out, recheck=True)
    assert len(_read(again)) == 3
    assert _report(out) == report


def test_an_output_changed_by_hand_is_written_again(tmp_path, profile, inbox):
    out = tmp_path / "out"
    _run(profile, inbox, out)
    report = _report(out)
    (out / "Сводный перечень.xlsx").write_bytes(b"edited by hand")
    (out / "на доработку" / "Отдел Б" / "перечень.xlsx").unlink()
    (out / "report.json").write_text("{}", encoding="utf-8")
    _run(profile, inbox, out)
    assert (out / "Сводный перечень.xlsx").read_bytes()[:2] == b"PK"
    assert (out / "на доработку" / "Отдел Б" / "перечень.xlsx").read_bytes()[:2] == b"PK"
    assert _report(out) == report
    (out / "report.json").unlink()
    _run(profile, inbox, out)
    assert _report(out) == report


def test_a_file_gone_from_the_inbox_is_forgotten(tmp_path, profile, inbox):
    out = tmp_path / "out"
    _run(profile, inbox, out)
    (inbox / "Отдел Б" / "перечень.xlsx").unlink()
    again = _run(profile, inbox, out)
    assert _read(again) == set()
    # Its subdivision still owes a corrected list: the list lacks it, its copy and letter stay.
    assert [o["name"] for o in again.owing] == ["Отдел Б"]
    assert sorted(p.name for p in (out / "на доработку" / "Отдел Б").iterdir()) == [
        "Письмо — перечень.eml", "перечень.xlsx"]
    keys = checked.CheckedStore(out).load([f.check_key for f in again.files])
    assert len(keys) == 2


def test_a_damaged_store_checks_everything(tmp_path, profile, inbox):
    out = tmp_path / "out"
    _run(profile, inbox, out)
    report = _report(out)
    (out / STORE).write_bytes(b"\0" * 4096)
    again = _run(profile, inbox, out)
    assert len(_read(again)) == 3 and _report(out) == report
    assert len(_read(_run(profile, inbox, out))) == 0  # and it is made anew


def test_the_command_has_recheck(tmp_path, inbox):
    out = tmp_path / "out"
    args = ["run", str(inbox), "--out", str(out), "--profile", "udmurt", "--date", "2024-07-16"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 1 and "не проверялись заново" not in first.output
    # The operator is told what the run took from the last one, and how to check everything again.
    again = CliRunner().invoke(main, args)
    assert "Не изменились с прошлого запуска и не проверялись заново: 3" in again.output and "--recheck" in again.output
    result = CliRunner().invoke(main, [*args, "--recheck"])
    assert result.exit_code == 1, result.output
    assert "не проверялись заново" not in result.output
    assert "--recheck" in CliRunner().invoke(main, ["run", "--help"]).output


def test_the_profile_is_chosen_again_without_reading_unchanged_files(tmp_path, inbox, monkeypatch):
    import consolidator.inbox.read as read

    out = tmp_path / "out"
    first = pipeline.main(Settings(None, inbox, out, RUN_DATE))
    assert first.profile.key == "udmurt"
    surveyed: list[set[str]] = []
    real = read.survey

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        surveyed.append({p.name for p in result.files})
        return result

    monkeypatch.setattr(read, "survey", spy)
    monkeypatch.setattr(pipeline, "start_side_process", lambda settings: None)  # no small-inbox survey aside
    again = pipeline.main(Settings(None, inbox, out, RUN_DATE, jobs=1))
    assert again.profile.key == "udmurt" and _read(again) == set() and surveyed == [set()]
    make_form(inbox / "Отдел Г" / "перечень.xlsx", load_profile("udmurt"), GOOD)
    third = pipeline.main(Settings(None, inbox, out, RUN_DATE, jobs=1))
    assert third.profile.key == "udmurt" and _read(third) == {"Отдел Г/перечень.xlsx"}
    assert surveyed[-1] == {"перечень.xlsx"}  # the new file alone was read to choose the profile


def test_copies_of_files_now_accepted_go_even_with_recheck(tmp_path, profile, inbox):
    out = tmp_path / "out"
    _run(profile, inbox, out)
    assert (out / "на доработку" / "Отдел Б" / "перечень.xlsx").exists()
    make_form(inbox / "Отдел Б" / "перечень.xlsx", profile, GOOD)
    (out / STORE).unlink()  # nothing known of the last run's copies
    _run(profile, inbox, out, recheck=True)
    assert not (out / "на доработку").exists()


def test_the_inbox_is_walked_once_and_each_run_gets_its_own_files(tmp_path, inbox):
    # Settings.make walks the inbox (10,000 folders take a third of a second); the run takes its files
    # from there, as new objects each time (a run sets their verdicts).
    from consolidator.inbox.files import discover

    settings = Settings.make(inbox, tmp_path / "out", RUN_DATE, profile="udmurt")
    first, second = settings.found(), settings.found()
    assert [(f.path, f.source, f.subdivision) for f in first] == [
        (f.path, f.source, f.subdivision) for f in discover(inbox)]
    first[0].verdict = "returned"
    assert second[0].verdict == "accepted" and settings.found()[0] is not first[0]
    batch = pipeline.run(dataclasses.replace(settings, profile=load_profile("udmurt")))
    assert [f.path for f in batch.files] == [f.path for f in first]


def test_an_inbox_checked_before_is_not_surveyed_by_the_second_process(tmp_path, inbox, monkeypatch):
    # The second process reads a small inbox to choose the profile by, unless a run before checked it
    # into the same results: its unchanged files are then not read at all.
    given = []

    class Side:
        def __init__(self, years, inbox=None, profile=None, limits=None):
            given.append(inbox)

    monkeypatch.setattr(pipeline, "SideProcess", Side)
    out = tmp_path / "out"
    settings = Settings.make(inbox, out, RUN_DATE)
    pipeline.start_side_process(settings)
    _run(load_profile("udmurt"), inbox, out)
    pipeline.start_side_process(settings)
    pipeline.start_side_process(dataclasses.replace(settings, recheck=True))
    assert given == [inbox, None, inbox]


def test_a_changed_file_now_unreadable_among_kept_ones(tmp_path, inbox):
    # The profile chosen from the files, every other file kept: the broken one gets its verdict.
    out = tmp_path / "out"
    pipeline.main(Settings.make(inbox, out, RUN_DATE))
    (inbox / "Отдел В" / "перечень.xlsx").write_bytes(b"PK\x03\x04 not a workbook at all" * 10)
    again = pipeline.main(Settings.make(inbox, out, RUN_DATE))
    verdicts = {f.path: f.verdict for f in again.files}
    assert verdicts["Отдел В/перечень.xlsx"] == "unreadable"
    assert verdicts["Отдел А/перечень.xlsx"] == "accepted" and _read(again) == {"Отдел В/перечень.xlsx"}
    assert json.loads(_report(out))["consolidated"]["rows"] == 2


def test_damaged_kept_rows_stop_the_run_and_the_next_checks_everything(tmp_path, profile, inbox):
    import sqlite3

    out = tmp_path / "out"
    _run(profile, inbox, out)
    with sqlite3.connect(out / STORE) as db:
        db.execute("UPDATE checked SET rows = ? WHERE rows IS NOT NULL", (b"damaged",))
    (out / "Сводный перечень.xlsx").unlink()  # written again: the kept rows are opened
    with pytest.raises(pipeline.SettingsError, match="повреждены"):
        _run(profile, inbox, out)
    assert not (out / STORE).exists()
    again = _run(profile, inbox, out)
    assert len(_read(again)) == 3 and (out / "Сводный перечень.xlsx").exists()


@contextlib.contextmanager
def _held(out: Path, seconds: float):
    """The results folder held by another run for `seconds` (from a thread) while the block runs; the
    block starts once it is held."""
    from consolidator.outputs.lock import out_lock

    held = threading.Event()

    def hold():
        with out_lock(out):
            held.set()
            time.sleep(seconds)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait()
    try:
        yield
    finally:
        holder.join()


def test_a_run_that_waited_for_the_folder_looks_at_the_inbox_again(tmp_path, profile, inbox):
    # Settings.make lists the inbox before the run has the results folder; a run that had to wait for it
    # (another run had it) lists the inbox again: files may have come meanwhile.
    out = tmp_path / "out"
    settings = dataclasses.replace(Settings.make(inbox, out, RUN_DATE), profile=profile, lock_timeout=30)
    make_form(inbox / "Отдел Г" / "перечень.xlsx", profile, GOOD)  # came after the listing
    with _held(out, 1.0):
        batch = pipeline.run(settings)
    assert "Отдел Г/перечень.xlsx" in {f.path for f in batch.files}
    quiet = pipeline.run(dataclasses.replace(settings, out=tmp_path / "other"))
    assert "Отдел Г/перечень.xlsx" not in {f.path for f in quiet.files}  # no wait: the listing stands


def test_a_run_that_waited_drops_the_survey_made_before_the_wait(tmp_path, profile, inbox):
    # The profile chosen from the files: the survey (and its listing) was made before the wait.
    out = tmp_path / "out"
    settings = dataclasses.replace(Settings.make(inbox, out, RUN_DATE), lock_timeout=30, jobs=1)
    make_form(inbox / "Отдел Г" / "перечень.xlsx", profile, GOOD)  # came after the listing
    with _held(out, 1.5):
        batch = pipeline.main(settings)
    assert {f.path: f.verdict for f in batch.files}["Отдел Г/перечень.xlsx"] == "accepted"
