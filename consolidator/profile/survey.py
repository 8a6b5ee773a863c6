"""A satisfaction survey as data: the questionnaire of a procedure's appendix (questions with the
form's codes, answer lists, the sources asked about), what its tally counts, and how an answer's date
and a monitoring period are read.

A survey profile is a `Profile` whose table columns are the survey's codes (`Survey.columns`: one
column per code, a per-source question once per source), so that its answers are found, read, checked
and returned by the same machinery as a list. profile.load builds it from the `survey:` section of
rules/<name>.yaml; nothing here is regional.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from consolidator.profile.schema import Column, ProfileError
from consolidator.profile.text import clean, match_key

QUESTION_TYPES = ("choice", "date", "score", "text")


@dataclass(frozen=True)
class Source:
    """A source of information asked about (question (22)) and rated (question (23)): its number gives
    the codes (22.N), (23.N); `match` finds it among the points of an approved list."""
    number: int
    name: str
    match: tuple[re.Pattern, ...] = ()


@dataclass(frozen=True)
class OpenQuestion:
    """The open question asked after a low score (1, 2 or 3 of question (23)), one per rated source."""
    key: str
    low: tuple[int, ...]
    text: str
    short: str
    variants: tuple[str, ...] = ()
    width: int = 36


@dataclass(frozen=True)
class Question:
    key: str
    code: str  # «21»; a per-source question's columns add the source's number: «22.1»
    block: int
    item: str  # the question's own number in the form («4»), printed before the code
    type: str  # choice | date | score | text
    text: str  # as the questionnaire prints it
    short: str  # the column's header after the code
    vocabulary: str | None = None
    per_source: bool = False
    variants: tuple[str, ...] = ()  # other headers, with {code} and {source}
    width: int = 20
    scale: tuple[int, int] | None = None  # a score's (min, max)
    scale_text: str = ""
    open: OpenQuestion | None = None


@dataclass(frozen=True)
class Tally:
    """Which questions the results count, by role."""
    municipality: str
    date: str
    satisfaction: str
    satisfied: str  # the answer to `satisfaction` that counts as satisfied
    use: str
    score: str
    good_mean: float  # resources whose mean score is below this are named in the report
    min_group: int  # a group with fewer answers is marked as not reliable


@dataclass(frozen=True)
class ApprovedList:
    """The check of the survey's sources against the points of an approved list (--list)."""
    code: str
    severity: str
    clause: str
    column: str  # the list form's column of the point
    message: str


@dataclass(frozen=True)
class Survey:
    title: str
    clause: str
    footnote: str
    questions: tuple[Question, ...]
    sources: tuple[Source, ...]
    tally: Tally
    approved_list: ApprovedList | None = None
    form: str = "форма опроса"  # where the procedure gives the questionnaire («приложение № 1 к Порядку»)

    def question(self, key: str) -> Question:
        for q in self.questions:
            if q.key == key:
                return q
        raise KeyError(key)

    def keys(self, key: str) -> list[str]:
        """The columns of a question (its key; per source: key_N) or of an open question (open_N)."""
        for q in self.questions:
            if q.key == key:
                return [f"{key}_{s.number}" for s in self.sources] if q.per_source else [key]
            if q.open is not None and q.open.key == key:
                return [f"{key}_{s.number}" for s in self.sources]
        raise KeyError(key)

    def families(self) -> dict[str, list[str]]:
        """Question keys that stand for several columns in a rule's `columns` (one per source)."""
        out = {}
        for q in self.questions:
            if q.per_source:
                out[q.key] = self.keys(q.key)
            if q.open is not None:
                out[q.open.key] = self.keys(q.open.key)
        return out

    def code(self, question: Question, source: Source | None = None) -> str:
        return f"{question.code}.{source.number}" if source is not None else question.code

    def columns(self) -> tuple[Column, ...]:
        """The table of answers: one column per code, in the form's order; a score's open answer
        right after it, as the paper questionnaire puts it."""
        out: list[Column] = []
        for q in self.questions:
            if not q.per_source:
                out.append(self._column(q.key, q.code, q.short, q.variants, q.width, None, q.item))
                continue
            for s in self.sources:
                code = self.code(q, s)
                out.append(self._column(f"{q.key}_{s.number}", code, f"{s.name}: {q.short}", q.variants, q.width,
                                        s, f"{q.item}.{s.number}"))
                if q.open is not None:
                    o = q.open
                    out.append(Column(f"{o.key}_{s.number}", f"({code}) {s.name}: {o.short}",
                                      _variants(o.variants, code, s.name, o.short, None), o.width))
        return tuple(out)

    @staticmethod
    def _column(key, code, short, variants, width, source, item) -> Column:
        name = source.name if source is not None else short
        extra = _variants(variants, code, name, short, item)
        return Column(key, f"({code}) {short}", (f"({code})", code, *extra), width)


