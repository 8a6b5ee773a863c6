"""«Итоги опроса.xlsx»: the tally of a survey's counted answers, for the authorised unit.

Sheets: «Итоги» (questionnaires counted, the share satisfied with its 95% Wilson interval, the use of
every source, the scores of every resource), «По муниципалитетам» and «По месяцам» (the same by
group), «Уточнения» (the open answers by resource), «Файлы» (what became of every file), «Перечень»
(with --list: the sources against the approved list) and «Как считалось». Charts are the workbook's
own (bar charts over the tables' cells), so they open in Excel and LibreOffice and follow the numbers.
A group with fewer answers than the profile's `min_group` is shown, in grey, marked as not reliable.

`run` is a consolidator.survey.SurveyRun (the checked files, the tally, the comparison with the list):
outputs do not import the job that calls them. Written with openpyxl (charts, merged headings); every
text from an answers file is written as text, never as a formula.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Sequence

from babel.dates import format_date
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.chart.marker import DataPoint
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from consolidator.model import ACCEPTED, RETURNED, SKIPPED, SUPERSEDED, UNREADABLE, VERDICT_RU
from consolidator.ooxml.openpyxl_cells import BORDER
from consolidator.outputs.atomic import atomic_path
from consolidator.outputs.style import BODY_FONT, HEADER_FILL
from consolidator.outputs.template import Styles, fit_row, print_setup, set_widths
from consolidator.stats.interval import Z95

FILE_NAME = "Итоги опроса.xlsx"
SHEET_SUMMARY = "Итоги"
SHEET_MUNICIPALITIES = "По муниципалитетам"
SHEET_MONTHS = "По месяцам"
SHEET_OPEN = "Уточнения"
SHEET_FILES = "Файлы"
SHEET_LIST = "Перечень"
SHEET_METHOD = "Как считалось"

PERCENT, MEAN, MEDIAN, COUNT = "0.0%", "0.00", "0.0", "#,##0"
UNRELIABLE = "мало анкет"  # fewer than min_group: the share and the means are not reliable
FEW_SCORES = "мало оценок"
NO_ANSWERS = "нет анкет"
_GREY = "808080"
# Chart colours, the same in the workbook and in the report's pictures (outputs.survey_charts).
SERIES_COLOURS = ("2E75B6", "9DC3E6", "C9C9C9", "F4B183", "C55A11")
SCORE_COLOURS = ("C00000", "F4B183", "FFE699", "A9D18E", "548235")


def month_label(key: str) -> str:
    """«январь 2025» for «2025-01»."""
    from datetime import date

    return format_date(date(int(key[:4]), int(key[5:7]), 1), "LLLL y", locale="ru")


def percent_text(value: float | None) -> str:
    """«78,3 %»."""
    return "—" if value is None else f"{value * 100:.1f}\u00a0%".replace(".", ",")


def interval_text(interval: tuple[float, float] | None) -> str:
    """«74,1–82,0 %»."""
    if interval is None:
        return "—"
    low, high = interval
    return f"{low * 100:.1f}–{high * 100:.1f}\u00a0%".replace(".", ",")


def number_text(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}".replace(".", ",")


def write_results(run, path: Path) -> None:
    """Write «Итоги опроса.xlsx» for a survey run.

    openpyxl writes the tables and their charts; the open answers, as many as the questionnaires and more,
    are a sheet added to its package afterwards (ooxml.xlsx_patch): openpyxl took 20 s for the 120 000 open
    answers of 100 000 questionnaires, the patch takes 2."""
    import io

    from consolidator.ooxml import xlsx_patch

    wb = Workbook()
    sheet = _Sheet(wb.active, SHEET_SUMMARY)
    _summary(sheet, run)
    _groups(_Sheet(wb.create_sheet(), SHEET_MUNICIPALITIES), run, run.tally.by_municipality,
            "Муниципальное образование", "Доля удовлетворенных по муниципальным образованиям", horizontal=True)
    _groups(_Sheet(wb.create_sheet(), SHEET_MONTHS), run, run.tally.by_month, "Месяц",
            "Доля удовлетворенных по месяцам", horizontal=False, labels=month_label)
    _files(_Sheet(wb.create_sheet(), SHEET_FILES), run)
    if run.approved is not None:
        _approved(_Sheet(wb.create_sheet(), SHEET_LIST), run)
    _method(_Sheet(wb.create_sheet(), SHEET_METHOD), run)
    wb.active = 0
    wb.properties.title = "Итоги опроса"
    wb.properties.creator = "consolidator"
    package = io.BytesIO()
    wb.save(package)
    book = xlsx_patch.Workbook(io.BytesIO(package.getvalue()))
    xlsx_patch.append_sheet(book, open_answers_sheet(run))
    data = book.bytes()
    with atomic_path(Path(path)) as tmp:
        tmp.write_bytes(data)


class _Sheet:
    """A sheet written from the top down: headings, tables and notes, with the workbook's styles."""

    def __init__(self, ws, title: str, widths: Sequence[float] = ()):
        ws.title = title
        self.ws, self.row, self.widths = ws, 1, list(widths)
        st = self.st = Styles(ws)
        top = Alignment(vertical="top", wrap_text=True)
        st.define("title", font=Font(name=BODY_FONT, size=14, bold=True), alignment=top)
        st.define("sub", font=Font(name=BODY_FONT, size=11, italic=True), alignment=top)
        st.define("section", font=Font(name=BODY_FONT, size=12, bold=True), alignment=top)
        st.define("para", font=Font(name=BODY_FONT, size=11), alignment=top)
        st.define("key", font=Font(name=BODY_FONT, size=12, bold=True), alignment=top)
        st.define("header", font=Font(name=BODY_FONT, bold=True), border=BORDER, fill=PatternFill("solid", fgColor=HEADER_FILL),
                  alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
        for name, colour in (("", None), ("grey", _GREY)):
            font = Font(name=BODY_FONT, color=colour, italic=bool(colour))
            st.define(f"text{name}", font=font, border=BORDER, alignment=top)
            st.define(f"count{name}", font=font, border=BORDER, alignment=top, number_format=COUNT)
            st.define(f"percent{name}", font=font, border=BORDER, alignment=top, number_format=PERCENT)
            st.define(f"mean{name}", font=font, border=BORDER, alignment=top, number_format=MEAN)
            st.define(f"median{name}", font=font, border=BORDER, alignment=top, number_format=MEDIAN)
            st.define(f"score{name}", font=font, border=BORDER, alignment=Alignment(horizontal="center", vertical="top"))
        st.define("group", font=Font(name=BODY_FONT, bold=True), border=BORDER, alignment=top,
                  fill=PatternFill("solid", fgColor="F2F2F2"))

    def widths_set(self, widths: Sequence[float]) -> None:
        self.widths = list(widths)
        set_widths(self.ws, widths)

    def line(self, text: str, style: str = "para", size: float = 11, bold: bool = False) -> int:
        """A text across the sheet's columns, its row high enough for it."""
        from consolidator.ooxml.xlsx_writer import text_height

        r = self.row
        self.st.put(r, 1, text, style)
        last = max(1, len(self.widths))
        if last > 1:
            self.ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=last)
        self.ws.row_dimensions[r].height = text_height(text, sum(self.widths) or 80, size, bold)
        self.row += 1
        return r

    def skip(self, n: int = 1) -> None:
        self.row += n

    def header(self, values: Sequence[str]) -> int:
        r = self.row
        self.st.put_row(r, values, "header")
        fit_row(self.ws, r, values, self.widths, bold=True)
        self.row += 1
        return r

    def table_row(self, values: Sequence[object], styles: Sequence[str], grey: bool = False) -> int:
        r = self.row
        for c, (value, style) in enumerate(zip(values, styles), 1):
            self.st.put(r, c, value, style + ("grey" if grey and style != "group" else ""))
        fit_row(self.ws, r, [v if isinstance(v, str) else "" for v in values], self.widths)
        self.row += 1
        return r


