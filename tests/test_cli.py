"""The command line as a user meets it: Russian messages, exit codes, warnings."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from consolidator.cli import EXIT_USAGE, main
from tests.workbooks import make_form

ROOT = Path(__file__).resolve().parent.parent


def test_click_speaks_russian():
    res = CliRunner().invoke(main, ["run", "--date", "31.02.2024"])
    assert res.exit_code == EXIT_USAGE
    assert "Ошибка: Неверное значение '--date'" in res.output and "не дата" in res.output
    assert "Показать эту справку и выйти." in CliRunner().invoke(main, ["--help"]).output
    assert "Нет параметра '--nope'" in CliRunner().invoke(main, ["run", "--nope"]).output


def test_empty_inbox_is_a_usage_error(tmp_path):
    (tmp_path / "in").mkdir()
    res = CliRunner().invoke(main, ["run", str(tmp_path / "in"), "--out", str(tmp_path / "out")])
    assert res.exit_code == EXIT_USAGE and "нет ни одного файла" in res.output


def test_incomplete_list_is_announced(tmp_path, udmurt):
    ok = {"group": "Предоставление государственных услуг", "service": "Выдача удостоверения",
          "point": "Личный прием", "interaction": "Подача заявления", "kind": "Офлайн-точка"}
    make_form(tmp_path / "in" / "А" / "a.xlsx", udmurt, [ok])
    make_form(tmp_path / "in" / "Б" / "b.xlsx", udmurt, [{**ok, "kind": "Онлайн-точка"}])
    res = CliRunner().invoke(main, ["run", str(tmp_path / "in"), "--out", str(tmp_path / "out"),
                                    "--profile", "udmurt", "--date", "2024-07-16"])
    assert res.exit_code == 1
    assert "(строк: 1)" in res.output
    assert "Внимание:" in res.output and "НЕПОЛНЫЙ" in res.output


def test_root_file_named_by_its_form_or_stem(tmp_path, udmurt):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "шифр.xlsx").write_bytes(b"not a workbook")
    make_form(tmp_path / "in" / "перечень.xlsx", udmurt, [], subdivision="Отдел опеки")
    res = CliRunner().invoke(main, ["run", str(tmp_path / "in"), "--out", str(tmp_path / "out"),
                                    "--profile", "udmurt"])
    import json
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    names = {f["path"]: f["subdivision"] for f in report["files"]}
    assert names == {"шифр.xlsx": "шифр", "перечень.xlsx": "Отдел опеки"}, res.output


def test_journal_inside_the_inbox_is_refused(tmp_path, udmurt):
    make_form(tmp_path / "in" / "a.xlsx", udmurt, [])
    res = CliRunner().invoke(main, ["run", str(tmp_path / "in"), "--out", str(tmp_path / "out"),
                                    "--journal", str(tmp_path / "in" / "j.sqlite")])
    assert res.exit_code == EXIT_USAGE and "Журнал" in res.output
    assert not (tmp_path / "in" / "j.sqlite").exists() and not (tmp_path / "out").exists()


def test_bad_org_file_is_reported_before_reading(tmp_path, udmurt):
    make_form(tmp_path / "in" / "a.xlsx", udmurt, [])
    org = tmp_path / "org.yaml"
    org.write_text("no_such_key: 1\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["run", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--org", str(org)])
    assert res.exit_code == EXIT_USAGE and "no_such_key" in res.output
    assert "Профиль определен" not in res.output


def test_commands_that_do_not_check_files_do_not_import_pandas(tmp_path):
    # pandas and pandera take about a second to import: a command that does not check files must not pay it.
    import subprocess
    import sys

    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["run", str(ROOT / "sample_inputs" / "udmurt"), "--out", str(out),
                                    "--date", "2024-07-16"])
    assert (out / "журнал.sqlite").exists(), res.output
    code = ("import sys; from click.testing import CliRunner; from consolidator.cli import main; "
            "r = CliRunner().invoke(main, sys.argv[1:]); assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in ('pandas', 'pandera', 'openpyxl', 'docx') if m in sys.modules))")
    for args in (["--help"], ["profiles"], ["rules", "--profile", "udmurt"],
                 ["status", "--out", str(out), "--date", "2024-07-20"]):
        out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "[]", (args, out.stdout, out.stderr)


def test_the_command_ends_at_once_with_the_same_exit_codes_and_all_its_output(tmp_path):
    # `python -m consolidator` skips the interpreter's clean-up (cli.entry): codes and piped output stay whole.
    import subprocess
    import sys

    def cmd(*args):
        return subprocess.run([sys.executable, "-m", "consolidator", *args], capture_output=True, text=True)

    assert cmd("--help").returncode == 0
    missing = cmd("run", str(tmp_path / "нет такой папки"))
    assert missing.returncode == 2 and "не найдена" in missing.stderr
    inbox = Path(__file__).parent.parent / "sample_inputs" / "udmurt"
    done = cmd("run", str(inbox), "--out", str(tmp_path / "out"), "--date", "2024-07-16")
    assert done.returncode == 1  # the samples include files returned on purpose
    assert done.stdout.rstrip().endswith("Протокол проверки.xlsx.")  # the last line reached the pipe
    assert (tmp_path / "out" / "report.json").exists() and (tmp_path / "out" / "Проект приказа.docx").exists()
