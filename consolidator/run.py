"""The main job, stage by stage, from one validated `Settings`:

    main        start the second process, before the heavy imports           speed.side
                choose the profile from the files, unless one is given       inbox.read.survey, profile.detect
    run         under the results folder's lock (one run at a time)          outputs.lock
      check     read every file in helper processes (the pool)               inbox, speed.pool
                check all rows of all files as one frame                     checks.engine
                versions, deadlines and statuses against the journal         journal.tracking
      write     returned copies with e-mail drafts (in the pool), while      outputs.returned, outputs.eml
                the consolidated list is written here and the order by the   outputs.consolidated, outputs.order
                second process; then the protocol, the log of reading errors  outputs.protocol, outputs.read_errors
                and report.json
                record the checks in the journal                             journal.store

This process reads no file of the inbox itself: the helper processes do, so that a file that makes a
reader abort is that file's verdict (speed.pool, inbox.read.read_death).

This module imports no pandas: the CLI imports it to start the second process first, and `main`
imports the engine (pandas and pandera) with the garbage collector off (speed.imports).
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from consolidator.checks import checked_profile
from consolidator.inbox.files import WORKBOOK_SUFFIXES, discover, skip_reason
from consolidator.inbox.read import (Read, Survey, intern_rows, read_death, read_one, take_read, with_detail,
                                     with_form)
from consolidator.inbox.safety import Limits
from consolidator.journal.store import FILE_NAME as JOURNAL
from consolidator.journal.safekeeping import back_up, network_warning
from consolidator.journal.checked import FILE_NAME as STORE, CheckedStore, StoreDamaged, restore, rules_digest
from consolidator.journal.store import Journal, file_hash
from consolidator.journal.subdivisions import Subdivision, SubdivisionsError, load_subdivisions
from consolidator.journal.tracking import record, track
from consolidator.journal.workdays import Calendar, CalendarError
from consolidator.model import (ACCEPTED, RETURNED, SKIPPED, SUPERSEDED, UNREADABLE, Batch, FileResult, Progress,
                                coded_columns, no_progress)
from consolidator.outputs.atomic import atomic_path, write_text
from consolidator.outputs.consolidated import FILE_NAME as CONSOLIDATED
from consolidator.outputs.eml import write_draft
from consolidator.outputs.lock import out_lock
from consolidator.outputs.protocol import FILE_NAME as PROTOCOL
from consolidator.outputs.returned import RETURNED_DIR, write_returned
from consolidator.profile.form import Table
from consolidator.profile.load import DEFAULT_PROFILE, available_profiles
from consolidator.profile.schema import Profile, ProfileError
from consolidator.speed.imports import heavy_imports
from consolidator.speed.memory import trim
from consolidator.speed.pool import MIN_PARALLEL, Death, Started, Workers
from consolidator.speed.pool import context as parallel_context
from consolidator.speed.side import EarlyProcess

REPORT = "report.json"
ORDER = "Проект приказа.docx"  # outputs.order.FILE_NAME, named here: python-docx is imported only to write it


class SettingsError(ValueError):
    """Settings that cannot be used; the message is in Russian (the CLI exits with code 2)."""


@dataclass(frozen=True)
class Settings:
    """What a run is asked to do. `Settings.make` builds it from a user's options and validates them;
    built directly (tests, other programs), it is taken as it is."""

    profile: Profile | None  # None: chosen from the files (main)
    inbox: Path
    out: Path
    run_date: date
    org: Path | None = None  # organisation details over the profile's `org` (applied to a chosen profile)
    journal: Path | None = None  # None: journal.sqlite in `out`
    subdivisions: tuple[Subdivision, ...] = ()
    calendar: Calendar = field(default_factory=Calendar)
    limits: Limits | None = None  # None: Limits.from_env() when a file is inspected
    jobs: int | None = None  # processes for per-file work; None: one per core; 1: all in this process
    # Other profiles a file may be filled in (the «other form» remark); None: not looked for.
    alternatives: tuple[Profile, ...] | None = None
    lock_timeout: float | None = None  # seconds to wait for the results folder; None: outputs.lock's default
    # The day the remarks are sent to the authors (the deadline to fix runs from their receipt, 004
    # п. 16: at most a working day after the check, п. 15); None: the check date.
    sent: date | None = None
    # The ministry's process registry to check the services against (--registry); None: not checked.
    registry: Path | None = None
    # Read and check every file again, not taking the stored checks of unchanged files (--recheck).
    recheck: bool = False
    # The inbox's files as make found them (inbox.files.discover), taken afresh by `found`; None: not looked.
    listed: tuple[FileResult, ...] | None = field(default=None, repr=False, compare=False)

    @property
    def workbooks(self) -> int | None:
        """How many of the inbox's files are named as workbooks (None: not listed)."""
        if self.listed is None:
            return None
        return sum(1 for f in self.listed if f.source.suffix.lower() in WORKBOOK_SUFFIXES)

    def found(self) -> list[FileResult]:
        """The inbox's files (discover), as make listed them when it did: a region's inbox is 10,000
        folders, 0.35 s to walk."""
        if self.listed is None:
            return discover(self.inbox)
        return [FileResult(f.path, f.source, f.subdivision, regular=f.regular) for f in self.listed]

    @property
    def journal_path(self) -> Path:
        return self.journal or self.out / JOURNAL

    @classmethod
    def make(cls, inbox: Path, out: Path, run_date: date, profile: str | None = None, org: Path | None = None,
             journal: Path | None = None, subdivisions: Path | None = None, calendar: Path | None = None,
             max_unpacked_mb: float | None = None, jobs: int | None = None, sent: date | None = None,
             registry: Path | None = None, recheck: bool = False) -> Settings:
        """Settings from a user's options, every one checked before a file is read."""
        if not inbox.is_dir():
            raise SettingsError(f"Папка входящих «{inbox}» не найдена.")
        files = discover(inbox)
        if not files:
            raise SettingsError(f"В папке входящих «{inbox}» нет ни одного файла: проверять нечего.")
        if all(skip_reason(f, inbox) for f in files):
            # Letters and lock files alone: most likely the wrong folder, and an empty list is no result.
            named = ", ".join(f"«{f.path}»" for f in files[:3]) + (f" и еще {len(files) - 3}" if len(files) > 3 else "")
            raise SettingsError(
                f"В папке входящих «{inbox}» нет ни одной книги Excel или OpenDocument (.xlsx, .xlsm, .xls, "
                f".xlsb, .ods), только другие файлы: {named}. Проверять нечего: проверьте, та ли это папка.")
        inbox_r, out_r = inbox.resolve(), out.resolve()
        if out_r == inbox_r or out_r.is_relative_to(inbox_r):
            raise SettingsError(f"Папка результатов «{out}» находится внутри папки входящих «{inbox}»: "
                                f"входящие файлы не изменяются, укажите другую папку --out.")
        if journal is not None and journal.resolve().is_relative_to(inbox_r):
            raise SettingsError(f"Журнал «{journal}» находится внутри папки входящих «{inbox}»: входящие файлы "
                                f"не изменяются, укажите другое место --journal.")
        try:
            # The settings file may name the registry too (`registry:`, relative to the file).
            registry = registry or (settings_registry(org) if org else None)
            # A broken --org file is reported before the files are read, whichever profile is chosen.
            chosen = checked_profile(profile or DEFAULT_PROFILE, org) if profile or org else None
            expected = tuple(load_subdivisions(subdivisions))
            days = Calendar.load(calendar)
        except (ProfileError, SubdivisionsError, CalendarError) as exc:
            raise SettingsError(str(exc)) from exc
        if sent is not None and sent < run_date:
            raise SettingsError(f"Дата направления замечаний {sent:%d.%m.%Y} раньше даты проверки {run_date:%d.%m.%Y}.")
        if registry is not None and not registry.is_file():
            raise SettingsError(f"Файл реестра процессов «{registry}» не найден.")
        if chosen is not None and chosen.survey is not None:
            raise SettingsError(f"Профиль «{chosen.key}» описывает опрос удовлетворенности, а не перечень точек "
                                f"взаимодействия: ответы опроса проверяет команда consolidator survey run.")
        return cls(chosen if profile else None, inbox, out, run_date, org=org, journal=journal,
                   subdivisions=expected, calendar=days, limits=Limits.from_env(max_unpacked_mb), jobs=jobs, sent=sent,
                   registry=registry, recheck=recheck, listed=tuple(files))