def _chart(kind: str, title: str, y_title: str | None, *, stacked: bool = False, percent_axis: bool = False,
           width: float = 17, height: float = 10, maximum: float | None = None) -> BarChart:
    chart = BarChart()
    chart.type = kind  # "col": vertical bars, "bar": horizontal
    chart.title = title
    chart.style = 10
    chart.width, chart.height = width, height
    if stacked:
        chart.grouping = "percentStacked" if percent_axis else "stacked"
        chart.overlap = 100
    chart.y_axis.title = y_title
    # openpyxl leaves the axes out unless told otherwise: Excel would show the bars without scales.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    if percent_axis or maximum is not None:
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1 if percent_axis else maximum
    if percent_axis:
        chart.y_axis.numFmt = "0%"
    chart.legend.position = "b"
    return chart


def _categories(chart: BarChart, labels: Reference) -> None:
    """The bars' labels: text cells, referred to as text (openpyxl's set_categories refers to them as
    numbers, which a spreadsheet then has to guess)."""
    from openpyxl.chart.data_source import AxDataSource, StrRef

    for series in chart.series:
        series.cat = AxDataSource(strRef=StrRef(f=str(labels)))


def _top_down(chart: BarChart) -> None:
    """Horizontal bars in the table's order (the first on top), the value axis still at the bottom."""
    chart.x_axis.scaling.orientation = "maxMin"
    chart.y_axis.crosses = "max"


