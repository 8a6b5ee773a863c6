"""The tally of a survey's counted answers (`tally`), as plain numbers the outputs print.

Every answer is turned into a small integer code once (a closed answer: its place in the vocabulary;
a score: its value; a date: its month), and every count is one `numpy.bincount` over group × code: the
whole survey, each municipality and each month are counted in a few passes over the answers, whatever
their number.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from consolidator.profile.schema import Profile
from consolidator.profile.survey import Period, parse_moment, whole_number
from consolidator.profile.text import match_key
from consolidator.stats.interval import wilson

if TYPE_CHECKING:
    import pandas as pd

OVERALL = "Все ответы"


@dataclass(frozen=True)
class Distribution:
    """The answers to one closed question: count per answer (in the vocabulary's order) and the
    questionnaires without an answer."""
    counts: dict[str, int]
    missing: int = 0

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    def share(self, answer: str) -> float | None:
        return self.counts.get(answer, 0) / self.n if self.n else None


@dataclass(frozen=True)
class Share:
    """A share with its 95% Wilson interval (stats.interval)."""
    count: int
    n: int

    @property
    def value(self) -> float | None:
        return self.count / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.count, self.n)


@dataclass(frozen=True)
class Scores:
    """The scores one resource got: count per score, and the questionnaires without one."""
    counts: dict[int, int]
    missing: int = 0
    low: tuple[int, ...] = ()  # the scores after which the open question is asked

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    @property
    def mean(self) -> float | None:
        return sum(k * v for k, v in self.counts.items()) / self.n if self.n else None

    @property
    def median(self) -> float | None:
        """The middle score (the mean of the two middle ones for an even count)."""
        n = self.n
        if not n:
            return None
        middle = [(n - 1) // 2, n // 2]  # 0-based ranks of the middle score(s)
        values, seen = [], 0
        for score in sorted(self.counts):
            upto = seen + self.counts[score]
            values += [score for rank in middle if seen <= rank < upto]
            seen = upto
        return sum(values) / 2

    @property
    def low_share(self) -> float | None:
        return sum(self.counts.get(k, 0) for k in self.low) / self.n if self.n else None


@dataclass
class Group:
    """The tally of one group of questionnaires (all of them, a municipality, a month)."""
    label: str
    answers: int
    satisfaction: Distribution
    satisfied: Share
    use: dict[int, Distribution]  # by source number
    scores: dict[int, Scores]  # by source number
    reliable: bool


@dataclass(slots=True)  # a survey has as many as its questionnaires, and more: no frozen-class overhead
class OpenAnswer:
    source: int
    score: int | None
    municipality: str
    when: str  # as the file gives it
    text: str
    path: str
    row: int
    moment: datetime | None = None  # `when` read as a date and time


@dataclass
class Tally:
    overall: Group
    by_municipality: list[Group]
    by_month: list[Group]  # labels «ГГГГ-ММ»
    open_answers: dict[int, list[OpenAnswer]]  # by source number, lowest scores first
    first: date | None  # the earliest and the latest date among the counted answers
    last: date | None
    min_group: int
    good_mean: float
    sources: list[tuple[int, str]] = field(default_factory=list)  # (number, name)

    def open_counts(self) -> dict[int, int]:
        """How many open answers each resource got."""
        return {n: len(items) for n, items in self.open_answers.items()}

    def common_open(self, number: int, scores: tuple[int, ...], most: int) -> list[str]:
        """The `most` open answers given most often about a resource after one of `scores`."""
        counts: dict[str, int] = {}
        for a in self.open_answers.get(number, ()):
            if a.score in scores:
                counts[a.text] = counts.get(a.text, 0) + 1
        return [text for text, _ in sorted(counts.items(), key=lambda kv: -kv[1])[:most]]

    def below_good(self) -> list[int]:
        """Sources whose mean score is below the profile's `good_mean`, lowest first."""
        low = [(s.mean, n) for n, s in self.overall.scores.items() if s.mean is not None and s.mean < self.good_mean]
        return [n for _, n in sorted(low)]


def tally(profile: Profile, answers: pd.DataFrame, paths: list[str], period: Period | None = None) -> Tally:
    """The tally of `answers`: the counted questionnaires, one row each, with the profile's column keys
    (cleaned text), `file` (index into `paths`) and `row` (the Excel row)."""
    import numpy as np
    import pandas as pd

    survey = profile.survey
    t = survey.tally
    n = len(answers)
    sources = survey.sources

    def codes(column: str, convert) -> np.ndarray:
        """convert(value) -> int code (-1: no answer) over a column, once per distinct value."""
        values, uniques = pd.factorize(answers[column].to_numpy(dtype=object), use_na_sentinel=False)
        return np.fromiter((convert(v) for v in uniques), dtype=np.int64, count=len(uniques))[values] \
            if n else np.empty(0, dtype=np.int64)

    def choice(question: str):
        items = list(dict.fromkeys(profile.vocabulary(survey.question(question).vocabulary).values()))
        voc = profile.vocabulary(survey.question(question).vocabulary)
        place = {v: i for i, v in enumerate(items)}
        return items, lambda v: place.get(voc.get(match_key(v)), -1) if v else -1

    municipalities, as_municipality = choice(t.municipality)
    muni = codes(t.municipality, as_municipality)
    moments = {}

    def month(value: str) -> int:
        moment = parse_moment(value)
        if moment is None:
            return -1
        moments[value] = moment
        return moment.year * 12 + moment.month - 1

    months_abs = codes(t.date, month)  # year * 12 + month - 1
    dates = sorted({m.date() for m in moments.values()})
    present = sorted({int(m) for m in np.unique(months_abs) if m >= 0})
    # A given period shows every one of its months, those without answers too.
    labels = (period.months() if period is not None else []) or [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in present]
    place = {int(label[:4]) * 12 + int(label[5:]) - 1: i for i, label in enumerate(labels)}
    month_code = pd.Series(months_abs, dtype="int64").map(place).fillna(-1).to_numpy(dtype=np.int64)

    answer_items, as_answer = choice(t.satisfaction)
    sat = codes(t.satisfaction, as_answer)
    use_items, as_use = choice(t.use)
    use = {s.number: codes(f"{t.use}_{s.number}", as_use) for s in sources}
    score_q = survey.question(t.score)
    low_scores = score_q.open.low if score_q.open else ()
    lo, hi = score_q.scale

    def score(value: str) -> int:
        number = whole_number(value)
        return number if number is not None and lo <= number <= hi else -1

    scores = {s.number: codes(f"{t.score}_{s.number}", score) for s in sources}
    satisfied_code = answer_items.index(t.satisfied)

    def groups(group: np.ndarray, size: int, names: list[str]) -> list[Group]:
        """One Group per group id 0..size-1 of `group` (-1: in none)."""
        inside = group >= 0
        g = group[inside]

        def table(values: np.ndarray, k: int) -> np.ndarray:
            v = values[inside]
            v = np.where(v < 0, k, v)  # the last column counts the questionnaires without an answer
            return np.bincount(g * (k + 1) + v, minlength=size * (k + 1)).reshape(size, k + 1)

        rows = np.bincount(g, minlength=size)
        sat_t = table(sat, len(answer_items))
        use_t = {s: table(use[s], len(use_items)) for s in use}
        score_t = {s: table(np.where(scores[s] < 0, -1, scores[s] - lo), hi - lo + 1) for s in scores}
        out = []
        for i, name in enumerate(names):
            satisfaction = Distribution({a: int(sat_t[i, j]) for j, a in enumerate(answer_items)}, int(sat_t[i, -1]))
            out.append(Group(
                label=name, answers=int(rows[i]), satisfaction=satisfaction,
                satisfied=Share(int(sat_t[i, satisfied_code]), satisfaction.n),
                use={s: Distribution({a: int(u[i, j]) for j, a in enumerate(use_items)}, int(u[i, -1]))
                     for s, u in use_t.items()},
                scores={s: Scores({lo + j: int(c[i, j]) for j in range(hi - lo + 1)}, int(c[i, -1]), low_scores)
                        for s, c in score_t.items()},
                reliable=int(rows[i]) >= t.min_group,
            ))
        return out

    overall = groups(np.zeros(n, dtype=np.int64), 1, [OVERALL])[0]
    by_municipality = groups(muni, len(municipalities), municipalities)
    by_month = groups(month_code, len(labels), labels)
    return Tally(overall=overall, by_municipality=by_municipality, by_month=by_month,
                 open_answers=_open_answers(profile, answers, paths, scores, municipalities, muni, moments),
                 first=dates[0] if dates else None, last=dates[-1] if dates else None,
                 min_group=t.min_group, good_mean=t.good_mean, sources=[(s.number, s.name) for s in sources])


def _open_answers(profile: Profile, answers, paths: list[str], scores: dict, municipalities: list[str],
                  muni, moments: dict[str, datetime]) -> dict[int, list[OpenAnswer]]:
    """Every open answer given, by the resource it is about: lowest scores first, then by date."""
    survey, t = profile.survey, profile.survey.tally
    score_q = survey.question(t.score)
    out: dict[int, list[OpenAnswer]] = {}
    if score_q.open is None:
        return out
    when = answers[t.date].to_numpy(dtype=object)
    files = answers["file"].to_numpy()
    rows = answers["row"].to_numpy()
    for s in survey.sources:
        texts = answers[f"{score_q.open.key}_{s.number}"].to_numpy(dtype=object)
        given = [i for i, text in enumerate(texts) if text]
        items = [OpenAnswer(source=s.number, score=int(scores[s.number][i]) if scores[s.number][i] > 0 else None,
                            municipality=municipalities[muni[i]] if muni[i] >= 0 else "",
                            when=str(when[i]), text=str(texts[i]), path=paths[int(files[i])], row=int(rows[i]),
                            moment=moments.get(when[i])) for i in given]
        items.sort(key=lambda a: (a.score if a.score is not None else 99, a.moment or datetime.max, a.path, a.row))
        out[s.number] = items
    return out
