"""Choosing the profile from the inbox (detect, inbox.survey), and finding a header typed
differently from the form (read.match_header, whose letter-by-letter comparison is prefiltered in C)."""
from __future__ import annotations

import dataclasses
import difflib
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import consolidator.inbox.read as inbox_module
import consolidator.run as pipeline
from consolidator.cli import main
from consolidator.inbox.read import score_forms
from consolidator.profile.detect import best_form, choose_profile
from consolidator.profile import available_profiles, load_profile
from consolidator.inbox.read import read_table
from consolidator.profile.form import HEADER_SIMILARITY, match_header
from consolidator.profile.text import header_key
from consolidator.run import Settings
from tests.workbooks import HEADER_ROW, make_form

ROOT = Path(__file__).resolve().parent.parent
PROFILES = {name: load_profile(name) for name in available_profiles()}


# --- the header match is difflib's, only faster ---------------------------------------------------

def _difflib_match(cells: list[object], profile) -> dict[str, int]:
    """The header match as it was before the C prefilter: every unnamed column against every cell
    with difflib alone (quick_ratio, then ratio)."""
    keys = [header_key(c) for c in cells]
    candidates = [(c.key, sorted({header_key(v) for v in (c.header, *c.variants)})) for c in profile.columns]
    taken_keys, taken_cols, out = set(), set(), {}
    for key, variants in candidates:
        for i, cell in enumerate(keys):
            if i not in taken_cols and cell in variants:
                out[key] = i
                taken_keys.add(key)
                taken_cols.add(i)
                break

    def score(cell: str, variants: list[str]) -> float:
        if not cell:
            return 0.0
        if cell in variants:
            return 1.0
        best = 0.0
        for v in variants:
            m = difflib.SequenceMatcher(None, cell, v)
            if m.quick_ratio() >= HEADER_SIMILARITY:
                best = max(best, m.ratio())
        return best

    pairs = []
    for key, variants in candidates:
        if key in taken_keys:
            continue
        for i, cell in enumerate(keys):
            if i not in taken_cols:
                s = score(cell, variants)
                if s >= HEADER_SIMILARITY:
                    pairs.append((s, key, i))
    pairs.sort(key=lambda p: (-p[0], p[2]))
    for _, key, i in pairs:
        if key not in taken_keys and i not in taken_cols:
            out[key] = i
            taken_keys.add(key)
            taken_cols.add(i)
    return out


_NAMES = sorted({n for p in PROFILES.values() for c in p.columns for n in (c.header, *c.variants)})


@st.composite
def _typed(draw) -> str:
    """A column name of some form as an author may type it: a few letters dropped, added or changed."""
    text = list(draw(st.sampled_from(_NAMES)))
    for _ in range(draw(st.integers(0, 5))):
        op = draw(st.sampled_from(["drop", "add", "change"]))
        at = draw(st.integers(0, max(0, len(text) - 1)))
        letter = draw(st.sampled_from("аеионтсрвлкмдпуяыьгзбчйхжшюцщэфъё .,()*-"))
        if op == "drop" and text:
            del text[at]
        elif op == "add":
            text.insert(at, letter)
        elif text:
            text[at] = letter
    return "".join(text)


_cells = st.lists(st.one_of(_typed(), st.text(max_size=30), st.none(), st.integers(0, 20)), min_size=1, max_size=14)


@settings(max_examples=300, deadline=None)
@given(cells=_cells, name=st.sampled_from(sorted(PROFILES)))
def test_header_match_is_difflibs(cells, name):
    assert match_header(cells, PROFILES[name]) == _difflib_match(cells, PROFILES[name])


def test_difflib_reference_finds_typed_names():
    # The property above compares something: typed names do match, and not only exactly.
    udmurt = PROFILES["udmurt"]
    cells = [_typo(c.header) for c in udmurt.columns]
    assert len(_difflib_match(cells, udmurt)) == len(udmurt.columns)
    assert all(header_key(c) not in {header_key(v) for col in udmurt.columns for v in (col.header, *col.variants)}
               for c in cells)


# --- a header typed differently from the form, in every cell --------------------------------------

def _typo(text: str) -> str:
    """One letter of a long name changed (still similar); a short name gets a letter doubled."""
    at = len(text) // 2
    if len(text) < 12:
        return text[:at] + text[at] + text[at:]
    return text[:at] + ("о" if text[at] != "о" else "а") + text[at + 1:]


def _typed_header(path: Path, profile) -> Path:
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    for c, col in enumerate(profile.columns, start=1):
        ws.cell(HEADER_ROW, c, _typo(col.header))
    wb.save(path)
    return path