def _colour(chart: BarChart, colours: Sequence[str]) -> None:
    for series, colour in zip(chart.series, colours):
        series.graphicalProperties.solidFill = colour
        series.graphicalProperties.line.solidFill = colour


# --- «Итоги» -----------------------------------------------------------------------------------------

def _summary(sheet: _Sheet, run) -> None:
    profile, tally = run.batch.profile, run.tally
    survey = profile.survey
    widths = [9, 44, 12, 11, 12, 11, 12, 11, 12, 12, 12, 13, 18]
    sheet.widths_set(widths)
    overall = tally.overall
    sheet.line(f"Итоги опроса: {survey.title}", "title", 14, True)
    dates = (f"; анкеты датированы с {tally.first.strftime('%d.%m.%Y')} по {tally.last.strftime('%d.%m.%Y')}"
             if tally.first else "")
    sheet.line(f"Период мониторинга: {run.window.text()}{dates}. Итоги подведены "
               f"{run.batch.run_date.strftime('%d.%m.%Y')} ({survey.clause}: мониторинг уровня удовлетворенности "
               f"внешних клиентов — форма контроля за выполнением Порядка).", "sub")
    sheet.skip()

    sheet.line("Анкеты", "section", 12, True)
    verdicts = {v: sum(f.verdict == v for f in run.batch.files) for v in (ACCEPTED, RETURNED, UNREADABLE, SKIPPED)}
    files = ", ".join(f"{VERDICT_RU[v]} — {n}" for v, n in verdicts.items() if n)
    rows = [
        ("Получено анкет (строк в файлах ответов)", run.answers),
        ("Учтено в итогах", run.counted_total),
        ("Не учтено: в строке есть ошибка (файл возвращен на доработку)", run.answers - run.counted_total),
    ]
    for label, value in rows:
        r = sheet.row
        sheet.st.put(r, 1, label, "text")
        sheet.st.put(r, 2, None, "text")
        sheet.ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
        fit_row(sheet.ws, r, [label], [widths[0] + widths[1]])
        sheet.st.put(r, 3, value, "count")
        sheet.row += 1
    sheet.line(f"Файлов ответов: {files} (лист «{SHEET_FILES}»).", "para")
    sheet.skip()

    # The share satisfied.
    question = survey.question(survey.tally.satisfaction)
    sheet.line(f"Удовлетворенность информацией о деятельности ведомства в целом (вопрос ({question.code}))",
               "section", 12, True)
    share = overall.satisfied
    sheet.line(f"Доля удовлетворенных: {percent_text(share.value)} (95-процентный доверительный интервал Уилсона: "
               f"{interval_text(share.interval)}); ответили на вопрос {share.n} из {overall.answers} "
               f"учтенных анкет.", "key", 12, True)
    first = sheet.header(["Код", "Ответ", "Анкет", "Доля"])
    for i, (answer, count) in enumerate(overall.satisfaction.counts.items(), 1):
        sheet.table_row([str(i), answer, count, overall.satisfaction.share(answer)], ["text", "text", "count", "percent"])
    sheet.table_row(["", "Нет ответа", overall.satisfaction.missing, None], ["text", "text", "count", "text"])
    last = first + len(overall.satisfaction.counts)
    satisfaction_chart = _chart("col", "Удовлетворенность информацией в целом", "Доля ответивших",
                                percent_axis=True)
    satisfaction_chart.add_data(Reference(sheet.ws, min_col=4, min_row=first, max_row=last), titles_from_data=True)
    _categories(satisfaction_chart, Reference(sheet.ws, min_col=2, min_row=first + 1, max_row=last))
    satisfaction_chart.legend = None
    satisfaction_chart.varyColors = False
    _labels(satisfaction_chart, PERCENT)
    _colour(satisfaction_chart, SERIES_COLOURS)
    sheet.skip()

    # The use of every source.
    use_q = survey.question(survey.tally.use)
    sheet.line(f"Источники информации: как часто ими пользуются (вопрос ({use_q.code}))", "section", 12, True)
    answers = list(next(iter(overall.use.values())).counts) if overall.use else []
    head = ["Код", "Источник"]
    for a in answers:
        head += [f"{a}: анкет", "доля"]
    head += ["Ответили", "Нет ответа"]
    use_first = sheet.header(head)
    for s in survey.sources:
        d = overall.use[s.number]
        values: list[object] = [survey.code(use_q, s), s.name]
        styles = ["text", "text"]
        for a in answers:
            values += [d.counts[a], d.share(a)]
            styles += ["count", "percent"]
        sheet.table_row(values + [d.n, d.missing], styles + ["count", "count"], grey=d.n < tally.min_group)
    use_last = use_first + len(survey.sources)
    use_chart = _chart("bar", "Как часто пользуются источниками информации", None, stacked=True, percent_axis=True)
    for j in range(len(answers)):
        use_chart.add_data(Reference(sheet.ws, min_col=4 + 2 * j, min_row=use_first, max_row=use_last),
                           titles_from_data=True)
    _categories(use_chart, Reference(sheet.ws, min_col=2, min_row=use_first + 1, max_row=use_last))
    _top_down(use_chart)
    _labels(use_chart, PERCENT)
    _colour(use_chart, SERIES_COLOURS)
    _series_titles(use_chart, answers)
    sheet.skip()

    # The scores of every resource.
    score_q = survey.question(survey.tally.score)
    lo, hi = score_q.scale
    low = score_q.open.low if score_q.open else ()
    sheet.line(f"Насколько просто найти информацию на ресурсе (вопрос ({score_q.code}), оценка от {lo} до {hi}: "
               f"{score_q.scale_text})", "section", 12, True)
    head = ["Код", "Ресурс", "Оценок", "Средняя", "Медиана", *[f"«{k}»" for k in range(lo, hi + 1)],
            f"Доля оценок {_span(low)}", "Уточнений", "Надежность"]
    score_first = sheet.header(head)
    for s in survey.sources:
        sc = overall.scores[s.number]
        reliable = sc.n >= tally.min_group
        values = [survey.code(score_q, s), s.name, sc.n, sc.mean, sc.median,
                  *[sc.counts[k] for k in range(lo, hi + 1)], sc.low_share, len(tally.open_answers.get(s.number, [])),
                  "" if reliable else (FEW_SCORES if sc.n else "нет оценок")]
        styles = ["text", "text", "count", "mean", "median", *["count"] * (hi - lo + 1), "percent", "count", "text"]
        sheet.table_row(values, styles, grey=not reliable)
    score_last = score_first + len(survey.sources)
    mean_chart = _chart("bar", "Средняя оценка ресурса (от 1 до 5)", None, maximum=hi)
    mean_chart.y_axis.scaling.min = 0
    mean_chart.add_data(Reference(sheet.ws, min_col=4, min_row=score_first, max_row=score_last), titles_from_data=True)
    _categories(mean_chart, Reference(sheet.ws, min_col=2, min_row=score_first + 1, max_row=score_last))
    _top_down(mean_chart)
    mean_chart.legend = None
    _labels(mean_chart, MEAN)
    _colour(mean_chart, SERIES_COLOURS)
    scores_chart = _chart("bar", "Распределение оценок ресурсов", None, stacked=True, percent_axis=True)
    for j in range(hi - lo + 1):
        scores_chart.add_data(Reference(sheet.ws, min_col=6 + j, min_row=score_first, max_row=score_last),
                              titles_from_data=True)
    _categories(scores_chart, Reference(sheet.ws, min_col=2, min_row=score_first + 1, max_row=score_last))
    _top_down(scores_chart)
    _colour(scores_chart, SCORE_COLOURS)
    sheet.skip()
    below = tally.below_good()
    if below:
        names = "; ".join(f"{s.name} — {number_text(overall.scores[s.number].mean)}"
                          for s in survey.sources if s.number in below)
        sheet.line(f"Средняя оценка ниже {number_text(tally.good_mean, 0)}: {names}.", "key", 12, True)
    else:
        sheet.line(f"Средняя оценка ниже {number_text(tally.good_mean, 0)} — ни у одного ресурса.", "para")
    sheet.line(f"Серым выделены строки, где меньше {tally.min_group} ответов: по ним оценка ненадежна. Как "
               f"считались доли, интервалы и средние — на листе «{SHEET_METHOD}».", "sub")
    sheet.skip()

    # The charts, below the tables, two a row, on a page of their own when printed.
    sheet.ws.row_breaks.append(Break(id=sheet.row))
    anchor = sheet.row + 2  # a row below the break: no edge of a chart is printed above it
    sheet.ws.add_chart(satisfaction_chart, f"A{anchor}")
    sheet.ws.add_chart(use_chart, f"F{anchor}")
    sheet.ws.add_chart(mean_chart, f"A{anchor + 22}")
    sheet.ws.add_chart(scores_chart, f"F{anchor + 22}")
    sheet.ws.freeze_panes = None
    print_setup(sheet.ws, None, landscape=True)
    sheet.ws.print_area = f"A1:{get_column_letter(len(widths))}{anchor + 43}"


