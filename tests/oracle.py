"""Compare a run's report.json with a sample inbox's oracle (tests/sample_expectations*.json, written
by the scripts that generate the samples). One comparison for every profile's samples."""
from __future__ import annotations

import hashlib
from pathlib import Path


def hashes(folder: Path) -> dict[str, str]:
    """Every file under a folder with its content hash: the inbox must be byte-identical after a run."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_matches_oracle(report: dict, expected: dict, check_sheet: bool = False) -> None:
    files = {f["path"]: f for f in report["files"]}
    assert set(files) == set(expected)
    for path, exp in expected.items():
        got = files[path]
        assert got["verdict"] == exp["verdict"], path
        if exp["verdict"] == "skipped":
            assert got["reason"], path
            continue
        assert got["subdivision"] == exp["subdivision"], path
        if check_sheet:
            assert got["sheet"] == exp["sheet"], path
        assert got["rows"] == exp["rows"], path
        assert sorted((r["code"], r["cell"]) for r in got["remarks"]) == \
            sorted((c, cell) for c, cell in exp["remarks"]), (path, got["remarks"])
        for r in got["remarks"]:
            assert r["message"] and r["clause"] and r["severity"] in ("error", "warning")
            if r["cell"]:
                assert r["cell"] in r["message"], r["message"]