def _variants(templates, code: str, source: str, short: str, item: str | None) -> tuple[str, ...]:
    """A column's other headers: its code with the short text (as the form prints it: «5.1. (22.1).
    …»), and the profile's templates."""
    out = [f"{code} {short}", f"{code}. {short}"]
    if item:
        out += [f"{item}. ({code}). {source}", f"{item} ({code}) {source}"]
    out += [t.format(code=code, source=source) for t in templates]
    return tuple(dict.fromkeys(out))


# --- reading the `survey:` section -------------------------------------------------------------------

def build(r: Any, data: Any, path: Path, vocabularies: set[str]) -> Survey:
    """The survey of a profile's `survey:` section; `r` is profile.load's key reader (it names the file
    and the key on every error), `vocabularies` the profile's vocabulary names."""
    questions = []
    for i, q in enumerate(r.get(data, "questions", "survey", list)):
        where = f"survey.questions[{i}]"
        qtype = r.get(q, "type", where)
        if qtype not in QUESTION_TYPES:
            raise ProfileError(f"{path}: «{where}.type» должен быть одним из: {', '.join(QUESTION_TYPES)}")
        vocabulary = r.get(q, "vocabulary", where, str, None)
        if qtype == "choice" and vocabulary not in vocabularies:
            raise ProfileError(f"{path}: «{where}.vocabulary» = {vocabulary!r}: нет такого словаря в vocabularies")
        scale = r.get(q, "scale", where, dict, None)
        if qtype == "score":
            scale = (r.get(scale, "min", f"{where}.scale", int), r.get(scale, "max", f"{where}.scale", int))
        open_data = r.get(q, "open", where, dict, None)
        open_q = None
        if open_data is not None:
            w = f"{where}.open"
            open_q = OpenQuestion(key=r.get(open_data, "key", w), low=tuple(r.get(open_data, "low", w, list)),
                                  text=_line(r.get(open_data, "text", w)), short=r.get(open_data, "short", w),
                                  variants=tuple(r.get(open_data, "variants", w, list, [])),
                                  width=r.get(open_data, "width", w, int, 36))
        questions.append(Question(
            key=r.get(q, "key", where), code=str(r.get(q, "code", where, (str, int))), block=r.get(q, "block", where, int),
            item=str(r.get(q, "item", where, (str, int), "")), type=qtype, text=_line(r.get(q, "text", where)),
            short=r.get(q, "short", where), vocabulary=vocabulary,
            per_source=r.get(q, "per_source", where, bool, False),
            variants=tuple(r.get(q, "variants", where, list, [])), width=r.get(q, "width", where, int, 20),
            scale=scale, scale_text=r.get(q, "scale_text", where, str, ""), open=open_q,
        ))
    sources = []
    for i, s in enumerate(r.get(data, "sources", "survey", list)):
        where = f"survey.sources[{i}]"
        patterns = []
        for m in r.get(s, "match", where, list, []):
            try:
                patterns.append(re.compile(m))
            except re.error as exc:
                raise ProfileError(f"{path}: «{where}.match»: неверное регулярное выражение {m!r}: {exc}") from exc
        sources.append(Source(r.get(s, "number", where, int), r.get(s, "name", where), tuple(patterns)))
    numbers = [s.number for s in sources]
    if len(set(numbers)) != len(numbers) or any(n < 1 for n in numbers):
        raise ProfileError(f"{path}: «survey.sources»: номера источников должны быть разными целыми числами от 1")
    t = r.get(data, "summary", "survey", dict)
    tally = Tally(
        municipality=r.get(t, "municipality", "survey.summary"), date=r.get(t, "date", "survey.summary"),
        satisfaction=r.get(t, "satisfaction", "survey.summary"), satisfied=r.get(t, "satisfied", "survey.summary"),
        use=r.get(t, "use", "survey.summary"), score=r.get(t, "score", "survey.summary"),
        good_mean=float(r.get(t, "good_mean", "survey.summary", (int, float), 4)),
        min_group=r.get(t, "min_group", "survey.summary", int, 10),
    )
    keys = {q.key for q in questions}
    for role in ("municipality", "date", "satisfaction", "use", "score"):
        if getattr(tally, role) not in keys:
            raise ProfileError(f"{path}: «survey.summary.{role}» называет вопрос, которого нет в survey.questions")
    listed = r.get(data, "approved_list", "survey", dict, None)
    approved = None
    if listed is not None:
        w = "survey.approved_list"
        approved = ApprovedList(code=r.get(listed, "code", w), severity=r.get(listed, "severity", w),
                                clause=r.get(listed, "clause", w), column=r.get(listed, "column", w),
                                message=_line(r.get(listed, "message", w)))
    return Survey(title=_line(r.get(data, "title", "survey")), clause=r.get(data, "clause", "survey"),
                  footnote=_line(r.get(data, "footnote", "survey", str, "")), questions=tuple(questions),
                  sources=tuple(sources), tally=tally, approved_list=approved,
                  form=_line(r.get(data, "form", "survey", str, "форма опроса")))


