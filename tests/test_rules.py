"""Every rule of every profile fires on its failing example, at the expected cells, and stays silent
on its passing example. The examples live next to the profiles, in rules/examples/."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from consolidator.run import check
from consolidator.profile import available_profiles, load_profile, rules_dir
from consolidator.run import Settings
from tests.workbooks import cell_of, make_form

EXAMPLES = {name: yaml.safe_load((rules_dir() / "examples" / f"{name}.yaml").read_text(encoding="utf-8"))
            for name in available_profiles()}
CASES = [(name, code, kind) for name, ex in EXAMPLES.items() for code in ex["examples"] for kind in ("fail", "pass")]


def _check(tmp_path: Path, profile_name: str, example: dict):
    profile = load_profile(profile_name)
    others = [load_profile(n) for n in available_profiles() if n != profile_name]
    form, base = profile, EXAMPLES[profile_name]["base"]
    if example.get("other_profile"):
        # The workbook is filled in another profile's form.
        if not others:
            pytest.skip("no other profile to fill a workbook in")
        form = others[0]
        base = EXAMPLES[form.key]["base"]
        example = {**example, "rows": [{}, {}]}
    drop = tuple(example.get("drop_columns", ()))
    if example.get("fixture"):
        # A workbook another program wrote (tests/fixtures), as it is.
        fixture = Path(__file__).parent / "fixtures" / example["fixture"]
        (tmp_path / "inbox" / "Отдел").mkdir(parents=True)
        shutil.copyfile(fixture, tmp_path / "inbox" / "Отдел" / f"перечень{fixture.suffix}")
    else:
        rows = [{**base, **row} for row in example["rows"]]
        make_form(tmp_path / "inbox" / "Отдел" / "перечень.xlsx", form, rows, drop_columns=drop,
                  hidden_rows=tuple(example.get("hidden_rows", ())), hidden_sheet=bool(example.get("hidden_sheet")))
    alternatives = others if example.get("other_profile") or example.get("other_profile_check") else None
    registry = None
    if "registry" in example:
        # The ministry's process registry, as a CSV export with the form's headers; `base` fills the
        # group and process of an entry that names neither.
        registry = tmp_path / "реестр.csv"
        form = profile.registry_form
        lines = [";".join(c.header for c in form.columns)]
        for n, entry in enumerate(example["registry"], 1):
            entry = {"number": str(n), "group": base[profile.group_column], "process": base[form.process_column],
                     "owner": "Отдел", **entry}
            lines.append(";".join(entry[c.key] for c in form.columns))
        registry.write_text("\n".join(lines) + "\n", encoding="utf-8")
    batch = check(Settings(profile, tmp_path / "inbox", tmp_path / "out", date(2024, 7, 16), alternatives=alternatives,
                           registry=registry))
    return profile, batch, drop


@pytest.mark.parametrize("profile_name,code,kind", CASES, ids=[f"{p}:{c}:{k}" for p, c, k in CASES])
def test_rule_example(tmp_path, profile_name, code, kind):
    example = EXAMPLES[profile_name]["examples"][code][kind]
    profile, batch, drop = _check(tmp_path, profile_name, example)
    result = batch.files[0]
    fired = [r for r in result.remarks if r.code == code]
    if kind == "pass":
        assert result.remarks == [], [r.message for r in result.remarks]
        assert result.verdict == "accepted"
        # A check of the whole list looks at a one-file list in every example: only its own passes here.
        assert not [r for r in batch.list_remarks if r.code == code], [r.message for r in batch.list_remarks]
        return
    expect = example["expect"]
    if isinstance(expect, dict) and expect.get("list"):
        # A check of the consolidated list as a whole: its remark is the list's, not the file's.
        [remark] = [r for r in batch.list_remarks if r.code == code]
        rule = profile.rule(code)
        assert remark.cell is None and remark.clause == rule.clause and remark.severity == "warning"
        assert result.verdict == "accepted"
        return
    if isinstance(expect, dict) and expect.get("file"):
        assert len(fired) == 1 and fired[0].cell is None
    else:
        cells = sorted(cell_of(profile, row, key, drop) for row, key in expect)
        assert sorted(r.cell for r in fired) == cells
    rule = profile.rule(code)
    assert all(r.clause == rule.clause and r.severity == rule.severity for r in fired)
    assert result.verdict == ("returned" if rule.severity == "error" else "accepted")


@pytest.mark.parametrize("profile_name", available_profiles())
def test_every_rule_is_complete(profile_name):
    profile = load_profile(profile_name)
    examples = EXAMPLES[profile_name]["examples"]
    for rule in profile.rules:
        assert rule.clause.strip() and rule.message.strip() and rule.summary.strip(), rule.code
        assert set(examples.get(rule.code, {})) == {"fail", "pass"}, f"{rule.code} lacks examples"
    assert len({r.code for r in profile.rules}) == len(profile.rules)
    assert set(examples) <= {r.code for r in profile.rules}


def test_codes_unique_across_profiles():
    codes = [r.code for name in available_profiles() for r in load_profile(name).rules]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("sample", ["udmurt", "nso-minreg", "sverdlovsk", "nso-gsn"])
def test_a_batch_checked_some_files_at_a_time_gets_the_same_remarks(sample, monkeypatch):
    # The engine validates a large batch in parts of whole files (checks.engine._PART_ROWS rows): parts of
    # a few rows here, so that the sample's files fall into many of them.
    from consolidator.checks import engine

    inbox = Path(__file__).parent.parent / "sample_inputs" / sample
    settings = Settings(load_profile(sample), inbox, inbox.parent / "unused", date(2024, 7, 16))

    def remarks(batch):
        return [(f.path, f.verdict, [(r.code, r.cell, r.message) for r in f.remarks]) for f in batch.files]

    first = check(settings)
    whole = remarks(first)
    assert any(r for _, _, r in whole)
    # Checked as they are read (the run reads them in the files' order): a part at a time.
    parts = []
    real = engine._check_tables
    monkeypatch.setattr(engine, "_check_tables", lambda *a, **k: parts.append(len(a[2])) or real(*a, **k))
    monkeypatch.setattr(engine, "_PART_ROWS", 3)
    again = check(settings)
    assert remarks(again) == whole
    assert again.data.equals(first.data)
    assert again.fresh_checks == first.fresh_checks
    assert len(first.fresh_checks) == sum(f.verdict != "skipped" for f in first.files)
    assert len(parts) > 1 and sum(parts) == sum(f.verdict != "unreadable" and f.sheet is not None
                                                 for f in again.files)


def test_parts_keep_each_file_whole():
    import pandas as pd

    from consolidator.checks.engine import _parts

    df = pd.DataFrame({"file": [0, 0, 0, 1, 2, 2, 2, 2, 5]})
    parts = _parts(df, 2)
    assert parts == [slice(0, 3), slice(3, 8), slice(8, 9)]
    assert _parts(df, 100) == [slice(0, 9)]
    assert _parts(df.iloc[0:0], 2) == [slice(0, 0)]