def _span(values: Sequence[int]) -> str:
    """«1–3» for 1, 2, 3."""
    values = sorted(values)
    if not values:
        return ""
    if values == list(range(values[0], values[-1] + 1)) and len(values) > 2:
        return f"{values[0]}–{values[-1]}"
    return ", ".join(map(str, values))


def _labels(chart: BarChart, number_format: str) -> None:
    """The value on every bar, and nothing else (LibreOffice adds the series and category names to a
    label that does not say it leaves them out)."""
    chart.dataLabels = DataLabelList(showVal=True, showSerName=False, showCatName=False, showLegendKey=False,
                                     showPercent=False, showBubbleSize=False, numFmt=number_format)


def _grey_unreliable(chart: BarChart, groups: list) -> None:
    """The bar of a group with too few answers grey, as its row in the table."""
    series = chart.series[0]
    for i, g in enumerate(groups):
        if not g.reliable:
            point = DataPoint(idx=i)
            point.graphicalProperties.solidFill = "BFBFBF"
            point.graphicalProperties.line.solidFill = "BFBFBF"
            series.dPt.append(point)


def _series_titles(chart: BarChart, titles: Sequence[str]) -> None:
    """The series named by the answers, not by the table's «…: анкет» header."""
    from openpyxl.chart.series import SeriesLabel

    for series, title in zip(chart.series, titles):
        series.tx = SeriesLabel(v=title)


