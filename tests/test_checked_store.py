"""The stored checks of a results folder (journal.checked): what keys a file's check, and a store that
is damaged or of another version is an empty one, never an error."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from consolidator.journal import checked
from consolidator.journal.checked import FILE_NAME, CheckedStore, file_key, rules_digest
from consolidator.profile import load_profile


@pytest.fixture(scope="module")
def udmurt():
    return load_profile("udmurt")


def test_stored_checks_come_back(tmp_path):
    store = CheckedStore(tmp_path)
    entry = {"verdict": "accepted", "values": [["1", "=СУММ(A1)", None, "«текст»"]], "remarks": []}
    store.save([], {"a": entry, "b": {"verdict": "returned"}})
    assert store.load(["a", "c"]) == {"a": entry}
    # What the run kept and what it checked anew stay; the checks of files gone are forgotten.
    store.save(["a"], {"c": {"verdict": "unreadable"}})
    assert store.load(["a", "b", "c"]) == {"a": entry, "c": {"verdict": "unreadable"}}
    # A file checked again (--recheck) has its new check kept.
    store.save([], {"a": {"verdict": "returned"}})
    assert store.load(["a", "c"]) == {"a": {"verdict": "returned"}}


def test_rows_can_stay_packed_until_needed(tmp_path):
    store = CheckedStore(tmp_path)
    entry = {"verdict": "accepted", "columns": ["sheet", "row", "point"],
             "values": [{"all": "Лист1", "n": 2}, {"from": 5, "n": 2}, ["Сайт", "=1+1"]], "remarks": []}
    store.save([], {"a": entry})
    packed = store.load(["a"], rows=False)["a"]
    assert isinstance(packed["values"], bytes) and packed["verdict"] == "accepted"
    assert checked.stored_rows(packed["columns"], packed["values"]) == {
        "sheet": ["Лист1", "Лист1"], "row": [5, 6], "point": ["Сайт", "=1+1"]}
    assert store.load(["a"])["a"] == entry


def test_outputs_are_remembered_apart(tmp_path):
    store = CheckedStore(tmp_path)
    assert store.outputs() == {}
    store.save([], {"a": {"verdict": "accepted"}})
    store.save_outputs({"digest": "x", "files": {"Сводный перечень.xlsx": [10, 20, "y"]}})
    assert store.outputs() == {"digest": "x", "files": {"Сводный перечень.xlsx": [10, 20, "y"]}}
    assert store.load(["a"]) == {"a": {"verdict": "accepted"}}


def test_no_store_or_a_damaged_one_is_empty(tmp_path):
    store = CheckedStore(tmp_path)
    assert store.load(["a"]) == {}
    (tmp_path / FILE_NAME).write_bytes(b"not a database at all" * 100)
    assert store.load(["a"]) == {} and store.outputs() == {}
    store.save([], {"a": {"verdict": "accepted"}})  # made anew
    assert store.load(["a"]) == {"a": {"verdict": "accepted"}}


def test_a_store_of_another_version_is_empty(tmp_path):
    store = CheckedStore(tmp_path)
    store.save([], {"a": {"verdict": "accepted"}})
    with sqlite3.connect(tmp_path / FILE_NAME) as db:
        db.execute("PRAGMA user_version = 99")
    assert store.load(["a"]) == {}


def test_a_file_is_keyed_by_its_bytes_and_place(udmurt):
    rules = rules_digest(udmurt, None)
    key = file_key(rules, "Отдел/перечень.xlsx", "ab" * 32)
    assert key == file_key(rules, "Отдел/перечень.xlsx", "ab" * 32)
    assert key != file_key(rules, "Отдел/перечень.xlsx", "cd" * 32)  # other bytes
    assert key != file_key(rules, "Другой отдел/перечень.xlsx", "ab" * 32)  # another subdivision


def test_the_rules_digest_follows_profile_registry_limits_and_code(udmurt, tmp_path, monkeypatch):
    import dataclasses

    base = rules_digest(udmurt, None)
    assert rules_digest(load_profile("udmurt"), None) == base
    assert rules_digest(load_profile("sverdlovsk"), None) != base
    # The profile's file edited.
    copy = tmp_path / "udmurt.yaml"
    copy.write_text(Path(udmurt.source).read_text(encoding="utf-8") + "\n# правка\n", encoding="utf-8")
    assert rules_digest(dataclasses.replace(udmurt, source=copy), None) != base
    # A registry given.

    class Registry:
        def to_json(self):
            return {"processes": [["Услуга", "Отдел"]]}

    assert rules_digest(dataclasses.replace(udmurt, registry=Registry()), None) != base
    # Other size limits.
    assert rules_digest(udmurt, (200, 100)) != base
    # Another version of the program's checks.
    checked.code_digest.cache_clear()
    monkeypatch.setattr(checked, "_CHECKING_CODE", checked._CHECKING_CODE[:-1])
    try:
        assert rules_digest(udmurt, None) != base
    finally:
        checked.code_digest.cache_clear()


def test_one_output_is_read_alone(tmp_path):
    store = CheckedStore(tmp_path)
    assert store.output("profile") is None
    store.save_outputs({"profile": "udmurt", "copies": {"a.xlsx": {"digest": "d"}}})
    assert store.output("profile") == "udmurt" and store.output("list") is None
    (tmp_path / FILE_NAME).write_bytes(b"not a database at all" * 100)
    assert store.output("profile") is None