def _rows(profile, n: int = 3) -> list[dict]:
    group = profile.groups[0]
    return [{profile.group_column: group} | {k: f"Значение {i}" for k in profile.keys
                                              if k not in (profile.group_column, profile.number_column)}
            for i in range(n)]


@pytest.mark.parametrize("name", ["udmurt", "sverdlovsk"])
def test_header_with_every_name_mistyped_is_found_and_its_form_detected(tmp_path, name):
    profile = PROFILES[name]
    path = _typed_header(make_form(tmp_path / "f.xlsx", profile, _rows(profile)), profile)
    table = read_table(path, profile)
    assert table is not None and table.missing == [] and table.header_row == HEADER_ROW
    assert table.columns == {k: i for i, k in enumerate(profile.keys)}
    assert best_form(score_forms(path, list(PROFILES.values()))) == name


def test_header_mistyped_beyond_similarity_is_not_taken(tmp_path):
    udmurt = PROFILES["udmurt"]
    path = make_form(tmp_path / "f.xlsx", udmurt, _rows(udmurt))
    wb = openpyxl.load_workbook(path)
    for c, col in enumerate(udmurt.columns, start=1):
        wb.active.cell(HEADER_ROW, c, col.header[: len(col.header) // 2])  # half a name is not the name
    wb.save(path)
    table = read_table(path, udmurt)
    assert table is None or len(table.columns) < len(udmurt.columns)


# --- the inbox is read once when the profile is chosen ---------------------------------------------

def test_choose_profile_by_most_files():
    profiles = list(PROFILES.values())
    profile, reason = choose_profile(["sverdlovsk", "udmurt", "sverdlovsk", None], profiles)
    assert profile.key == "sverdlovsk"
    assert "2 из 4" in reason and "udmurt — 1" in reason
    assert choose_profile([None, None], profiles)[0] is None


class _Calls:
    """The files read_table was called with, in this process and in the helper processes that read
    (forked from this one, so they call the stand-in too): each call is a line of a file."""

    def __init__(self, path: Path):
        self.path = path

    def __iter__(self):
        lines = self.path.read_text(encoding="utf-8").splitlines() if self.path.exists() else []
        return iter(Path(line) for line in lines)

    def __len__(self):
        return sum(1 for _ in self)

    def clear(self):
        self.path.unlink(missing_ok=True)


def _counting_reads(monkeypatch, tmp_path) -> _Calls:
    calls = _Calls(tmp_path / "calls.txt")
    real = inbox_module.read_table

    def counted(source, profile, limits=None):
        with open(calls.path, "a", encoding="utf-8") as fh:  # a Book (the survey) names its file
            fh.write(f"{getattr(getattr(source, 'src', None), 'path', source)}\n")
        return real(source, profile, limits)

    monkeypatch.setattr(inbox_module, "read_table", counted)
    return calls


def test_files_read_by_the_survey_are_not_read_again(tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    shutil.copytree(ROOT / "sample_inputs" / "udmurt", inbox)
    sverdlovsk = PROFILES["sverdlovsk"]
    make_form(inbox / "Отдел другого региона" / "перечень.xlsx", sverdlovsk, _rows(sverdlovsk))
    workbooks = [f for f in inbox_module.discover(inbox) if inbox_module.skip_reason(f, inbox) is None]
    calls = _counting_reads(monkeypatch, tmp_path)

    surveyed = inbox_module.survey(inbox, list(PROFILES.values()), jobs=1)
    assert len(calls) == sum(1 for s in surveyed.files.values() if s.form)  # once each, in its own form
    forms = surveyed.forms()
    assert forms.count("sverdlovsk") == 1 and forms.count("udmurt") == len(forms) - 1 - forms.count(None)
    calls.clear()
    udmurt = PROFILES["udmurt"]
    alternatives = [p for p in PROFILES.values() if p.key != "udmurt"]
    again = {s for s, v in surveyed.files.items() if v.verdict is None and v.form != "udmurt"}
    batch = pipeline.check(Settings(udmurt, inbox, tmp_path / "out", pipeline.date(2024, 7, 16), alternatives=alternatives, jobs=1), surveyed=surveyed)
    # Only the files not in the chosen form are read again, in that form; the survey is used up.
    assert set(calls) == again and len(calls) == len(again) >= 1
    assert not surveyed.files and not surveyed.texts
    assert len(batch.files) == len(inbox_module.discover(inbox)) and len(workbooks) >= len(again)
    other = next(f for f in batch.files if f.path.startswith("Отдел другого региона"))
    assert any(r.code.endswith("OTHER-FORM") for r in other.remarks)


@pytest.mark.parametrize("name", ["udmurt", "nso-minreg"])
def test_chosen_profile_gives_the_same_run_as_the_profile_given(tmp_path, name):
    inbox = ROOT / "sample_inputs" / name
    runner = CliRunner()
    reports = []
    for args, out in ((), tmp_path / "auto"), (("--profile", name), tmp_path / "given"):
        res = runner.invoke(main, ["run", str(inbox), "--out", str(out), "--date", "2024-10-14", *args])
        assert res.exit_code in (0, 1), res.output
        reports.append(json.loads((out / "report.json").read_text(encoding="utf-8")))
    assert reports[0]["profile"] == name
    assert reports[0] == reports[1]
    # nso-minreg's sample holds a file in the inspection's form: it is read again and named.
    if name == "nso-minreg":
        assert any(r["code"].endswith("OTHER-FORM") for f in reports[0]["files"] for r in f["remarks"])


def test_similarity_exactly_at_the_threshold_counts():
    # difflib's ratio of these is exactly 0.85 (17 letters of 20 in common); found by the property above.
    assert match_header(["ааака взаимодействия"], PROFILES["nso-gsn"]) == {"point": 0}


FIXTURES = sorted((ROOT / "tests" / "fixtures").glob("*.*[sx]"))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_a_table_read_from_the_surveyed_rows_is_the_table_read_alone(path):
    # The survey scores the forms on a sheet's rows, then reads the table from the same rows (Book):
    # merges filled down and rows read on must not differ from a reading of the file alone.
    from consolidator.inbox.workbook import Book
    from consolidator.inbox.safety import inspect

    udmurt = PROFILES["udmurt"]
    alone = read_table(path, udmurt)
    with Book(inspect(path)) as book:
        score_forms(book, list(PROFILES.values()))
        first = read_table(book, udmurt)
        again = read_table(book, udmurt)
    assert first == alone and again == alone


@pytest.mark.parametrize("path", FIXTURES[:1], ids=lambda p: p.name)
def test_a_books_header_keys_are_worked_out_once_for_every_form(path, monkeypatch):
    # The survey keys a sheet's first rows for every form's header search, then the table is read in
    # the form chosen from the same keys: each cell is keyed once.
    from consolidator.inbox.safety import inspect
    from consolidator.inbox.workbook import Book
    from consolidator.profile import form

    keyed = []
    monkeypatch.setattr(form, "header_key", lambda c, _key=form.header_key: keyed.append(c) or _key(c))
    udmurt = PROFILES["udmurt"]
    with Book(inspect(path)) as book:
        head = list(book.rows(book.sheet_names[0]))[:udmurt.header_search_rows]
        score_forms(book, list(PROFILES.values()))
        n = len(keyed)
        from_book = read_table(book, udmurt)
        in_book, n = len(keyed) - n, len(keyed)
        alone = read_table(path, udmurt)
        assert from_book == alone
        assert len(keyed) - n - in_book == sum(len(cells) for cells in head)  # the first rows' cells, keyed again
        assert book.header_keys(book.sheet_names[0], 3) == form.header_keys(head, 3)


def test_what_the_survey_read_stands_for_a_reading_in_that_form_only():
    from consolidator.inbox.read import Surveyed

    udmurt = PROFILES["udmurt"]
    assert Surveyed(None, None, "udmurt").stands_for(udmurt)
    assert Surveyed("unreadable", "не открывается").stands_for(udmurt)  # no form could open it
    assert not Surveyed("unreadable", "лист поврежден", "sverdlovsk").stands_for(udmurt)
    assert not Surveyed(None, None, "sverdlovsk").stands_for(udmurt) and not Surveyed(None, None).stands_for(udmurt)


def test_a_surveyed_file_without_a_table_gets_remarks_not_a_blank_verdict(tmp_path):
    from consolidator.inbox.read import Survey, Surveyed

    udmurt = PROFILES["udmurt"]
    path = make_form(tmp_path / "in" / "А" / "a.xlsx", udmurt, _rows(udmurt))
    surveyed = Survey({path.resolve(): Surveyed(None, None, "udmurt", None, {})})
    batch = pipeline.check(Settings(udmurt, tmp_path / "in", tmp_path / "out", pipeline.date(2024, 7, 16), jobs=1), surveyed=surveyed)
    assert batch.files[0].verdict == "returned" and batch.files[0].errors


def test_a_file_that_cannot_be_looked_at_still_votes_only_if_its_form_was_found():
    from consolidator.inbox.read import Survey, Surveyed

    scores = {"udmurt": object()}
    survey = Survey({Path("a"): Surveyed(None, None, "udmurt", None, scores),
                     Path("b"): Surveyed("unreadable", "лист поврежден", "udmurt", None, scores),  # in its own form
                     Path("c"): Surveyed("unreadable", "не открывается"),  # not looked at
                     Path("d"): Surveyed(None, None, None, None, scores)})  # looked at, no known form
    assert survey.forms() == ["udmurt", "udmurt", None]


class _Panic(BaseException):
    """What python-calamine raises for a Rust panic: not an Exception."""


def test_a_panic_while_surveying_a_file_is_that_files_verdict_not_the_batchs_end(tmp_path, monkeypatch):
    import consolidator.inbox.workbook as read

    inbox = tmp_path / "in"
    udmurt = PROFILES["udmurt"]
    make_form(inbox / "А" / "a.xlsx", udmurt, _rows(udmurt))
    make_form(inbox / "Б" / "b.xlsx", udmurt, _rows(udmurt))
    real = read.Book.rows

    def rows(book, name):
        if book.src.path.name == "b.xlsx":
            raise _Panic("called `Option::unwrap()` on a `None` value")
        return real(book, name)

    monkeypatch.setattr(read.Book, "rows", rows)
    surveyed = inbox_module.survey(inbox, list(PROFILES.values()), jobs=1)
    # The survey could not look at b.xlsx: it is left to be read with the profile chosen.
    assert {p.name: (s.verdict, s.form) for p, s in surveyed.files.items()} == {"a.xlsx": (None, "udmurt"),
                                                                               "b.xlsx": (None, None)}
    batch = pipeline.check(Settings(udmurt, inbox, tmp_path / "out", pipeline.date(2024, 7, 16), jobs=1), surveyed=surveyed)
    a, b = sorted(batch.files, key=lambda f: f.path)
    assert a.rows == 3 and a.verdict != "unreadable"  # read and checked as usual
    # The author reads what to do; the panic's text is for the log.
    assert b.verdict == "unreadable" and "_Panic" not in b.reason and "сохраните его в формате .xlsx" in b.reason
    assert "_Panic: called `Option::unwrap()`" in b.detail


def test_the_other_form_is_named_under_the_runs_own_size_limit(tmp_path, monkeypatch):
    # The second look at a file in another form uses the run's --max-unpacked-mb, not the environment's.
    from consolidator.inbox.read import read_one
    from consolidator.speed.pool import _init
    from consolidator.inbox.safety import ENV_MAX_UNPACKED_MB, Limits

    sverdlovsk = PROFILES["sverdlovsk"]
    path = make_form(tmp_path / "f.xlsx", sverdlovsk, _rows(sverdlovsk))
    monkeypatch.setenv(ENV_MAX_UNPACKED_MB, "0.001")  # smaller than any workbook
    udmurt = PROFILES["udmurt"]
    _init((udmurt, [p for p in PROFILES.values() if p.key != "udmurt"], Limits(max_unpacked_mb=10)))
    verdict, _, table, _ = read_one(path)
    assert verdict is None and table.other_form == sverdlovsk.name


def _chosen_and_checked(settings):
    """What main does without --profile: the survey chooses the profile, then the check."""
    surveyed, profile = pipeline._choose_profile(settings, pipeline.Ui(), None)
    alternatives = tuple(pipeline.checked_profile(n) for n in available_profiles() if n != profile.key)
    batch = pipeline.check(dataclasses.replace(settings, profile=profile, alternatives=alternatives), surveyed=surveyed)
    return surveyed, batch


def _as_checked(batch):
    return [(f.path, f.verdict, f.reason, f.subdivision, f.sheet, f.rows, f.column_index, f.form, f.check_key,
             f.reasons, [(r.code, r.cell, r.message) for r in f.remarks]) for f in batch.files]


def _inbox_with_sverdlovsk_first(tmp_path, n: int, sample: str = "udmurt"):
    inbox = tmp_path / "inbox"
    shutil.copytree(ROOT / "sample_inputs" / sample, inbox)
    sverdlovsk = PROFILES["sverdlovsk"]
    for i in range(n):  # their names come first in the inbox
        make_form(inbox / f"00{i} Отдел другого региона" / "перечень.xlsx", sverdlovsk, _rows(sverdlovsk))
    return inbox


@pytest.mark.parametrize("sample, foreign, guessed", [("udmurt", 1, "udmurt"), ("udmurt", 3, "sverdlovsk"),
                                                      ("nso-minreg", 0, "nso-minreg")])
@pytest.mark.parametrize("part", [3, 1000])
def test_files_checked_while_the_survey_reads_them_give_the_check_made_after_it(tmp_path, monkeypatch, sample,
                                                                                foreign, guessed, part):
    # Without --profile, the files read in the form guessed (the form of most of the first files with a
    # known form) are checked as the survey reads them (run._Guess), a part of `part` rows at a time; the
    # files in another form are read again after the survey and come last. With one Sverdlovsk file
    # first the guess is right; with three it is Sverdlovsk's and the run chooses Udmurtia's: what was
    # checked is put back and those files are read again. Novosibirsk's sample holds a file in the
    # inspection's form, which shares the ministry's header: read again, it has rows, and its part comes
    # after later files' parts (or joins them, in parts of many rows). Each time the run is the one a check
    # after the survey gives.
    from consolidator.checks import engine

    inbox = _inbox_with_sverdlovsk_first(tmp_path, foreign, sample)
    monkeypatch.setattr(engine, "_PART_ROWS", part)
    monkeypatch.setattr(pipeline._Guess, "GUESS_AFTER", 5 if sample == "udmurt" else 3)
    settings = Settings(None, inbox, tmp_path / "out", pipeline.date(2024, 7, 16), jobs=1)
    surveyed, checked = _chosen_and_checked(settings)
    assert checked.profile.key == sample and surveyed.guess.key == guessed
    assert bool(surveyed.guess.taken) is (guessed == sample)  # used, or put back

    monkeypatch.setattr(pipeline._Guess, "__call__", lambda self, i, surveyed: None)
    _, after = _chosen_and_checked(settings)
    assert _as_checked(checked) == _as_checked(after)
    assert checked.data.equals(after.data)
    assert checked.fresh_checks == after.fresh_checks
    other = [f for f in checked.files if any(r.code.endswith("OTHER-FORM") for r in f.remarks)]
    assert len(other) == (foreign or 1)
    if sample != "udmurt":
        assert other[0].rows and other[0] is not checked.files[-1]


def test_a_guess_is_used_only_for_the_rules_it_was_made_with(tmp_path):
    inbox = _inbox_with_sverdlovsk_first(tmp_path, 0)
    settings = Settings(None, inbox, tmp_path / "out", pipeline.date(2024, 7, 16), jobs=1)
    surveyed, profile = pipeline._choose_profile(settings, pipeline.Ui(), None)
    guess = surveyed.guess
    alternatives = tuple(pipeline.checked_profile(n) for n in available_profiles() if n != profile.key)
    assert guess.taken and guess.fits(profile, alternatives, None)
    assert not guess.fits(profile, alternatives[1:], None)  # another form not looked for
    assert not guess.fits(profile, alternatives, pipeline.Limits(max_unpacked_mb=1))
    assert not guess.fits(PROFILES["nso-gsn"], alternatives, None)


def test_a_cell_compared_with_a_forms_names_once_is_not_compared_again(monkeypatch):
    # A helper process reads thousands of forms that repeat their headers: each profile's comparisons
    # are kept by cell (form._SIMILAR), and a sheet's cells seen before cost no comparison.
    from consolidator.profile import form

    profile = PROFILES["udmurt"]
    headers = [c.header for c in profile.columns]
    first = {header_key(h[:-2]) for h in headers} | {"подразделение", "итого"}
    second = {header_key(h[:-3]) for h in headers} | {"подразделение", "примечание"}
    monkeypatch.setattr(form, "_SIMILAR", {})
    alone = [form._similar(cells, profile) for cells in (first, second)]  # each with nothing kept
    monkeypatch.setattr(form, "_SIMILAR", {})
    compared = []
    real = form.process.extract
    monkeypatch.setattr(form.process, "extract", lambda cell, *a, **k: compared.append(cell) or real(cell, *a, **k))
    assert form._similar(first, profile) == alone[0] and form._similar(first, profile) == alone[0]
    assert compared == sorted(first)
    assert form._similar(second, profile) == alone[1] and compared[len(first):] == sorted(second - first)
    assert any(alone[0].values()) and "подразделение" not in alone[0]
    # Past the most it keeps, it starts again: the same answers.
    monkeypatch.setattr(form, "_SIMILAR_MOST", 3)
    assert form._similar(second, profile) == alone[1] and form._similar(first, profile) == alone[0]