# --- by municipality, by month ------------------------------------------------------------------------

def _groups(sheet: _Sheet, run, groups: list, what: str, chart_title: str, horizontal: bool, labels=None) -> None:
    """The tally by group, as «Итоги» gives it for all: the share satisfied, the use of every source, the
    scores of every resource; three tables with the same rows, the chart of the share after them."""
    profile, tally = run.batch.profile, run.tally
    survey = profile.survey
    score_q, use_q = survey.question(survey.tally.score), survey.question(survey.tally.use)
    satisfaction_code = survey.question(survey.tally.satisfaction).code
    answers = list(next(iter(tally.overall.use.values())).counts) if tally.overall.use else []
    low = score_q.open.low if score_q.open else ()
    per_source = max(len(answers), 3)
    sheet.widths_set([30, *[12] * (len(survey.sources) * per_source)])
    sheet.line(f"Итоги опроса {('по муниципальным образованиям' if horizontal else 'по месяцам')}", "title", 14, True)
    sheet.line(f"Период мониторинга: {run.window.text()}. Доля удовлетворенных — доля ответов «{survey.tally.satisfied}» "
               f"на вопрос ({satisfaction_code}) среди ответивших на него; интервал — 95-процентный доверительный "
               f"интервал Уилсона. Серым — меньше {tally.min_group} анкет: оценки ненадежны.", "sub")
    sheet.skip()
    rows = [(labels(g.label) if labels else g.label, g) for g in groups]
    total = ("Все учтенные анкеты", tally.overall)

    def label_rows(values_of, styles: list[str]) -> None:
        for label, g in rows:
            sheet.table_row([label, *values_of(g)], ["text", *styles], grey=not g.reliable)
        label, g = total
        r = sheet.table_row([label, *values_of(g)], ["group"] * (len(styles) + 1))
        for c, style in enumerate(styles, 2):
            sheet.ws.cell(r, c).number_format = {"count": COUNT, "percent": PERCENT, "mean": MEAN,
                                                 "median": MEDIAN}.get(style, "General")

    # The share satisfied.
    sheet.line(f"Удовлетворенность информацией в целом (вопрос ({satisfaction_code}))", "section", 12, True)
    first = sheet.header([what, "Анкет", "Доля удовлетворенных", "Интервал: от", "до",
                          f"Ответили на вопрос ({satisfaction_code})", "Надежность"])

    def satisfaction(g):
        interval = g.satisfied.interval or (None, None)
        reliability = "" if g.reliable else (UNRELIABLE if g.answers else NO_ANSWERS)
        return [g.answers, g.satisfied.value, interval[0], interval[1], g.satisfied.n, reliability]

    label_rows(satisfaction, ["count", "percent", "percent", "percent", "count", "text"])
    last = first + len(groups)
    sheet.ws.freeze_panes = sheet.ws.cell(first + 1, 2)
    sheet.ws.auto_filter.ref = f"A{first}:G{last}"
    sheet.skip()

    # The use of every source: the share of each answer among those who answered.
    sheet.line(f"Как часто пользуются источниками: доля ответивших (вопрос ({use_q.code}))", "section", 12, True)
    _two_row_header(sheet, what, [f"({survey.code(use_q, s)}) {s.name}" for s in survey.sources],
                    [_short_answer(a) for a in answers])
    label_rows(lambda g: [g.use[s.number].share(a) for s in survey.sources for a in answers],
               ["percent"] * (len(survey.sources) * len(answers)))
    sheet.skip()

    # The scores of every resource.
    sheet.line(f"Оценки ресурсов от {score_q.scale[0]} до {score_q.scale[1]} (вопрос ({score_q.code}))", "section",
               12, True)
    _two_row_header(sheet, what, [f"({survey.code(score_q, s)}) {s.name}" for s in survey.sources],
                    ["средняя", "медиана", f"доля оценок {_span(low)}"])
    label_rows(lambda g: [v for s in survey.sources
                          for v in (g.scores[s.number].mean, g.scores[s.number].median, g.scores[s.number].low_share)],
               ["mean", "median", "percent"] * len(survey.sources))
    sheet.skip()

    chart = _chart("bar" if horizontal else "col", chart_title, None, percent_axis=True,
                   width=22, height=max(10.0, 0.5 * len(groups) + 3) if horizontal else 10)
    chart.add_data(Reference(sheet.ws, min_col=3, min_row=first, max_row=last), titles_from_data=True)
    _categories(chart, Reference(sheet.ws, min_col=1, min_row=first + 1, max_row=last))
    if horizontal:
        _top_down(chart)
    chart.legend = None
    _grey_unreliable(chart, groups)
    _labels(chart, PERCENT)
    _colour(chart, SERIES_COLOURS)
    sheet.ws.row_breaks.append(Break(id=sheet.row))  # the chart on a page of its own when printed
    sheet.ws.add_chart(chart, f"A{sheet.row + 2}")
    print_setup(sheet.ws, None, landscape=True)