def settings_registry(path: Path) -> Path | None:
    """The registry a settings file (--org) names, relative to that file's folder."""
    from consolidator.profile.yamlfile import load as load_yaml

    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except Exception:
        return None  # the org file's own reading reports what is wrong with it
    value = data.get("registry") if isinstance(data, dict) else None
    return (path.parent / str(value)) if value else None


def with_registry(settings: Settings) -> Settings:
    """The settings with the registry read and given to the profile (its registry checks read it);
    SettingsError when the registry file cannot be used."""
    if settings.registry is None or settings.profile is None or settings.profile.registry is not None:
        return settings
    from consolidator.inbox.registry import RegistryError, read_registry
    from consolidator.profile.text import match_key

    aliases = {match_key(n): s.name for s in settings.subdivisions for n in (s.name, *s.aliases)}
    try:
        registry = read_registry(settings.registry, settings.profile, settings.limits, aliases)
    except RegistryError as exc:
        raise SettingsError(str(exc)) from exc
    return dataclasses.replace(settings, profile=dataclasses.replace(settings.profile, registry=registry))


@dataclass
class Ui:
    """How a run talks to its user: a progress bar per stage, and sentences (the profile chosen, a
    results folder another run holds)."""

    progress: Progress = no_progress
    say: Callable[[str], None] = lambda text: None


# --- the second process ------------------------------------------------------------------------------

class SideProcess(EarlyProcess):
    """The run's second process (speed.side): started with the working days of `years`, then the
    survey of a small `inbox` in the known forms (the given `profile`'s first; None: to be chosen),
    then the imports the order needs; `write` hands it the order."""

    def __init__(self, years: list[int] = (), inbox: Path | None = None, profile: str | None = None,
                 limits: Limits | None = None, most: int = MIN_PARALLEL):
        super().__init__()
        # The first task starts the worker at once; the survey and the imports for the order follow it.
        self.working_days = self.submit("consolidator.journal.workdays:year_working_days", list(years),
                                        preload=("holidays",))
        self.surveyed = None
        if inbox is not None:
            self.surveyed = self.submit("consolidator.inbox.read:survey_small", inbox, profile, limits, most)
        self.submit(None, preload=("consolidator.outputs.order",))  # python-docx and babel, not pandas

    def survey(self) -> Survey | None:
        """The survey of the inbox, or None (none made, too many files, or it failed)."""
        return self.result(self.surveyed)

    def write(self, batch: Batch, rows, path: Path):
        """The order being written; a failed future when the process is gone (the main one writes it)."""
        return self.submit("consolidator.outputs.order:write_order", batch, rows, path)


def start_side_process(settings: Settings) -> SideProcess | None:
    """The second process for this run, or None (--jobs 1, or none can be started here)."""
    if settings.jobs == 1:
        return None
    year = settings.run_date.year
    profile = str(settings.profile.source) if settings.profile is not None else None
    # A large inbox is surveyed by the main process's pool, on every core; an inbox checked before into
    # these results is not surveyed at all: its unchanged files are not read again (_known_forms).
    small = settings.workbooks is None or settings.workbooks < MIN_PARALLEL
    inbox = settings.inbox if small and not _checked_before(settings) else None
    try:
        return SideProcess([year - 1, year, year + 1], inbox, profile, settings.limits)
    except Exception:  # no second process on this machine: its work is done in this one
        return None


# --- the whole job -----------------------------------------------------------------------------------

def main(settings: Settings, ui: Ui | None = None) -> Batch:
    """The whole job as the `run` command does it: the second process, the profile chosen from the
    files when none is given, then `run`."""
    ui = ui or Ui()
    side = start_side_process(settings)
    workers = Workers(_limits(settings).process_mb)  # the helpers that read files, for the whole job
    try:
        if side is not None and side.surveyed is not None:
            # While the second process reads a small inbox, this one imports the engine (pandas; pandera
            # follows when a file is to be checked). Otherwise it is imported when first needed: a run
            # with nothing new that writes no output again never needs it.
            with heavy_imports():
                import pandas  # noqa: F401
        surveyed = side.survey() if side is not None else None
        profile = settings.profile
        profiles = None
        if profile is None:
            profiles = [checked_profile(n) for n in available_profiles()]
            surveyed, profile = _choose_profile(settings, ui, surveyed, workers, profiles)
        alternatives = (tuple(p for p in profiles if p.key != profile.key) if profiles is not None
                        else tuple(checked_profile(n) for n in available_profiles() if n != profile.key))
        if profile.registry_form is not None and settings.registry is None:
            ui.say(f"{profile.registry_form.title} не задан (--registry): наименования услуг и процессов с ним не "
                   f"сверялись.")
        if side is not None:
            from consolidator.journal import workdays

            # Taken when a date is first needed (else this process imports `holidays` itself then).
            workdays.preload_later(functools.partial(side.result, side.working_days, timeout=30))
        return run(dataclasses.replace(settings, profile=profile, alternatives=alternatives), ui, side, surveyed,
                   workers)
    finally:
        workers.stop()  # they end while the second process is waited for
        if side is not None:
            from consolidator.journal import workdays

            workdays.forget_pending()
            side.close()
        workers.close()


def _checked_before(settings: Settings) -> bool:
    """Whether a run before this one checked its inbox into these results (journal.checked)."""
    return not settings.recheck and bool(CheckedStore(settings.out).output("profile"))


def _known_forms(settings: Settings, profiles: list[Profile],
                 found: list[FileResult]) -> dict[Path, tuple[bool, str | None]]:
    """The forms of the inbox's files that have not changed since the last run chose its profile from
    them (journal.checked keeps each file's form): these are not read again to choose it now."""
    from consolidator.journal.checked import CheckedStore

    if settings.recheck:
        return {}
    store = CheckedStore(settings.out)
    last = store.output("profile")
    profile = next((p for p in profiles if p.key == last), None)
    if profile is None:
        return {}
    files = [f for f in found if skip_reason(f, settings.inbox) is None]
    _hash_files(files, rules_digest(profile, settings.limits))
    forms = store.forms(f.check_key for f in files if f.check_key)
    return {f.source: tuple(forms[f.check_key]) for f in files if forms.get(f.check_key) is not None}


def _limits(settings: Settings) -> Limits:
    return settings.limits if settings.limits is not None else Limits.from_env()


def _choose_profile(settings: Settings, ui: Ui, surveyed: Survey | None, workers: Workers | None = None,
                    profiles: list[Profile] | None = None) -> tuple[Survey, Profile]:
    """Read the inbox's files in the forms they fit (unless the second process has: `surveyed`),
    choose the profile by them and say which and why."""
    from consolidator.inbox.read import survey
    from consolidator.profile.detect import choose_profile

    profiles = profiles if profiles is not None else [checked_profile(n) for n in available_profiles()]
    if surveyed is None:
        found = settings.found()
        last = None if settings.recheck else CheckedStore(settings.out).output("profile")
        guess = _Guess(settings, profiles, found, last)
        surveyed = survey(settings.inbox, profiles, ui.progress, settings.limits, settings.jobs, workers=workers,
                          known=_known_forms(settings, profiles, found), found=found, each=guess)
        surveyed.guess = guess
    profile, reason = choose_profile(surveyed.forms(), profiles)
    if profile is None:
        ui.say(f"Профиль не определен: {reason}. Используется профиль по умолчанию «{DEFAULT_PROFILE}».")
        return surveyed, checked_profile(DEFAULT_PROFILE, settings.org)
    ui.say(f"Профиль определен автоматически: «{profile.key}»: {reason}. "
           f"Чтобы задать его явно: --profile {profile.key}.")
    return surveyed, checked_profile(profile.key, settings.org) if settings.org else profile


