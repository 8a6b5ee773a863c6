"""The command line as a user meets it: Russian messages, exit codes, warnings."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from consolidator.cli import EXIT_USAGE, main
from tests.workbooks import make_form

ROOT = Path(__file__).resolve().parent.parent


def test_click_speaks_russian():
    res = CliRunner().invoke(main, ["run", "x", "--date", "31.02.2024"])
    assert res.exit_code == EXIT_USAGE
    assert "Ошибка: Неверное значение «--date»: «31.02.2024» — не дата: укажите ее как ГГГГ-ММ-ДД" in res.output
    assert "%Y" not in res.output
    assert "Показать эту справку и выйти." in CliRunner().invoke(main, ["--help"]).output
    assert "Нет параметра «--nope»" in CliRunner().invoke(main, ["run", "--nope"]).output
    assert "Возможно, имелось в виду «run»?" in CliRunner().invoke(main, ["rnu"]).output
    jobs = CliRunner().invoke(main, ["run", "x", "--jobs", "0"]).output
    assert "Неверное значение «--jobs»: 0, а нужно не меньше 1." in jobs
    missing = CliRunner().invoke(main, ["run", "x", "--org", "нет.yaml"]).output
    assert "Файл «нет.yaml» отсутствует." in missing


def test_help_speaks_plain_russian():
    # No programmer's placeholders, no straight quotes, no help line cut short with «...».
    runner = CliRunner()
    top = runner.invoke(main, ["--help"]).output
    assert "..." not in top.split("Команды:")[1], top
    for command in ("run", "status", "rules", "template", "profiles"):
        text = runner.invoke(main, [command, "--help"]).output
        for word in ("TEXT", "FLOAT", "INTEGER", "RANGE", "FILE", "INBOX", "PATH", "DIRECTORY", "x>=", "<=x", "'"):
            assert word not in text, (command, word, text)
    assert "ВХОДЯЩИЕ" in runner.invoke(main, ["run", "--help"]).output
    assert "[по умолчанию: 50; от 1 до 10000]" in runner.invoke(main, ["template", "--help"]).output


def test_the_inbox_must_be_given(tmp_path, monkeypatch):
    # Without it the run once processed the demo files into a real results folder and journal.
    monkeypatch.chdir(ROOT)
    res = CliRunner().invoke(main, ["run", "--out", str(tmp_path / "out")])
    assert res.exit_code == EXIT_USAGE
    assert "Не указана папка входящих" in res.output and "consolidator run ВХОДЯЩИЕ --out" in res.output
    assert not (tmp_path / "out").exists()


def test_a_folder_without_workbooks_is_not_success(tmp_path):
    (tmp_path / "in" / "Отдел").mkdir(parents=True)
    (tmp_path / "in" / "Отдел" / "письмо.txt").write_text("Направляем перечень", encoding="utf-8")
    (tmp_path / "in" / "Отдел" / "~$перечень.xlsx").write_bytes(b"lock")
    res = CliRunner().invoke(main, ["run", str(tmp_path / "in"), "--out", str(tmp_path / "out")])
    assert res.exit_code == EXIT_USAGE
    assert "нет ни одной книги Excel" in res.output and "Отдел/письмо.txt" in res.output
    assert not (tmp_path / "out").exists()


def test_console_tables_fit_a_console(tmp_path, udmurt):
    long = "Управление социальной поддержки граждан пожилого возраста и инвалидов, и еще очень длинное имя"
    make_form(tmp_path / "in" / long / "перечень точек взаимодействия (пожилые, инвалиды).xlsx", udmurt,
              [{"group": "Иные", "service": "Услуга", "point": "Личный прием", "interaction": "Прием",
                "kind": "Офлайн-точка"}])
    res = CliRunner().invoke(main, ["run", str(tmp_path / "in"), "--out", str(tmp_path / "out"),
                                    "--profile", "udmurt", "--date", "2024-07-16"])
    table = res.output.split("Результаты проверки по файлам:\n", 1)[1].split("\n\n", 1)[0]
    assert max(map(len, table.splitlines())) <= 100, table
    assert "возвращен на доработку" in table and "пожилого возраста" in table  # wrapped, not cut
    assert "инвалиды).xlsx" in table and long.split()[-1] in table
    status = CliRunner().invoke(main, ["status", "--out", str(tmp_path / "out"), "--date", "2025-01-20"]).output
    body = status.split("\n\nСтатусы на", 1)[0]
    assert max(map(len, body.splitlines())) <= 100, status
    assert "раб. дн." in body  # the overdue days with their unit
    assert f"{long}/" not in body.replace("\n", "")  # the subdivision is not repeated in the version
    rules = CliRunner().invoke(main, ["rules", "--profile", "sverdlovsk"]).output
    assert max(map(len, rules.splitlines())) <= 100


def test_table_lines_wrap_and_separate_rows():
    from consolidator.cli.console import table_lines

    lines = table_lines(["Файл", "Число"], [["папка/" + "а" * 30 + "/файл.xlsx", "1"], ["b.xlsx", "22"]], width=20)
    assert max(map(len, lines)) <= 20 and lines[-1].startswith("b.xlsx")
    assert "" in lines  # rows of several lines stand apart
    assert "".join(l.split()[0] for l in lines[2:lines.index("")]) == "папка/" + "а" * 30 + "/файл.xlsx"
    assert lines[2].split()[-1] == "1"


def test_status_names_the_journal_it_reads_and_the_backups(tmp_path, udmurt):
    make_form(tmp_path / "in" / "А" / "a.xlsx", udmurt, [{"group": "Иные функции (сервисы)", "service": "Услуга",
                                                         "point": "Личный прием", "interaction": "Прием",
                                                         "kind": "Офлайн-точка"}])
    journal = tmp_path / "где-то" / "мой журнал.sqlite"
    args = ["--out", str(tmp_path / "out"), "--journal", str(journal)]
    for _ in range(2):
        CliRunner().invoke(main, ["run", str(tmp_path / "in"), *args, "--date", "2024-07-16"])
    res = CliRunner().invoke(main, ["status", *args, "--date", "2024-07-20"])
    assert res.exit_code == 0, res.output
    assert f"Журнал представлений: {journal}." in res.output
    assert "Резервные копии журнала — в папке" in res.output and "мой журнал — резервные копии" in res.output
    journal.write_bytes(b"not a database at all" * 100)
    res = CliRunner().invoke(main, ["status", *args])
    assert res.exit_code == EXIT_USAGE and "поврежден" in res.output and "замените файл" in res.output
    res = CliRunner().invoke(main, ["run", str(tmp_path / "in"), *args])
    assert res.exit_code == EXIT_USAGE and "поврежден" in res.output


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


def test_a_long_inbox_lists_on_the_console_only_the_files_not_accepted(tmp_path, udmurt, monkeypatch):
    import consolidator.cli.run as cli_run

    monkeypatch.setattr(cli_run, "CONSOLE_FILES", 2)
    good = {"group": "Иные функции (сервисы)", "service": "Услуга", "point": "Личный прием", "interaction": "Прием",
            "kind": "Офлайн-точка"}
    make_form(tmp_path / "in" / "Отдел А" / "принятый.xlsx", udmurt, [good])
    make_form(tmp_path / "in" / "Отдел Б" / "принятый.xlsx", udmurt, [good])
    make_form(tmp_path / "in" / "Отдел В" / "возвращенный.xlsx", udmurt, [{**good, "kind": "Онлайн-точка"}])
    res = CliRunner().invoke(main, ["run", str(tmp_path / "in"), "--out", str(tmp_path / "out"),
                                    "--profile", "udmurt", "--date", "2024-07-16"])
    assert "Результаты проверки по файлам, кроме принятых (2; все файлы — в протоколе проверки):" in res.output
    assert "возвращенный.xlsx" in res.output and "принятый.xlsx" not in res.output
