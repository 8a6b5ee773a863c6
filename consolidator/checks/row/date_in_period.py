"""date_in_period: a date in `column` falls within the period from `start` to `end` (either may be
left out; with neither, every date passes). A survey run sets them from its --period, or `end` to the
date of the check. A cell that is no date is left to is_date.

Parameters: column; start, end (dates, ГГГГ-ММ-ДД).
Message fields: {date} (the cell's date, ДД.ММ.ГГГГ), {period} («с 01.01.2025 по 31.03.2025»; with
`end` alone «не позже даты проверки …»).

Example:
    - {code: ECON-PERIOD, check: date_in_period, column: when, start: 2025-01-01, end: 2025-03-31, ...}
"""
from __future__ import annotations

from datetime import date

from consolidator.checks.base import RowCheck, mark, per_value
from consolidator.profile.schema import ProfileError
from consolidator.profile.survey import Period, parse_moment, ru_date


def period(rule) -> Period:
    bounds = []
    for name in ("start", "end"):
        value = rule.params.get(name)
        if value is not None and not isinstance(value, date):
            try:
                value = date.fromisoformat(str(value))
            except ValueError:
                raise ProfileError(f"правило {rule.code}: «{name}» должен быть датой ГГГГ-ММ-ДД, "
                                   f"а не {value!r}") from None
        bounds.append(value)
    return Period(*bounds, given=bounds[0] is not None)


class DateInPeriod(RowCheck):
    optional = ("start", "end")

    def fails(self, frame, rule, profile):
        within = period(rule)

        def outside(value: str) -> bool:
            moment = parse_moment(value)
            return moment is not None and not within.contains(moment.date())

        return mark(rule, per_value(frame[rule.column], outside).astype(bool))

    def remark_fields(self, frame, failing, column, rule, profile):
        text = period(rule).text()
        return [{"date": ru_date(parse_moment(frame.at[i, column]).date()), "period": text} for i in failing]


CHECK = DateInPeriod()