class _Guess:
    """The profile the files will choose, guessed while the survey reads them, and the files read in its
    form checked as they come (checks.engine.BatchCheck): the check of a region's rows then overlaps
    their reading instead of following it, as with --profile. The guess is the last run's profile in
    these results, else the form most of the first GUESS_AFTER files with a known form are in. `check`
    uses what was checked only if the profile chosen is the one guessed, with the same rules, registry,
    limits and other forms (`fits`); otherwise the files taken are put back as they were found and read
    again with the profile chosen, as without a guess."""

    GUESS_AFTER = 5

    def __init__(self, settings: Settings, profiles: list[Profile], found: list[FileResult], last: str | None):
        self.settings, self.profiles, self.found = settings, profiles, found
        self.key = last if any(p.key == last for p in profiles) else None
        self.votes: dict[str, int] = {}
        self.waiting: list[tuple[int, object]] | None = []  # surveyed before the guess; None: no guess made
        self.checking = None
        self.fresh: dict[str, dict] = {}  # the taken files' checks, packed for the store (_fresh_checks)
        self.taken: dict[int, FileResult] = {}  # index in `found` -> the file as it was found

    def __call__(self, i: int, surveyed) -> None:
        if self.waiting is None:
            return
        self.waiting.append((i, surveyed))
        if self.key is None:
            if surveyed.form is not None:
                self.votes[surveyed.form] = self.votes.get(surveyed.form, 0) + 1
            if sum(self.votes.values()) < self.GUESS_AFTER:
                return
            self.key = max(self.votes, key=self.votes.get)
        waiting, self.waiting = self.waiting, []
        try:
            for n, s in waiting:
                if s.verdict is None and s.form == self.key:
                    self._take(n, s)
        except (SettingsError, ProfileError):  # said by the run, whichever profile it is given
            self.abandon()
            self.waiting = None

    def _take(self, i: int, surveyed) -> None:
        """What `check` does with a file the survey read in the profile's form, done now."""
        if self.checking is None:
            profile = next(p for p in self.profiles if p.key == self.key)
            if self.settings.org:
                profile = checked_profile(self.key, self.settings.org)
            settings = with_registry(dataclasses.replace(self.settings, profile=profile))
            with heavy_imports():
                from consolidator.checks.engine import BatchCheck

            self.checking = BatchCheck(settings.profile, self.found, self._checked)
            self.profile, self.limits = settings.profile, settings.limits
            self.alternatives = [p for p in self.profiles if p.key != self.key]
            self.rules = rules_digest(self.profile, self.limits)
        f = self.found[i]
        self.taken[i] = dataclasses.replace(f, remarks=list(f.remarks), reasons=dict(f.reasons))
        f.subdivision = f.subdivision or f.source.stem
        f.form = (bool(surveyed.scores), surveyed.form)
        table = take_read(f, (None, None, with_form(surveyed.table, f.source, self.profile, self.alternatives,
                                                    surveyed.scores, may_read=False), None))
        surveyed.table, surveyed.taken = None, True
        _hash_files([f], self.rules)  # for its check to be packed with its part
        self.checking.add(i, table)

    def _checked(self, df, part: list[int]) -> None:
        self.fresh.update(_fresh_checks(self.found, df, set(part)))

    def fits(self, profile: Profile, alternatives: list[Profile] | None, limits: Limits | None) -> bool:
        """Whether the files taken were checked as `check` would check them now."""
        return (bool(self.taken) and [p.key for p in alternatives or ()] == [p.key for p in self.alternatives]
                and limits == self.limits and rules_digest(profile, limits) == self.rules)

    def abandon(self) -> None:
        """The files taken as they were found (their survey's tables are gone: they are read again)."""
        for i, f in self.taken.items():
            self.found[i] = f
        self.taken, self.checking, self.fresh = {}, None, {}


def run(settings: Settings, ui: Ui | None = None, side: SideProcess | None = None,
        surveyed: Survey | None = None, workers: Workers | None = None) -> Batch:
    """Check every file, sort out versions against the journal, then write returned copies with e-mail
    drafts, the consolidated list, the order draft, the protocol and report.json. `side`: the second
    process that writes the order; `surveyed`: the inbox as `survey` read it to choose the profile (its
    files are not read again); `workers`: the helper processes that read the files (None: the run's
    own, ended with it).

    One run at a time per results folder (outputs.lock): a second run waits for the first, then refuses."""
    if workers is None:
        with Workers(_limits(settings).process_mb) as own:
            return run(settings, ui, side, surveyed, own)
    ui = ui or Ui()
    out = settings.out
    settings = with_registry(settings)
    waited: list[str] = []

    def wait(message: str) -> None:
        waited.append(message)
        ui.say(message)

    with out_lock(out, settings.lock_timeout, wait):
        if waited:  # another run had the folder: the inbox may have changed meanwhile
            settings, surveyed = dataclasses.replace(settings, listed=None), None
        _sweep_temporary(out)
        _keep_journal_safe(settings.journal_path, ui.say)
        try:
            return _run_locked(settings, ui, side, surveyed, workers)
        except StoreDamaged as exc:
            # Found only when a kept file's rows are opened (an output written again): the next run checks
            # every file, as without the store.
            CheckedStore(out).forget()
            raise SettingsError(f"Сохраненные результаты проверки («{STORE}» в папке результатов) повреждены: "
                                f"файл удален, запустите проверку еще раз — все файлы будут прочитаны и проверены "
                                f"заново.") from exc


def _run_locked(settings: Settings, ui: Ui, side: SideProcess | None, surveyed: Survey | None,
                workers: Workers) -> Batch:
    """run, once the results folder is this run's."""
    out = settings.out
    with Journal(settings.journal_path) as journal:
        # Refused before anything is read or recorded: the journal stays as it was.
        edition = journal.edition_in_force(settings.profile.key)
        if edition is not None and settings.run_date < edition.date:
            raise SettingsError(
                f"Дата проверки {settings.run_date:%d.%m.%Y} раньше даты приказа от {edition.date:%d.%m.%Y} "
                f"№ {edition.number}, которым утверждена действующая редакция перечня: укажите --date не "
                f"раньше {edition.date:%d.%m.%Y}.")
        batch = check(settings, ui.progress, surveyed, workers)
        batch.edition = edition
        with _phase(batch, "journal"):
            track(batch, journal, list(settings.subdivisions), settings.calendar)
            if edition is not None:
                batch.carried = _carried_rows(batch, journal, settings.subdivisions)
        # What the last run wrote and from what (journal.checked): an output whose inputs did not
        # change is not written again.
        before = {} if settings.recheck else CheckedStore(out).outputs()
        # The returned copies are written by the pool while this process writes the consolidated
        # list and the order; the protocol and report.json name the copies, so they come last.
        with _phase(batch, "annotate"):
            copies = _ReturnedCopies(batch, ui.progress, {s.name: s.email for s in settings.subdivisions},
                                     settings.jobs, workers=workers, before=before.get("copies"))
        try:
            with _phase(batch, "consolidate"):
                def rows():
                    # Made when first needed: a run that keeps every output of the last one never makes
                    # them. What sorting them freed is given back then (speed.memory).
                    if batch.listed is None:
                        batch.list_rows()
                        trim()
                    return batch.listed

                if batch.carried is not None:  # the list as a whole is the current edition: checked again
                    _check_list(batch, rows)
                _registry_findings(batch, journal, rows)
                rows_digest = _rows_digest(batch)
                list_digest = _list_digest(batch, rows_digest)
                last = journal.last_run(batch.profile.key)
                # The same rows as the last run's list (a file returned or gone, or only the days changed):
                # its rows in the journal are this run's too.
                same_rows = (last.id if last is not None and before.get("rows") == [rows_digest, last.id]
                             else None)
            with _phase(batch, "amendments"):
                if edition is not None:  # compared with the edition, and the amending order made of it
                    current = _list_rows(batch, rows())
                else:  # only stored, made a slice at a time as it is
                    current = _JournalRows(batch, rows) if same_rows is None else None
                _compare(batch, current)
            outputs = _Outputs(batch, list_digest, before)
            order = _write_list_and_start_order(batch, rows, side, outputs)
            with _phase(batch, "amendments"):
                _write_changes(batch, current, outputs)
            with _phase(batch, "journal"):
                # The run and its list's rows, while the helpers finish the returned copies and the
                # order (committed with the checks, once every output is written).
                this_run = _run_record(batch)
                if same_rows is not None and _same_run(last, this_run):
                    run_id = last.id  # the same run again (the same day, list and lacks): nothing new to keep
                else:
                    run_id = journal.record_run(this_run, current, same_rows=same_rows)
                del current
        except BaseException:
            copies.cancel()
            raise
        with _phase(batch, "annotate"):
            copies.finish()
        with _phase(batch, "protocol"):
            from consolidator.outputs.protocol import write_protocol

            outputs.write(PROTOCOL, lambda path: write_protocol(batch, path),
                          [f.returned_copy for f in batch.files])
        with _phase(batch, "docx"):
            order()
        with _phase(batch, "protocol"):
            from consolidator.outputs.read_errors import write_read_errors

            write_read_errors(batch)
            said = report(batch)
            # Kept when it would say the same (json's indented encoding is its pure-Python one: 30 ms a
            # 1,000 files, the digest's compact one a sixth of that).
            outputs.write(REPORT, lambda path: write_text(path, json.dumps(said, ensure_ascii=False, indent=2)),
                          said)
        with _phase(batch, "journal"):
            record(batch, journal)
            journal.commit()
        with _phase(batch, "store"):
            _store_checks(settings, batch)
            CheckedStore(out).save_outputs({**outputs.state(), "rows": [rows_digest, run_id],
                                            "copies": copies.state(), "profile": batch.profile.key})
    return batch


