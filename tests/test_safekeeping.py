"""The journal kept safe: dated consistent backups before a run changes it, the last few kept, and a
warning when it lies on a network drive."""
from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest

from consolidator.journal.safekeeping import (JournalDamaged, back_up, backups, backups_dir, linux_network_mount,
                                              network_warning, restore_hint, windows_network_drive)
from consolidator.journal.store import Journal
from consolidator.run import Settings, Ui, run
from tests.workbooks import make_form


def _journal(path: Path, *keys: str) -> Path:
    with Journal(path) as j:
        for k in keys:
            j.db.execute("INSERT INTO meta VALUES (?, 'x')", (k,))
    return path


def test_a_backup_is_a_consistent_database_and_only_changes_make_a_new_one(tmp_path):
    journal = _journal(tmp_path / "журнал.sqlite", "a")
    first = back_up(journal, datetime(2025, 1, 20, 9, 0, 0))
    assert first.parent == backups_dir(journal) and first.name == "журнал 2025-01-20 09-00-00.sqlite"
    assert sqlite3.connect(first).execute("SELECT key FROM meta WHERE key = 'a'").fetchone() == ("a",)
    # Unchanged: the run of the next hour makes no copy, and the older copies are not pushed out.
    assert back_up(journal, datetime(2025, 1, 20, 10, 0, 0)) == first
    _journal(journal, "b")
    second = back_up(journal, datetime(2025, 1, 20, 11, 0, 0))
    assert second != first and backups(journal) == [first, second]
    assert not list(backups_dir(journal).glob(".~tmp-*"))


def test_the_last_few_backups_are_kept(tmp_path):
    journal = _journal(tmp_path / "j.sqlite")
    for hour in range(8):
        _journal(journal, f"k{hour}")
        back_up(journal, datetime(2025, 1, 20, hour), keep=3)
    assert [p.name for p in backups(journal)] == [f"j 2025-01-20 0{h}-00-00.sqlite" for h in (5, 6, 7)]


def test_no_journal_yet_no_backup(tmp_path):
    assert back_up(tmp_path / "j.sqlite") is None
    assert "пока нет" in restore_hint(tmp_path / "j.sqlite")


def test_a_damaged_journal_is_refused_and_its_good_copies_kept(tmp_path):
    journal = _journal(tmp_path / "j.sqlite", "a")
    good = back_up(journal, datetime(2025, 1, 20, 9))
    journal.write_bytes(b"SQLite format 3\x00" + b"\x07" * 5000)
    with pytest.raises(JournalDamaged) as exc:
        back_up(journal, datetime(2025, 1, 20, 10))
    assert backups(journal) == [good]
    assert f"последняя — «{good.name}»" in str(exc.value) and "переименовав ее в «j.sqlite»" in str(exc.value)


def test_a_run_backs_up_the_journal_before_changing_it(tmp_path, udmurt):
    row = {"group": "Иные функции (сервисы)", "service": "Услуга", "point": "Личный прием", "interaction": "Прием",
           "kind": "Офлайн-точка"}
    make_form(tmp_path / "in" / "А" / "a.xlsx", udmurt, [row])
    settings = Settings(udmurt, tmp_path / "in", tmp_path / "out", date(2024, 7, 16), jobs=1)
    run(settings)
    assert backups(settings.journal_path) == []  # nothing to keep before the first run
    with Journal(settings.journal_path) as j:
        before = j.counts()
    make_form(tmp_path / "in" / "Б" / "b.xlsx", udmurt, [row])
    run(settings)
    (copy,) = backups(settings.journal_path)
    with Journal(copy) as j:
        assert j.counts() == before  # the journal as it was before the second run


MOUNTS = """sysfs /sys sysfs rw 0 0
/dev/sda1 / ext4 rw,relatime 0 0
server:/export /mnt/shared nfs4 rw,relatime 0 0
//fs/отдел /mnt/общий\\040диск cifs rw 0 0
/dev/sdb1 /mnt/shared/local ext4 rw 0 0
"""


def test_a_journal_on_a_linux_network_mount_is_found(tmp_path):
    mounts = tmp_path / "mounts"
    mounts.write_text(MOUNTS, encoding="utf-8")
    assert "nfs4" in linux_network_mount(Path("/mnt/shared/отдел/журнал.sqlite"), mounts)
    assert "cifs" in linux_network_mount(Path("/mnt/общий диск/журнал.sqlite"), mounts)
    assert linux_network_mount(Path("/mnt/shared/local/журнал.sqlite"), mounts) is None  # the nearer mount wins
    assert linux_network_mount(Path("/home/user/журнал.sqlite"), mounts) is None
    warning = network_warning(Path("/mnt/shared/журнал.sqlite"), platform="linux", mounts=mounts)
    assert warning.startswith("Внимание: журнал") and "сетевом диске" in warning and "--journal" in warning
    assert network_warning(Path("/home/журнал.sqlite"), platform="linux", mounts=mounts) is None


def test_a_journal_on_a_windows_network_drive_is_found():
    assert "сетевой путь" in windows_network_drive(r"\\server\отдел\журнал.sqlite")
    assert windows_network_drive(r"Z:\журнал.sqlite", drive_type=lambda root: 4) == "сетевой диск Z:"
    assert windows_network_drive(r"C:\журнал.sqlite", drive_type=lambda root: 3) is None


def test_the_run_warns_of_a_journal_on_a_network_drive(tmp_path, udmurt, monkeypatch):
    import consolidator.journal.safekeeping as safekeeping

    row = {"group": "Иные функции (сервисы)", "service": "Услуга", "point": "Личный прием", "interaction": "Прием",
           "kind": "Офлайн-точка"}
    make_form(tmp_path / "in" / "А" / "a.xlsx", udmurt, [row])
    monkeypatch.setattr(safekeeping, "network_drive", lambda path: "сетевой диск Z:")
    said = []
    run(Settings(udmurt, tmp_path / "in", tmp_path / "out", date(2024, 7, 16), jobs=1), Ui(say=said.append))
    assert any(s.startswith("Внимание: журнал") and "(сетевой диск Z:)" in s for s in said), said


def test_a_backup_that_cannot_be_written_is_said_and_the_run_goes_on(tmp_path, monkeypatch):
    import consolidator.run as run_module

    def refuse(path):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(run_module, "back_up", refuse)
    said = []
    run_module._keep_journal_safe(tmp_path / "j.sqlite", said.append)
    assert said and said[0].startswith("Внимание: не удалось сохранить резервную копию журнала")
