"""The ministry's process registry (004 пп. 6, 7, 9; 000 пп. 2.1, 2.6, 3.3(1); 001 пп. 4, 15(1)): the
services of the lists against it, the processes it has that the list lacks, and how it changed since
the approved edition. The sample registry (scripts/make_registry.py) plants one difference of each kind."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from consolidator.cli import main

ROOT = Path(__file__).resolve().parent.parent
INBOX = ROOT / "sample_inputs" / "udmurt"
REGISTRY = ROOT / "sample_inputs" / "реестр-udmurt.xlsx"


def _cli(*args) -> tuple[int, str]:
    res = CliRunner().invoke(main, list(map(str, args)))
    return res.exit_code, res.output


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    out = tmp_path_factory.mktemp("registry") / "out"
    code, text = _cli("run", INBOX, "--out", out, "--date", "2024-07-16", "--registry", REGISTRY)
    return out, code, text, json.loads((out / "report.json").read_text(encoding="utf-8"))


def _remarks(report, code):
    return {(f["path"].split("/")[0], r["cell"]): r for f in report["files"] for r in f["remarks"] if r["code"] == code}


def test_services_are_checked_against_the_registry(checked):
    out, code, text, report = checked
    assert code == 1
    [(where, remark)] = _remarks(report, "UD-REGISTRY").items()
    assert where == ("Управление социальной поддержки семей с детьми", "C15")
    assert "Возможно, имелось в виду: «Информирование о мерах социальной поддержки семей, имеющих детей»" in \
        remark["message"]
    assert list(_remarks(report, "UD-REGISTRY-GROUP")) == [("Управление организационной и кадровой работы", "B12")]
    [(where, owner)] = _remarks(report, "UD-REGISTRY-OWNER").items()
    assert where == ("Отдел по работе с обращениями граждан", "C9") and owner["severity"] == "warning"
    assert "«Управление стратегического развития»" in owner["message"]
    # A warning returns nothing: the appeals department's file is accepted.
    verdicts = {f["path"].split("/")[0]: f["verdict"] for f in report["files"]}
    assert verdicts["Отдел по работе с обращениями граждан"] == "accepted"


def test_the_registrys_processes_the_list_lacks_are_shown_by_owner(checked):
    out, _, text, report = checked
    unlisted = {(p["owner"], p["process"]) for p in report["registry"]["unlisted"]}
    assert ("Управление труда и занятости населения", "Организация профессионального обучения безработных граждан") \
        in unlisted
    numbers = [c.value for c in load_workbook(REGISTRY)["Реестр"]["A"] if isinstance(c.value, int)]
    assert report["registry"]["processes"] == len(numbers) == max(numbers)
    assert "процессов — " in text and "без точек в сводном перечне" in text
    summary = load_workbook(out / "Сводный перечень.xlsx")["Сводка"]
    texts = [c.value for row in summary.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("Процессы реестра без точек взаимодействия в сводном перечне: ") for t in texts)
    assert "Организация профессионального обучения безработных граждан" in texts
    protocol = load_workbook(out / "Протокол проверки.xlsx")
    assert "Реестр процессов" in protocol.sheetnames


def test_without_the_registry_the_run_says_it_was_not_checked(tmp_path):
    code, text = _cli("run", INBOX, "--out", tmp_path / "out", "--date", "2024-07-16")
    assert text.count("Реестр процессов Министерства не задан (--registry)") == 1
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["registry"] is None
    assert not any("REGISTRY" in r["code"] for f in report["files"] for r in f["remarks"])


def test_the_settings_file_may_name_the_registry(tmp_path):
    settings = tmp_path / "реквизиты.yaml"
    shutil.copyfile(REGISTRY, tmp_path / "реестр.xlsx")
    settings.write_text("signer_name: И.И. Иванов\nregistry: реестр.xlsx\n", encoding="utf-8")
    code, text = _cli("run", INBOX, "--out", tmp_path / "out", "--date", "2024-07-16", "--org", settings)
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["registry"]["path"].endswith("реестр.xlsx"), text


def test_a_file_without_the_registrys_table_is_a_usage_error(tmp_path):
    bad = tmp_path / "реестр.csv"
    bad.write_text("Дата;Сумма\n01.01.2024;5\n", encoding="utf-8")
    code, text = _cli("run", INBOX, "--out", tmp_path / "out", "--date", "2024-07-16", "--registry", bad)
    assert code == 2 and "не найдена таблица Реестр процессов Министерства" in " ".join(text.split())
    assert not (tmp_path / "out" / "report.json").exists()


def test_a_changed_registry_is_a_reason_to_update_the_list(tmp_path):
    out = tmp_path / "out"
    assert _cli("run", INBOX, "--out", out, "--date", "2024-07-16", "--registry", REGISTRY)[0] == 1
    assert _cli("approve", "--number", "27", "--date", "2024-07-25", "--out", out, "--incomplete")[0] == 0
    # October: the registry gains a process and loses one (000 п. 3.3(1), 001 п. 15(1)).
    wb = load_workbook(REGISTRY)
    ws = wb["Реестр"]
    removed = next(r for r in ws.iter_rows(min_row=5) if r[2].value and "безработных" in r[2].value)
    removed_name = removed[2].value
    removed[2].value = "Организация ярмарок вакансий"
    changed = tmp_path / "реестр-октябрь.xlsx"
    wb.save(changed)
    code, text = _cli("run", ROOT / "sample_inputs" / "udmurt-изменения", "--out", out, "--date", "2024-10-10",
                      "--registry", changed)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [p["process"] for p in report["registry"]["added"]] == ["Организация ярмарок вакансий"]
    assert [p["process"] for p in report["registry"]["removed"]] == [removed_name]
    assert "основание актуализации перечня" in text
    sheet = load_workbook(out / "Изменения в перечень.xlsx")["Реестр процессов"]
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "включен" in values and "исключен" in values and "Организация ярмарок вакансий" in values