def _short_answer(answer: str) -> str:
    """«постоянно» for «Пользуюсь постоянно»: the column is under its source already."""
    words = answer.split()
    short = " ".join(words[1:]) if len(words) > 1 and words[0].lower().startswith("пользу") else answer
    return short[:1].lower() + short[1:]


def _two_row_header(sheet: _Sheet, what: str, groups: list[str], each: list[str]) -> int:
    """A header of two rows: the first names each group of columns (merged over them), the second each
    column; the row label spans both."""
    r = sheet.row
    sheet.st.put(r, 1, what, "header")
    sheet.st.put(r + 1, 1, None, "header")
    sheet.ws.merge_cells(start_row=r, start_column=1, end_row=r + 1, end_column=1)
    c = 2
    for name in groups:
        for j, sub in enumerate(each):
            sheet.st.put(r, c + j, name if j == 0 else None, "header")
            sheet.st.put(r + 1, c + j, sub, "header")
        sheet.ws.merge_cells(start_row=r, start_column=c, end_row=r, end_column=c + len(each) - 1)
        c += len(each)
    width = sum(sheet.widths[1:1 + len(each)]) if len(sheet.widths) > len(each) else 11 * len(each)
    fit_row(sheet.ws, r, groups, [width] * len(groups), bold=True)
    fit_row(sheet.ws, r + 1, each, sheet.widths[1:1 + len(each)], bold=True)
    sheet.row += 2
    return r