# --- the list over the year --------------------------------------------------------------------------

APPROVED_DIR = "Утвержденные"


def approved_copy_name(number: str, day: date) -> str:
    return f"Сводный перечень (приказ от {day:%d.%m.%Y} № {number}).xlsx"


def approve(journal_path: Path, out: Path, number: str, day: date, incomplete: bool = False,
            profile: str | None = None, lock_timeout: float | None = None, ui: Ui | None = None):
    """Record the consolidated list of the journal's last run (of `profile`, if given) as the approved
    edition of order `number` of `day`, and keep a read-only copy of it in OUT/Утвержденные/. Returns
    (the edition, the copy's path). Refuses, with SettingsError and nothing recorded: a journal with no
    run (of that profile), a list that is incomplete unless `incomplete`, an order number already
    approved, a date before the edition in force or before the run that made the list."""
    ui = ui or Ui()
    number = number.strip().lstrip("№").strip()
    if not number:
        raise SettingsError("Укажите номер приказа: --number 27.")
    if not journal_path.exists():
        raise SettingsError(f"Журнал «{journal_path}» не найден: сначала выполните consolidator run.")
    with out_lock(out, lock_timeout, ui.say):
        _keep_journal_safe(journal_path, ui.say)
        return _approve(journal_path, out, number, day, incomplete, profile)


def _approve(journal_path: Path, out: Path, number: str, day: date, incomplete: bool, profile: str | None):
    import os
    import stat

    with Journal(journal_path) as journal:
        last = journal.last_run(profile)
        if last is None:
            other = journal.last_run()
            raise SettingsError(
                f"В журнале «{journal_path}» нет ни одного запуска" + (f" по профилю «{profile}»" if profile else "")
                + (f" (в нем запуски по профилю «{other.profile}»)" if other is not None and profile else "")
                + ": сначала выполните consolidator run.")
        taken = {e.number for e in journal.editions(last.profile)}
        if number in taken:
            raise SettingsError(f"Приказ № {number} уже записан в журнале как утвердивший редакцию перечня; "
                                f"укажите номер нового приказа.")
        in_force = journal.edition_in_force(last.profile)
        if in_force is not None and day < in_force.date:
            raise SettingsError(f"Дата {day:%d.%m.%Y} раньше даты приказа от {in_force.date:%d.%m.%Y} "
                                f"№ {in_force.number}, которым утверждена действующая редакция.")
        if day < last.run_date:
            raise SettingsError(f"Дата приказа {day:%d.%m.%Y} раньше даты проверки {last.run_date:%d.%m.%Y}, "
                                f"по которой составлен сводный перечень.")
        if not last.complete and not incomplete:
            raise SettingsError("Сводный перечень последнего запуска неполный (" + _missing_text(last.missing)
                                + "). Утвердите его, когда все перечни будут приняты, или укажите --incomplete.")
        source = Path(last.list_path) if last.list_path else None
        if source is None or not source.exists() or file_hash(source)[0] != last.list_sha256:
            raise SettingsError(f"Файл сводного перечня последнего запуска «{source}» изменен или удален после "
                                f"проверки: выполните consolidator run еще раз и затем approve.")
        target = out / APPROVED_DIR / approved_copy_name(number, day)
        if target.exists():
            os.chmod(target, stat.S_IREAD | stat.S_IWRITE)
        with atomic_path(target) as tmp:
            shutil.copyfile(source, tmp)
            os.chmod(tmp, stat.S_IREAD | stat.S_IRGRP | stat.S_IROTH)  # the approved edition is not edited
        edition = journal.record_edition(last.profile, number, day, last, incomplete=not last.complete)
        journal.commit()
    return edition, target


def _missing_text(missing: dict) -> str:
    parts = []
    for key, label in (("returned", "возвращены на доработку"), ("unreadable", "не прочитаны"),
                       ("not_submitted", "не представили перечень"),
                       ("not_resubmitted", "не представили исправленный перечень после возврата")):
        if missing.get(key):
            parts.append(f"{label}: {'; '.join(missing[key])}")
    return ", ".join(parts) or "не все перечни приняты"


def _carried_rows(batch: Batch, journal: Journal, expected: tuple[Subdivision, ...]):
    """The approved edition's rows of every subdivision with no newer accepted list in this run: the
    list is always the full current edition. A file older than the approved version of its subdivision
    (left in the inbox from before) is superseded by it. A subdivision no longer among the expected
    ones (when a list of them is given) has left: its rows are not carried (they are excluded)."""
    import pandas as pd

    edition = batch.edition
    approved = {r.subdivision: r.version_id for r in edition.rows}
    newer = set()
    for f in batch.files:
        if f.verdict != ACCEPTED or f.version is None:
            continue
        kept = approved.get(f.subdivision)
        if kept is None or kept == f.version.id or journal.get(kept).order <= f.version.order:
            newer.add(f.subdivision)
        else:
            f.checked_verdict, f.verdict = f.verdict, SUPERSEDED
            f.reason = (f"Более ранняя версия файла подразделения, чем утвержденная приказом от "
                        f"{edition.date:%d.%m.%Y} № {edition.number}: в перечне остается утвержденная.")
    staying = {s.name for s in expected}
    rows = []
    for r in edition.rows:
        # A row merged from several subdivisions (profile `consolidate`) stays while one of them keeps it.
        keeping = [s for s in (r.subdivision, *r.also) if s not in newer and (not staying or s in staying)]
        if keeping:
            rows.append(dataclasses.replace(r, subdivision=keeping[0], also=tuple(keeping[1:])))
    paths = journal.version_paths({r.version_id for r in rows if r.version_id is not None})
    keys = batch.profile.keys
    return pd.DataFrame({
        **{k: [r.cells.get(k, "") for r in rows] for k in keys},
        "subdivision": [r.subdivision for r in rows],
        "path": [paths.get(r.version_id, "") for r in rows],
        "sheet": [r.sheet for r in rows],
        "row": [r.source_row if r.source_row is not None else 0 for r in rows],
        "version": [r.version_id for r in rows],
    }, columns=[*keys, "subdivision", "path", "sheet", "row", "version"])