def _line(text: str) -> str:
    return " ".join(text.split())


# --- answers -----------------------------------------------------------------------------------------

_DMY = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4}|\d{2})(?:\s*г\.?)?"
                  r"(?:[\sT,]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[\sT]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?")


def parse_moment(value: object) -> datetime | None:
    """An answer's date and time as the readers give them («15.01.2025 10:30» from a date cell, «2025-01-15
    10:30:00» from an export, «15.01.25»), or None when it is no date."""
    return _moment(clean(value))


@lru_cache(maxsize=1 << 17)  # the checks, the period and the tally read the same dates
def _moment(text: str) -> datetime | None:
    m = _DMY.fullmatch(text)
    if m:
        d, mo, y, hh, mm, ss = m.groups()
        year = int(y) + 2000 if len(y) == 2 else int(y)
        parts = (year, int(mo), int(d))
    else:
        m = _ISO.fullmatch(text)
        if not m:
            return None
        y, mo, d, hh, mm, ss = m.groups()
        parts = (int(y), int(mo), int(d))
    try:
        return datetime(*parts, int(hh or 0), int(mm or 0), int(ss or 0))
    except ValueError:
        return None


def ru_date(d: date) -> str:
    return d.strftime("%d.%m.%Y")


@dataclass(frozen=True)
class Period:
    """The monitoring period: the dates answers may bear. Given by the user (`given`), or only an end:
    the date of the check (an answer cannot come from the future)."""
    start: date | None
    end: date | None
    given: bool = True

    def contains(self, d: date) -> bool:
        return (self.start is None or d >= self.start) and (self.end is None or d <= self.end)

    def text(self) -> str:
        if self.start and self.end:
            return f"с {ru_date(self.start)} по {ru_date(self.end)}"
        if self.end:
            return f"не позже даты проверки {ru_date(self.end)}" if not self.given else f"по {ru_date(self.end)}"
        return f"с {ru_date(self.start)}" if self.start else "без ограничения"

    def months(self) -> list[str]:
        """Every month of a period with both ends, «ГГГГ-ММ»; [] otherwise."""
        if not (self.start and self.end):
            return []
        out, (y, m) = [], (self.start.year, self.start.month)
        while (y, m) <= (self.end.year, self.end.month):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    @classmethod
    def parse(cls, text: str) -> Period:
        """«2025-01..2025-03», «2025-01-01..2025-03-31», «01.01.2025..31.03.2025», «2025-04» (a month),
        «2025» (a year). ValueError with a Russian message otherwise."""
        parts = [p.strip() for p in re.split(r"\.\.|\s+[–—-]\s+|[–—]", text.strip(), maxsplit=1)]
        try:
            first, last = _bounds(parts[0])
            if len(parts) == 2:
                last = _bounds(parts[1])[1]
        except ValueError:
            raise ValueError(f"«{text}» — не период. Укажите период так: 2025-01..2025-03 (месяцы), "
                             f"2025-01-01..2025-03-31 или 01.01.2025..31.03.2025 (даты), 2025-04 (один месяц), "
                             f"2025 (год).") from None
        if last < first:
            raise ValueError(f"Период «{text}» заканчивается раньше, чем начинается.")
        return cls(first, last)


def _bounds(text: str) -> tuple[date, date]:
    """The first and the last day a period's end names: a year, a month or a day."""
    if re.fullmatch(r"\d{4}", text):
        y = int(text)
        return date(y, 1, 1), date(y, 12, 31)
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", text) or re.fullmatch(r"(\d{1,2})\.(\d{4})", text)
    if m:
        y, mo = (int(m.group(1)), int(m.group(2))) if len(m.group(1)) == 4 else (int(m.group(2)), int(m.group(1)))
        return date(y, mo, 1), date(y, mo, calendar.monthrange(y, mo)[1])
    moment = parse_moment(text)
    if moment is None or moment.time() != datetime.min.time():
        raise ValueError(text)
    return moment.date(), moment.date()


def points_of(source: Source, points: list[str]) -> list[str]:
    """The points of an approved list that are this source (its `match` patterns)."""
    return [p for p in points if p and any(rx.search(match_key(p, fold_spaces_only=True)) for rx in source.match)]


_WHOLE = re.compile(r"[-+]?\d{1,9}(?:[.,]0+)?")


def whole_number(value: object) -> int | None:
    """A whole number as a cell holds it («5», «5.0» from a number cell or an export), else None
    («4,5», «пять», «5 баллов»)."""
    text = clean(value)
    if not _WHOLE.fullmatch(text):
        return None
    return int(re.split(r"[.,]", text)[0])


def in_quotes(name: str) -> str:
    """«name», the quotes inside it made „…“ as Russian typography nests them: «Страница в сети
    „Одноклассники“», not «Страница в сети «Одноклассники»»."""
    return "«" + name.replace("«", "„").replace("»", "“") + "»"