# --- open answers, files, the approved list, the method ---------------------------------------------

def open_answers_sheet(run):
    """«Уточнения»: every open answer, under a heading per resource, the lowest scores first."""
    from consolidator.ooxml.cells import row_height
    from consolidator.ooxml.xlsx_patch import NewSheet, Style

    survey, tally = run.batch.profile.survey, run.tally
    score_q = survey.question(survey.tally.score)
    sheet = NewSheet(SHEET_OPEN, landscape=True)
    sheet.widths = [8.0, 26.0, 16.0, 66.0, 52.0, 8.0]
    last = len(sheet.widths)
    title, sub = Style(bold=True, size=14, vertical="top", wrap=True), Style(italic=True, vertical="top", wrap=True)
    header = Style(bold=True, border=True, fill=HEADER_FILL, horizontal="center", vertical="center", wrap=True)
    group = Style(bold=True, border=True, fill="F2F2F2", vertical="top")
    cell, centred = Style(border=True, vertical="top", wrap=True), Style(border=True, vertical="top", horizontal="center")
    styles = [centred, cell, cell, cell, cell, centred]
    question = score_q.open.text if score_q.open else ""
    lines = [("Ответы на уточняющий вопрос по ресурсам", title, 22.0),
             (f"«{question}» Вопрос задается при оценке {_span(score_q.open.low) if score_q.open else ''}. Ответы "
              f"сгруппированы по ресурсам, в группе — от низких оценок к высоким.", sub, 32.0)]
    for r, (text, style, height) in enumerate(lines, 1):
        sheet.set(r, 1, text, style)
        sheet.merges.append(f"A{r}:{get_column_letter(last)}{r}")
        sheet.heights[r] = height
    head = len(lines) + 2
    for c, text in enumerate(["Оценка", "Муниципальное образование", "Дата", "Ответ", "Файл", "Строка"], 1):
        sheet.set(head, c, text, header)
    r = head
    for s in survey.sources:
        items = tally.open_answers.get(s.number, [])
        r += 1
        sheet.set(r, 1, f"({survey.code(score_q, s)}) {s.name} — ответов: {len(items)}", group)
        for c in range(2, last + 1):
            sheet.set(r, c, None, group)
        sheet.merges.append(f"A{r}:{get_column_letter(last)}{r}")
        for a in items:
            r += 1
            values = (a.score, a.municipality, _when(a.moment) if a.moment else a.when, a.text, a.path, a.row)
            sheet.set_row(r, values, styles)
            # Most answers fit one line: only a longer one is measured (measuring every row cost seconds).
            if len(a.text) > 60 or len(a.path) > 48 or len(a.municipality) > 24:
                sheet.heights[r] = row_height(values, sheet.widths)
    sheet.freeze_row = head + 1
    sheet.title_row = head
    return sheet


def _when(moment: datetime) -> str:
    """An answer's date as people write it («15.01.2025 10:30»), whatever the file held."""
    return moment.strftime("%d.%m.%Y %H:%M" if moment.time() != moment.min.time() else "%d.%m.%Y")