class _JournalRows:
    """The consolidated list's rows for `Journal.record_run`, made from its frame (`rows()`) a slice at
    a time as they are stored: a region's list is 420,000 rows, and their ListRows at once took 50 MiB
    more at the run's peak, while the list and the order are written."""

    def __init__(self, batch: Batch, rows: Callable[[], object], chunk: int = 20_000):
        self.batch, self.rows, self.chunk = batch, rows, chunk

    def __len__(self) -> int:
        return len(self.rows())

    def parts(self):
        rows, own = self.rows(), _of_files(self.batch)
        for start in range(0, len(rows), self.chunk):
            yield from _list_rows(self.batch, rows.iloc[start:start + self.chunk], own).parts()


def _of_files(batch: Batch) -> tuple[list[int | None], list[dict | None]]:
    """Each file's journal version and reasons for changes, as _list_rows takes them: once for a list's
    slices, not once a slice (at 50,000 files, 105 slices of 20,000 rows went over the 50,000 files each)."""
    return ([f.version.id if f.version is not None else None for f in batch.files],
            [f.reasons or None for f in batch.files])


def _list_rows(batch: Batch, rows, own: tuple[list[int | None], list[dict | None]] | None = None):
    """The consolidated list's rows as the journal keeps them (journal.store.ListRows, a column at a
    time: a region's list is hundreds of thousands of rows). `own`: the files' versions and reasons
    (_of_files)."""
    from consolidator.journal.store import ListRows

    n = len(rows)
    files = rows["file"].tolist()
    versions, reasons = own if own is not None else _of_files(batch)
    carried = rows["version"].tolist() if "version" in rows else [None] * n
    version_id = [versions[i] if i >= 0 else (int(v) if v is not None and v == v else None)
                  for i, v in zip(files, carried)]
    source_row = [int(r) if r == r else None for r in rows["row"].tolist()]
    reason = [None if i < 0 or reasons[i] is None else reasons[i].get(r) for i, r in zip(files, source_row)]
    merged = rows["merged"].tolist() if "merged" in rows else [None] * n
    return ListRows(
        position=[int(x) for x in rows["list_no"].tolist()], subdivision=rows["subdivision"].tolist(),
        version_id=version_id,
        cells={k: [v if type(v) is str else _cell_text(v) for v in rows[k].tolist()] for k in batch.profile.keys},
        sheet=[s if isinstance(s, str) else None for s in rows["sheet"].tolist()], source_row=source_row,
        reason=reason, also=[tuple(dict.fromkeys(s[0] for s in m)) if isinstance(m, list) else () for m in merged])


def _cell_text(value) -> str:
    if value is None or value != value:  # None, NaN
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _registry_findings(batch: Batch, journal: Journal, rows: Callable[[], object]) -> None:
    """With a registry: its processes no row names (000 п. 2.6), and the processes added to or removed
    from it since the approved edition's registry (reasons to update: 000 п. 3.3(1), 001 п. 15(1))."""
    from consolidator.profile.registry import differences, unlisted

    registry = batch.profile.registry
    if registry is None:
        return
    column = batch.profile.registry_form.process_column
    rows = rows()
    batch.registry_unlisted = unlisted(registry, rows[column].tolist() if len(rows) else [])
    if batch.edition is not None:
        before = journal.run(batch.edition.run_id).registry
        if before is not None:
            batch.registry_added, batch.registry_removed = differences(before, registry)


CHANGES_LIST = "Изменения в перечень.xlsx"
CHANGES_ORDER = "Проект приказа о внесении изменений.docx"


def _compare(batch: Batch, current: list | None) -> None:
    """With an approved edition in force: what changed against it (batch.changes)."""
    from consolidator.journal.changes import compare

    batch.changes = compare(batch.profile, batch.edition.rows, current) if batch.edition is not None else None


def _write_changes(batch: Batch, current: list | None, outputs: _Outputs) -> None:
    """The list of changes and the draft order that amends the list; without changes (or an edition),
    earlier drafts of them are removed."""
    if not batch.changes:
        for name in (CHANGES_LIST, CHANGES_ORDER):
            (batch.out / name).unlink(missing_ok=True)
        return
    from consolidator.outputs.amendment_order import write_amendment_order
    from consolidator.outputs.changes import write_changes

    outputs.write(CHANGES_LIST, lambda path: write_changes(batch, path))
    outputs.write(CHANGES_ORDER, lambda path: write_amendment_order(batch, current, path))


def _same_run(last, run) -> bool:
    """Whether `run` says what the journal's `last` run says, but when it finished."""
    return all(getattr(last, k) == getattr(run, k) for k in ("profile", "run_date", "complete", "missing", "list_path",
                                                               "list_sha256", "edition_id", "registry"))


def _run_record(batch: Batch):
    """The run as the journal keeps it: whether its list is complete, and what it lacks."""
    from consolidator.journal.store import Run

    def of(verdict):
        return [f.path for f in batch.files if f.verdict == verdict]

    missing = {"returned": of(RETURNED), "unreadable": of(UNREADABLE),
               "not_submitted": batch.not_submitted()}
    if batch.owing:  # returned before, nothing sent since (journal.tracking): the list lacks them
        missing["not_resubmitted"] = [o["path"] for o in batch.owing]
    listed = batch.out / CONSOLIDATED
    registry = batch.profile.registry
    return Run(profile=batch.profile.key, run_date=batch.run_date, registry=registry.to_json() if registry else None,
               finished=datetime.now().isoformat(timespec="seconds"), complete=not any(missing.values()),
               missing=missing, list_path=str(listed.resolve()) if listed.exists() else None,
               list_sha256=file_hash(listed)[0] if listed.exists() else None,
               edition_id=batch.edition.id if batch.edition is not None else None)


def _keep_journal_safe(path: Path, say: Callable[[str], None]) -> None:
    """Before the run changes the journal: a warning if it lies on a network drive, and a backup
    (journal.safekeeping). A damaged journal stops the run here, before the files are read."""
    warning = network_warning(path)
    if warning:
        say(warning)
    try:
        back_up(path)
    except OSError as exc:  # no room or no right to write beside the journal: the run goes on, said so
        say(f"Внимание: не удалось сохранить резервную копию журнала «{path}» ({exc.strerror or exc}).")


