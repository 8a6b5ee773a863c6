"""What some remarks say, beyond firing at the right cell (tests/test_rules.py): the row as the clerk
counts it, the nearest need instead of the whole list, where the right blank comes from, what to do
about a point the Порядок does not name."""
from __future__ import annotations

from datetime import date

import yaml

from consolidator.profile import available_profiles, load_profile, rules_dir
from consolidator.run import Settings, check
from tests.workbooks import FIRST_DATA_ROW, make_form

EXAMPLES = {name: yaml.safe_load((rules_dir() / "examples" / f"{name}.yaml").read_text(encoding="utf-8"))
            for name in available_profiles()}


def _remarks(tmp_path, name: str, rows: list[dict], code: str, form: str | None = None):
    """The messages of rule `code` of profile `name` on a file of `rows` in the form of profile `form`."""
    profile = load_profile(name)
    form = form or name
    make_form(tmp_path / "in" / "Отдел" / "перечень.xlsx", load_profile(form),
              [{**EXAMPLES[form]["base"], **r} for r in rows])
    others = [load_profile(n) for n in available_profiles() if n != name]
    batch = check(Settings(profile, tmp_path / "in", tmp_path / "out", date(2024, 7, 16), alternatives=others))
    return [r.message for r in batch.files[0].remarks if r.code == code]


def test_a_duplicate_names_the_sheet_row_and_the_number_of_the_first(tmp_path):
    (message,) = _remarks(tmp_path, "udmurt", [{"point": "Телефон горячей линии", "num": 7},
                                              {"point": "Личный прием", "kind": "Офлайн-точка", "num": 8},
                                              {"point": "телефон горячей линии", "num": 9}], "UD-DUP")
    assert f"уже указана в строке {FIRST_DATA_ROW} листа (№ п/п 7)" in message


def test_sverdlovsk_duplicate_names_the_row_number_too(tmp_path):
    rows = EXAMPLES["sverdlovsk"]["examples"]["SV-DUP"]["fail"]["rows"]
    (message,) = _remarks(tmp_path, "sverdlovsk", rows, "SV-DUP")
    assert f"в строке {FIRST_DATA_ROW} листа (номер строки 1)" in message


def test_an_unknown_need_names_the_nearest_not_the_whole_list(tmp_path):
    (message,) = _remarks(tmp_path, "sverdlovsk", [{"needs": "уведомление о результате рассмотрения"}], "SV-NEEDS")
    assert "Ближе всего по смыслу: «получение результата" in message
    assert "1) получение информации" not in message  # the nine needs are not repeated in every cell
    assert len(message) < 600


def test_a_file_in_another_form_is_told_where_to_get_the_blank(tmp_path):
    for name in available_profiles():
        (rule,) = [r for r in load_profile(name).rules if r.check == "other_form"]
        messages = _remarks(tmp_path / name, name, [{}, {}], rule.code, form="sverdlovsk" if name == "udmurt" else "udmurt")
        assert messages and f"«consolidator template --profile {name}»" in messages[0], (name, messages)


def test_an_unknown_point_says_what_to_do_about_a_service_centre(tmp_path):
    (message,) = _remarks(tmp_path, "udmurt", [{"point": "Многофункциональный центр", "kind": "Офлайн-точка"}],
                          "UD-POINT-UNKNOWN")
    assert "не возвращается" in message and "МФЦ" in message and "удалите строку или укажите" in message