def _files(sheet: _Sheet, run) -> None:
    widths = [46, 30, 22, 10, 10, 10, 10, 16, 50]
    sheet.widths_set(widths)
    sheet.line("Файлы ответов", "title", 14, True)
    sheet.line("Строки с ошибками не учтены в итогах, остальные строки файла учтены; файл с ошибками возвращен на "
               "доработку (копия с замечаниями и письмо — в папке «на доработку»).", "sub")
    sheet.skip()
    head = sheet.header(["Файл", "Источник ответов", "Решение", "Анкет", "Учтено", "Ошибок", "Предупр.",
                         "Копия с замечаниями", "Причина"])
    order = {RETURNED: 0, UNREADABLE: 1, ACCEPTED: 2, SUPERSEDED: 3, SKIPPED: 4}
    for i, f in sorted(enumerate(run.batch.files), key=lambda p: (order.get(p[1].verdict, 9), p[1].path)):
        sheet.table_row([f.path, f.subdivision, VERDICT_RU[f.verdict], f.rows, run.counted.get(i, 0), f.errors,
                         f.warnings, f.returned_copy or "", f.reason or ""],
                        ["text", "text", "text", "count", "count", "count", "count", "text", "text"],
                        grey=f.verdict == SKIPPED)
    sheet.ws.freeze_panes = sheet.ws.cell(head + 1, 1)
    sheet.ws.auto_filter.ref = f"A{head}:I{sheet.row - 1}"
    print_setup(sheet.ws, f"{head}:{head}", landscape=True)


def _approved(sheet: _Sheet, run) -> None:
    approved, spec = run.approved, run.batch.profile.survey.approved_list
    widths = [9, 44, 14, 80]
    sheet.widths_set(widths)
    sheet.line("Источники опроса и точки утвержденного перечня", "title", 14, True)
    sheet.line(f"Перечень: {approved.path.name} (лист «{approved.sheet}», точек: {len(approved.points)}). "
               f"{spec.clause}: взаимодействие с внешними клиентами осуществляется в утвержденных точках; источник "
               f"опроса сверяется с ними по наименованию.", "sub")
    sheet.skip()
    sheet.header(["Коды", "Источник", "В перечне", "Точки перечня"])
    for item in run.sources:
        found = bool(item["points"])
        sheet.table_row([item["codes"], item["source"], "есть" if found else "НЕТ", "\n".join(item["points"])],
                        ["text", "text", "text", "text"])
    for remark in run.list_remarks:
        sheet.skip()
        sheet.line(remark.message, "key", 11, True)
    print_setup(sheet.ws, None, landscape=True)


def _method(sheet: _Sheet, run) -> None:
    tally = run.tally
    sheet.widths_set([110])
    sheet.line("Как считались итоги", "title", 14, True)
    notes = [
        "Учитываются анкеты из файлов ответов, кроме строк с ошибками (их перечень — в копиях файлов с "
        "замечаниями и в report.json). Предупреждения (например, повтор анкеты) анкету не исключают.",
        "Доля удовлетворенных — число ответов «Скорее удовлетворен» на вопрос (21), деленное на число анкет с "
        "ответом на этот вопрос. Анкеты без ответа в долю не входят и показаны отдельно.",
        f"95-процентный доверительный интервал доли — интервал Уилсона (z = {number_text(Z95)}): в таких пределах доля "
        "удовлетворенных среди всех внешних клиентов лежит с вероятностью 95 %, если опрошенные — случайная их "
        "выборка. В отличие от формулы «p ± 1,96·√(p(1–p)/n)» он не выходит за 0–100 % и верен для небольших "
        "групп.",
        "Средняя оценка — среднее арифметическое оценок от 1 до 5, медиана — серединное значение (при четном "
        "числе оценок — среднее двух серединных); ресурс без оценки в анкете в среднее не входит.",
        f"Группа (муниципальное образование, месяц), где меньше {tally.min_group} анкет, не скрывается, а "
        f"выделяется серым и отмечается «{UNRELIABLE}»: по столь малому числу ответов доля и средняя случайны. "
        f"Так же («{FEW_SCORES}») отмечается ресурс, у которого меньше {tally.min_group} оценок.",
        "Месяц анкеты — по дате вопроса (13). Все месяцы периода мониторинга показаны, в том числе без анкет.",
    ]
    for n, text in enumerate(notes, 1):
        sheet.line(f"{n}. {text}", "para")
    print_setup(sheet.ws, None, landscape=True)