@contextmanager
def _phase(batch: Batch, name: str):
    """Add the time spent in a stage to batch.timings (the benchmark prints them)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        batch.timings[name] = batch.timings.get(name, 0.0) + time.perf_counter() - start


def _sweep_temporary(out: Path) -> None:
    """Temporary files a killed run left beside the outputs (atomic.atomic_path names them .~tmp-…),
    and the folders an earlier version staged the returned copies in."""
    for p in out.glob(".~tmp-*"):
        if p.is_file() and not p.is_symlink():
            p.unlink(missing_ok=True)
    for staged in (out / f".{RETURNED_DIR}.new", out / f".{RETURNED_DIR}.old"):
        if staged.is_dir() and not staged.is_symlink():
            shutil.rmtree(staged, ignore_errors=True)


def check(settings: Settings, progress: Progress | None = None, surveyed: Survey | None = None,
          workers: Workers | None = None) -> Batch:
    """Read and check every file; set verdicts, remarks and deadlines. Writes nothing.
    With `surveyed`, the files it read in this profile's form (or found unreadable) are not read again;
    the survey is used up."""
    settings = with_registry(settings)
    profile, inbox, limits = settings.profile, settings.inbox, settings.limits
    alternatives = list(settings.alternatives) if settings.alternatives is not None else None
    started = time.perf_counter()
    files = surveyed.found if surveyed is not None and surveyed.found is not None else settings.found()
    tables: dict[int, Table] = {}
    fix_days = profile.deadlines["fix"].days if "fix" in profile.deadlines else None
    reads: dict[int, Read] = {}
    to_read = []
    reasons = [skip_reason(f, inbox) for f in files]
    guess = getattr(surveyed, "guess", None)
    if guess is not None and not guess.fits(profile, alternatives, limits):
        guess.abandon()
        guess = None
    taken = guess.taken if guess is not None else {}
    stored = _stored_checks(settings, [f for f, reason in zip(files, reasons) if not reason])
    kept: dict[int, Callable[[], dict[str, list]]] = {}  # file index -> its rows (column -> values), as stored
    for i, (f, reason) in enumerate(zip(files, reasons)):
        if i in taken:  # checked as the survey read it (_Guess)
            surveyed.files.pop(f.source, None)
            continue
        f.subdivision = f.subdivision or f.source.stem  # refined from the form's title line when read
        # Taken out of the survey: its tables are then the batch's alone, freed with it.
        known = surveyed.files.pop(f.source, None) if surveyed and not reason else None
        if reason:
            f.verdict, f.reason = SKIPPED, reason
        elif f.check_key in stored:
            # Checked before, as it is now and by the same rules: not read again (journal.checked).
            kept[i] = restore(f, stored[f.check_key])
            f.from_store = True
            if surveyed and f.source in surveyed.known:
                f.form = surveyed.known[f.source]
        elif known is not None and known.stands_for(profile):
            f.form = (bool(known.scores), known.form)
            if known.verdict is None:
                # No file is read in this process: the survey's scores name the other form, or none is named.
                reads[i] = (None, None, with_form(known.table, f.source, profile, alternatives, known.scores,
                                                  may_read=False), None)
            else:
                reads[i] = (known.verdict, known.reason, None, known.detail)
        else:
            to_read.append(i)
    step = (progress or no_progress)("Чтение файлов", len(to_read))
    ctx = (profile, alternatives, limits)
    texts = surveyed.texts if surveyed else {}
    pool = Started(read_one, [files[i].source for i in to_read], ctx, settings.jobs, on_death=read_death,
                   memory_mb=_limits(settings).process_mb, workers=workers)
    checking, fresh = (guess.checking, guess.fresh) if guess is not None else (None, {})
    if checking is None and to_read and not reads:
        # Every file to check is read here, in the files' order: the rows read so far are checked while
        # the helpers read the rest (checks.engine.BatchCheck).
        with heavy_imports():
            from consolidator.checks.engine import BatchCheck

        # Each part's checks are packed for the store as soon as it is checked (_fresh_checks).
        checking = BatchCheck(profile, files, lambda df, part: fresh.update(_fresh_checks(files, df, set(part))))
    for n, (i, read) in enumerate(zip(to_read, pool.results())):
        step(files[i].path)
        if read[2] is not None:
            intern_rows(read[2], texts)
        read = (*read[:3], with_detail(read[3], pool.notes.get(n)))
        if checking is None:
            reads[i] = read
        elif (table := take_read(files[i], read)) is not None:
            checking.add(i, table)
    if surveyed:
        surveyed.texts.clear()
    for i, read in sorted(reads.items()):
        table = take_read(files[i], read)
        if table is not None:
            if checking is not None:
                checking.add(i, table)
            else:
                tables[i] = table
    read_done = time.perf_counter()
    if workers is not None and any(f.verdict != SKIPPED and f.source.suffix.lower() not in (".xlsx", ".xlsm")
                                   for f in files):
        # A returned copy of an .xls, .ods or .xlsb is written with openpyxl (0.1-0.4 s to import):
        # the helper that will write it imports it while this process checks the rows.
        workers.preload(_COPY_MODULES)
    # With every file's check taken from the store, the engine (pandera) is not imported.
    if checking is not None:
        data = checking.frame()
    elif tables or not kept:
        with heavy_imports():
            from consolidator.checks.engine import check_batch

        data = check_batch(profile, files, tables)
    else:
        data = None
    if data is not None:  # packed from the rows read this time, before the kept files' rows join them
        fresh.update(_fresh_checks(files, data, done=fresh))
    later = None
    fresh_unread = any(f.check_key and not f.from_store and f.verdict != SKIPPED for f in files)
    if kept and data is None and not fresh_unread:
        # Every check from the store: the frame (pandas) is made only if an output is to be written again.
        later = functools.partial(_with_kept_rows, None, kept)
    elif kept:
        data = _with_kept_rows(data, kept)
    batch = Batch(profile=profile, run_date=settings.run_date, inbox=inbox, out=settings.out, files=files, data=data,
                  limits=limits, sent=settings.sent, data_later=later)
    batch.fresh_checks = {**fresh, **_fresh_checks(files, data, done=fresh)}
    batch.timings.update(read=read_done - started + (surveyed.seconds if surveyed else 0.0),
                         check=time.perf_counter() - read_done)
    for f in files:
        if f.verdict == ACCEPTED and f.errors:
            f.verdict = RETURNED
            if fix_days is not None:
                f.fix_deadline = settings.calendar.add_working_days(batch.remarks_sent, fix_days)
    _check_list(batch)
    return batch


def _stored_checks(settings: Settings, files: list[FileResult]) -> dict[str, dict]:
    """The SHA-256 and check keys of the files to read (regular files: skip_reason has seen to it);
    the checks stored for them (none with --recheck)."""
    from consolidator.journal.checked import CheckedStore

    _hash_files(files, rules_digest(settings.profile, settings.limits))
    if settings.recheck:
        return {}
    return CheckedStore(settings.out).load((f.check_key for f in files if f.check_key), rows=False)


def _hash_files(files: list[FileResult], rules: str) -> None:
    """Each file's SHA-256 and size, and the key of its check under the rules (`rules_digest`)."""
    from consolidator.journal.checked import file_key

    for f in files:
        try:
            f.sha256, f.size = _hash(f.source)
        except OSError:  # gone or locked since it was found: its reading says so
            continue
        f.check_key = file_key(rules, f.path, f.sha256)


_HASHES: dict[tuple, tuple[str, int]] = {}


