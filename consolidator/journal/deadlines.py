"""The procedure's own deadlines over the year, each from the profile's data (`deadlines`), worked out
against the journal: what is due, by when, and by how many working days it is overdue.

- a deadline `after: approval` counts its working days from the approval of the edition in force
  (001 п. 14: the list on the site within 10 working days of its approval); `after: amendment` only
  from an edition that amended an earlier one (000 п. 3.1: the current version on the site within
  5 working days of a change);
- a deadline with `months` is a review each subdivision owes at least that often, counted from its
  last list (004 п. 20: at least once a quarter);
- a deadline with `until` is a yearly date (001 п. 16: monitoring by 25 December, hand-over by 31
  December): due from every subdivision that has sent no list since 1 January of that year.

Only what can be worked out from the journal is said: whether the list was put on the site, the
journal cannot know, so such an item reads as a reminder with its date.
"""
from __future__ import annotations

import calendar as months
from dataclasses import dataclass
from datetime import date

from consolidator.journal.store import Journal
from consolidator.journal.workdays import Calendar
from consolidator.profile.schema import Profile


@dataclass
class Due:
    text: str  # what is due, as the procedure says it
    clause: str
    day: date  # by when
    subdivision: str | None = None  # who owes it, when a subdivision does
    overdue_days: int = 0  # working days past `day` (0: not overdue)
    reminder: bool = False  # the journal cannot tell whether it was done


def add_months(day: date, n: int) -> date:
    month = day.month - 1 + n
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, months.monthrange(year, month)[1]))


def procedure_deadlines(profile: Profile, journal: Journal, today: date, work: Calendar,
                        subdivisions: list[str]) -> list[Due]:
    """Every deadline of the profile that applies on `today`, for the subdivisions named (the expected
    ones and those in the journal)."""
    editions = journal.editions(profile.key)
    last_list: dict[str, date] = {}
    for v in journal.versions(profile=profile.key):
        last_list[v.subdivision] = max(v.received, last_list.get(v.subdivision, v.received))
    out: list[Due] = []

    def overdue(due: date) -> int:
        return work.working_days_between(due, today) if today > due else 0

    for d in profile.deadlines.values():
        if d.after in ("approval", "amendment") and editions:
            edition = editions[-1]
            if d.after == "amendment" and len(editions) < 2:
                continue  # the first approval changes nothing (000 п. 3.1 speaks of changes)
            due = work.add_working_days(edition.date, d.days)
            out.append(Due(f"{d.text} (приказ от {edition.date:%d.%m.%Y} № {edition.number})", d.clause, due,
                           overdue_days=overdue(due), reminder=True))
        elif d.months:
            for name in subdivisions:
                since = last_list.get(name)
                if since is None:
                    continue  # no list yet: the status says so
                due = add_months(since, d.months)
                out.append(Due(d.text, d.clause, due, name, overdue(due)))
        elif d.until:
            day_, month_ = (int(x) for x in d.until.split("."))
            due = date(today.year, month_, day_)
            start = date(today.year, 1, 1)
            for name in subdivisions:
                if last_list.get(name, date.min) < start:
                    out.append(Due(d.text, d.clause, due, name, overdue(due)))
    return sorted(out, key=lambda x: (x.day, x.subdivision or ""))


@dataclass
class Year:
    """Where the list stands in its year: the approved editions, the changes the last run found
    against the one in force (waiting for an amending order), and the procedure's deadlines."""
    editions: list
    pending: list  # journal.changes.Change
    pending_run: date | None
    dues: list[Due]


def year_of(profile: Profile, journal: Journal, today: date, work: Calendar, subdivisions: list[str]) -> Year:
    from consolidator.journal.changes import compare

    editions = journal.editions(profile.key)
    pending, when = [], None
    last = journal.last_run(profile.key)
    if editions and profile.amendments is not None and last is not None and last.edition_id == editions[-1].id:
        pending, when = compare(profile, editions[-1].rows, journal.run_rows(last.id)), last.run_date
    return Year(editions, pending, when, procedure_deadlines(profile, journal, today, work, subdivisions))