def _hash(path: Path) -> tuple[str, int]:
    """journal.store.file_hash, once per file state in a process (choosing the profile and checking
    both need it)."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns, st.st_ino)
    found = _HASHES.get(key)
    if found is None:
        if len(_HASHES) > 100_000:
            _HASHES.clear()
        found = _HASHES[key] = file_hash(path)
    return found


def _with_kept_rows(data, kept: dict[int, Callable[[], dict[str, list]]]):
    """The batch frame with the rows of the files whose checks were taken from the store (`kept`: what
    gives them, journal.checked.restore), in file order (`data`: the frame of the files read this time,
    or None when none was). A kept file's rows are opened only when their turn comes, and its texts
    become the objects of the same texts met before: JSON gives every cell its own, and a region's
    kept rows held at once took 250 MiB more than the rows read."""
    with heavy_imports():
        import pandas as pd

    columns = list(data.columns) if data is not None else None
    merged: dict[str, list] | None = {c: [] for c in columns} if columns is not None else None
    parts: list[tuple[int, Callable[[], dict[str, list]] | None]] = list(kept.items())
    if data is not None and len(data):
        numbers = data["file"].tolist()
        parts += [(i, None) for i in dict.fromkeys(numbers)]
        values = {c: data[c].tolist() for c in columns}
        bounds = {}
        for n, i in enumerate(numbers):
            start, _ = bounds.get(i, (n, n))
            bounds[i] = (start, n + 1)
    intern = {}.setdefault
    for i, opened in sorted(parts, key=lambda p: p[0]):
        if opened is None:  # read this time: its rows from the frame
            start, stop = bounds[i]
            for c in columns:
                merged[c].extend(values[c][start:stop])
            continue
        rows = opened()  # journal.checked.StoreDamaged: see run
        if merged is None:
            columns = ["file", *rows]
            merged = {c: [] for c in columns}
        n = len(next(iter(rows.values()), []))
        merged["file"].extend([i] * n)
        for c in columns[1:]:
            column = rows.get(c, [])
            if len(column) != n:
                merged[c].extend([None] * n)
            elif set(map(type, column)) == {str}:  # a column of texts: each looked up at once
                merged[c].extend(map(intern, column, column))
            else:
                merged[c].extend([intern(v, v) if type(v) is str else v for v in column])
    frame = pd.DataFrame(merged, columns=columns)
    if data is not None:
        # The same column types as a frame made of read files only.
        frame = frame.astype({c: t for c, t in data.dtypes.items() if t != object}, errors="ignore")
    return frame


def _fresh_checks(files: list[FileResult], data, among=None, done=()) -> dict[str, dict]:
    """What to keep of the files checked this time (journal.checked), as their check left them: with
    the rows of those accepted (the rows of a returned file go nowhere); packed for the store at once.
    `data`: the frame of their rows; `among`: only these files (a part of the batch, checked); `done`:
    not these (their checks are packed already)."""
    from consolidator.journal.checked import entry_of, pack

    fresh = [i for i, f in enumerate(files) if f.check_key and not f.from_store and f.verdict != SKIPPED
             and (among is None or i in among) and f.check_key not in done]
    if not fresh:
        return {}
    columns = [c for c in data.columns if c != "file"]
    numbers = data["file"].to_numpy() if len(data) else None
    values = [data[c].tolist() for c in columns] if len(data) else []
    new = {}
    for i in fresh:
        f = files[i]
        if f.verdict == ACCEPTED and not f.errors and numbers is not None:
            start, stop = numbers.searchsorted(i, "left"), numbers.searchsorted(i, "right")
            new[f.check_key] = pack(entry_of(f, columns, [v[start:stop] for v in values]))
        else:
            new[f.check_key] = pack(entry_of(f, columns, [[] for _ in columns]))
    return new


def _store_checks(settings: Settings, batch: Batch) -> None:
    """Keep the checks of the files read this time; forget those of files no longer in the inbox."""
    from consolidator.journal.checked import CheckedStore

    CheckedStore(settings.out).save([f.check_key for f in batch.files if f.from_store], batch.fresh_checks)


def _check_list(batch: Batch, rows=None) -> None:
    """The list checks of the profile over the consolidated list (`rows`: what makes Batch.accepted_rows())."""
    from consolidator.checks import get
    from consolidator.checks.base import ListCheck

    if any(isinstance(get(r.check), ListCheck) for r in batch.profile.rules):
        from consolidator.checks.engine import check_list  # pandera: imported only for a profile that has them

        batch.list_remarks = check_list(batch.profile, batch.accepted_rows() if rows is None else rows())


# --- writing -----------------------------------------------------------------------------------------

_COPY_MODULES = ("consolidator.outputs.returned", "consolidator.outputs.returned_openpyxl", "consolidator.outputs.eml")


def _return_one(item: tuple[FileResult, str | None]) -> tuple[str, str | None]:
    """The returned copy and its e-mail draft for one file (in a helper process: the author's file is
    read again to make it); with the technical notes of what could not be kept in it, for the log."""
    batch, root = parallel_context()
    f, email = item
    notes: list[str] = []
    f.returned_copy = write_returned(batch, f, root, notes=notes)
    write_draft(batch, f, email, root)
    return f.returned_copy, "\n".join(notes) or None


class _ReturnedCopies:
    """All returned copies, each written whole (outputs.atomic) into the returned folder, with their
    e-mail drafts. A copy the last run made of the same file with the same remarks, deadline and
    details (`before`: what the run kept of its copies, by inbox path) is kept as it is, unless it
    was changed since. At the end, what the folder holds besides this run's copies and drafts (of a
    file now accepted or gone) is removed: no copy lingers. The copies are started in helper
    processes at once and collected by finish(); a file whose copy killed its process gets the sheet
    of remarks alone, made here without reading it."""

    def __init__(self, batch: Batch, progress: Progress, emails: dict[str, str | None], jobs: int | None = None,
                 min_parallel: int = MIN_PARALLEL, workers: Workers | None = None, before: dict | None = None):
        self.batch = batch
        self.root = batch.out
        returned = [f for f in batch.files if f.verdict == RETURNED]
        self.digests = {f.path: _copy_digest(batch, f, emails.get(f.subdivision)) for f in returned}
        self.kept: list[FileResult] = []
        self.returned: list[FileResult] = []
        # The copies and drafts the last run left (None: not known, so the folder is looked through).
        self.before = None if before is None else {rel for old in before.values() for rel in old["files"]}
        for f in returned:
            old = (before or {}).get(f.path)
            if old and old["digest"] == self.digests[f.path] and all(
                    _file_state(self.root / rel) == state for rel, state in old["files"].items()):
                f.returned_copy = old["copy"]
                self.kept.append(f)
            else:
                self.returned.append(f)
        self.step = progress("Запись копий с замечаниями", len(self.returned))
        # Workers need the profile, date and limits, not every file's rows (and no pandas to read them).
        ctx = (batch.for_helpers(files=[]), self.root)
        items = [(f, emails.get(f.subdivision)) for f in self.returned]
        limits = batch.limits if isinstance(batch.limits, Limits) else Limits.from_env()
        self.started = Started(_return_one, items, ctx, jobs, on_death=self._remarks_only,
                               memory_mb=limits.process_mb, workers=workers, min_parallel=min_parallel,
                               last=True)

    def _remarks_only(self, item: tuple[FileResult, str | None], death: Death) -> tuple[str, str | None]:
        f, email = item
        notes = [f"the returned copy could not be made of the file: {death.describe()}"]
        f.returned_copy = rel = write_returned(self.batch, f, self.root, notes=notes, read_source=False)
        write_draft(self.batch, f, email, self.root)
        return rel, "\n".join(notes)

    def cancel(self) -> None:
        # The copies written so far are whole, and this run's: they stay; the rest as they were.
        self.started.cancel()

    def finish(self) -> None:
        try:
            for n, (f, (rel, detail)) in enumerate(zip(self.returned, self.started.results())):
                self.step(f.path)
                f.returned_copy = rel
                detail = with_detail(detail, self.started.notes.get(n))
                if detail:
                    f.detail = f"{f.detail}\n{detail}" if f.detail else detail
        except BaseException:
            self.cancel()
            raise
        self._remove_others()

    def _files(self, f: FileResult) -> list[str]:
        """The copy and the draft of a file, relative to the results folder."""
        return self._files_of(f.returned_copy)

    def _files_of(self, copy: str) -> list[str]:
        from consolidator.outputs.eml import draft_path

        return [copy, draft_path(self.root / copy).relative_to(self.root).as_posix()]

    def _remove_others(self) -> None:
        folder = self.root / RETURNED_DIR
        if not folder.is_dir():
            return
        wanted = {rel for f in (*self.kept, *self.returned) if f.returned_copy for rel in self._files(f)}
        # The copies of earlier runs still owed a corrected list (their files are not in this inbox).
        wanted |= {rel for copy in self.batch.owed_copies for rel in self._files_of(copy)}
        if not self.returned and self.before is not None and wanted == self.before:
            return  # the last run's copies, every one kept: nothing else to remove
        for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            rel = path.relative_to(self.root).as_posix()
            if path.is_symlink() or path.is_file():
                if rel not in wanted:
                    path.unlink(missing_ok=True)
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        if not any(folder.iterdir()):
            folder.rmdir()

    def state(self) -> dict:
        """What the next run needs to keep these copies: by inbox path, the digest of what each was made
        of, the copy, and the size and time of change of the copy and the draft."""
        return {f.path: {"digest": self.digests[f.path], "copy": f.returned_copy,
                         "files": {rel: _file_state(self.root / rel) for rel in self._files(f)}}
                for f in (*self.kept, *self.returned) if f.returned_copy}


def _copy_digest(batch: Batch, f: FileResult, email: str | None) -> str:
    """What a returned copy and its draft are made of: the file, its remarks and their resolutions,
    the deadline, the days of the check and of the remarks, the addressee, the organisation and the
    program."""
    from consolidator.journal.checked import package_digest

    return _digest([f.check_key, f.path, [[r.to_json(), r.key] for r in f.remarks], f.resolved, f.fix_deadline,
                    batch.run_date, batch.remarks_sent, email, batch.profile.org, package_digest()])


def _write_list_and_start_order(batch: Batch, rows: Callable[[], object], side: SideProcess | None,
                                outputs: _Outputs) -> Callable[[], None]:
    """Write the consolidated list of `rows()` (Batch.accepted_rows()); start the order (in the second
    process, if there is one) and return what finishes it. With an approved edition in force the list
    is amended, not approved again: no approval order is drafted. `outputs`: what the last run wrote,
    kept as it is when made of the same."""
    # Looked up at call time, so that a test can stand in for a writer (a run killed midway).
    from consolidator.outputs.consolidated import write_consolidated

    path = batch.out / ORDER
    # An order kept from the last run was drafted of the same rows: there were some.
    drafted = batch.edition is None and (outputs.kept(ORDER) or len(rows()) > 0)
    pending = None
    if drafted and side is not None and not outputs.kept(ORDER):
        # The worker needs the profile, the files' verdicts and the columns of the order's table, not the
        # batch's frame, and no pandas to read them.
        pending = side.write(batch.for_helpers(files=[f.outline() for f in batch.files]),
                             coded_columns(rows(), [*batch.profile.keys, "subdivision"]), path)
    with _phase(batch, "consolidate"):
        trim()  # what sorting the rows and coding the order's columns freed (speed.memory)
        consolidated_rows = outputs.write(CONSOLIDATED, lambda target: write_consolidated(batch, rows(), target))
        batch.consolidated = {"path": CONSOLIDATED, "rows": consolidated_rows}
        trim()  # what writing it freed, given back while the helpers still work (speed.memory)

    def finish() -> None:
        if not drafted:
            path.unlink(missing_ok=True)
            batch.order = None
            return
        if outputs.kept(ORDER):
            batch.order = {"path": ORDER}
            outputs.keep(ORDER)
            return
        try:
            if pending is None:
                raise LookupError
            pending.result()
        except Exception:
            # No second process, or it could not write the order: written here, as a serial run does
            # (an error in the order itself is then raised here). python-docx is imported only then.
            from consolidator.outputs.order import write_order

            write_order(batch, rows(), path)
        outputs.wrote(ORDER)
        batch.order = {"path": ORDER}

    return finish


class _Outputs:
    """The run's outputs made of the same inputs as the last run's (the same digest: the list's rows,
    what report.json says of the files, the organisation's details, the program) and untouched since
    (the same size and time of change): these are kept as they are; the others are written."""

    def __init__(self, batch: Batch, list_digest: str, before: dict):
        self.out = batch.out
        self.digest = _outputs_digest(batch, list_digest)
        self.before = before if before.get("digest") == self.digest else {}
        self.files: dict[str, list] = {}
        self.results: dict[str, object] = dict(self.before.get("results", {}))

    def kept(self, name: str, digest: str | None = None) -> bool:
        """Whether the last run's file stands: untouched, and made of what `digest` (_digest of what else
        it is made of; None: nothing else) says."""
        state = self.before.get("files", {}).get(name)
        return state is not None and state[:2] == _file_state(self.out / name) and state[2:] == [
            digest or _digest(None)]

    def keep(self, name: str, digest: str | None = None) -> None:
        self.files[name] = [*_file_state(self.out / name), digest or _digest(None)]

    def wrote(self, name: str) -> None:
        self.keep(name)

    def write(self, name: str, write: Callable[[Path], object], extra: object = None):
        """`write(path)` unless the last run's file stands; returns what write returned (then or now)."""
        digest = _digest(extra)
        if self.kept(name, digest=digest) and name in self.results:
            self.keep(name, digest=digest)
            return self.results[name]
        result = write(self.out / name)
        self.results[name] = result
        self.keep(name, digest=digest)
        return result

    def state(self) -> dict:
        return {"digest": self.digest, "files": self.files,
                "results": {k: v for k, v in self.results.items() if k in self.files}}


def _file_state(path: Path) -> list:
    try:
        st = path.stat()
    except OSError:
        return [None, None]
    return [st.st_size, st.st_mtime_ns]


def _digest(value: object) -> str:
    """SHA-256 of a value's JSON (its dicts are built in a fixed order: their keys are not sorted)."""
    return hashlib.sha256(json.dumps(value, ensure_ascii=False, default=str).encode()).hexdigest()


def _rows_digest(batch: Batch) -> str:
    """What the consolidated list's rows are made of, and nothing else: the accepted files' checks (a
    check key names the file's bytes and the rules) and journal versions, the approved edition and the
    subdivisions whose rows are carried from it, the profile and the program. A file returned,
    unreadable or gone changes the list's summary, not its rows (Batch.accepted_rows)."""
    from consolidator.journal.checked import package_digest

    if any(f.check_key is None and f.verdict != SKIPPED for f in batch.files):
        return f"unkept {time.time_ns()}"  # a file whose bytes could not be hashed: no list equals this one
    return _digest([[[f.path, f.check_key, f.version.id if f.version is not None else None]
                     for f in batch.files if f.verdict == ACCEPTED],
                    batch.edition.id if batch.edition is not None else None,
                    sorted(batch.carried_subdivisions()), batch.profile.key, package_digest()])


def _list_digest(batch: Batch, rows_digest: str) -> str:
    """What the consolidated list is made of: its rows (`rows_digest`), and for its summary every file's
    verdict and journal version and the subdivisions expected. Equal digests, equal lists."""
    if rows_digest.startswith("unkept"):
        return rows_digest
    return _digest([rows_digest, [[f.path, f.check_key, f.verdict, f.version.id if f.version is not None else None]
                                  for f in batch.files], [s["name"] for s in batch.subdivisions or []]])


def _outputs_digest(batch: Batch, list_digest: str) -> str:
    """What the consolidated list, the orders, the list of changes and the protocol are made of."""
    from consolidator.journal.checked import package_digest

    said = report(batch)
    for f in said["files"]:
        f.pop("returned_copy", None)
    return _digest([list_digest, said, batch.profile.org, batch.remarks_sent, package_digest(),
                    batch.edition.id if batch.edition is not None else None])


def report(batch: Batch) -> dict:
    """report.json: a public contract read by other systems (see docs/report-json.md)."""
    return {
        "profile": batch.profile.key,
        "run_date": batch.run_date.isoformat(),
        "files": [
            {
                "path": f.path,
                "subdivision": f.subdivision,
                "verdict": f.verdict,
                "reason": f.reason,
                "sheet": f.sheet,
                "rows": f.rows,
                "remarks": [r.to_json() for r in f.remarks],
                "returned_copy": f.returned_copy,
                "fix_deadline": f.fix_deadline.isoformat() if f.fix_deadline else None,
                **({"resolved": f.resolved} if f.resolved is not None else {}),
            }
            for f in batch.files
        ],
        "consolidated": batch.consolidated,
        "order": batch.order,
        "subdivisions": batch.subdivisions or [],
        "changes": _changes_report(batch),
        "list_remarks": [r.to_json() for r in batch.list_remarks],
        "registry": _registry_report(batch),
    }


def _registry_report(batch: Batch) -> dict | None:
    """report.json's `registry`: the process registry checked against and what it shows of the list."""
    registry = batch.profile.registry
    if registry is None:
        return None
    return {"path": registry.source, "processes": len(registry.processes),
            "unlisted": [p.to_json() for p in batch.registry_unlisted],
            "added": batch.registry_added, "removed": batch.registry_removed}


def _changes_report(batch: Batch) -> dict | None:
    """report.json's `changes`: the approved edition in force and what changed against it."""
    from consolidator.journal.changes import counts

    if batch.edition is None:
        return None
    changed = bool(batch.changes)
    return {"edition": {"number": batch.edition.number, "date": batch.edition.date.isoformat()},
            **counts(batch.changes or []),
            "list": CHANGES_LIST if changed else None, "order": CHANGES_ORDER if changed else None}
