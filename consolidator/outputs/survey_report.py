"""«Мониторинг удовлетворенности.docx»: a short report for the minister on the survey (the monitoring
the procedure makes the form of control): how many questionnaires, the share satisfied with its
interval, how the sources are used, how the resources are rated and which fall below the profile's
`good_mean`, the municipalities, the charts as pictures (outputs.survey_charts), and the comparison
with the approved list.

The layout is the orders' (outputs.order: ГОСТ Р 7.0.97-2025 margins, Times New Roman 14 pt,
justified text with a 1.25 cm indent, page numbers from the second page), built with its helpers.
`run` is a consolidator.survey.SurveyRun; every text from an answer is written as literal text.
"""
from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt, Twips

from consolidator.outputs import survey_charts
from consolidator.outputs.atomic import atomic_path
from consolidator.outputs.order import (STAMP_WIDTH, TABLE_STYLE_NAME, _centred, _fixed_widths, _one_line,
                                        _page_number_header, _paragraph, _procedure_instrumental, _set_borders,
                                        _setup_section, _setup_styles, _signature, _text, _twips, _usable_width)
from consolidator.outputs.survey_results import FILE_NAME as RESULTS_FILE
from consolidator.outputs.survey_results import interval_text, month_label, number_text, percent_text
from consolidator.profile.survey import in_quotes

FILE_NAME = "Мониторинг удовлетворенности.docx"
CAPTION_PT = 12
EXAMPLES = 3  # open answers quoted for a resource rated below `good_mean`


def plural_ru(n: int, one: str, few: str, many: str) -> str:
    """«1 анкета», «3 анкеты», «25 анкет»."""
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} {one}"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return f"{n} {few}"
    return f"{n} {many}"


def write_report(run, path: Path) -> Path:
    profile = run.batch.profile
    org = profile.org
    doc = Document()
    _setup_styles(doc)
    section = doc.sections[0]
    _setup_section(section, landscape=False)
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False
    _page_number_header(section)
    width = _usable_width(section)

    addressee = org.get("report_addressee")
    if addressee:
        p = _paragraph(doc, _one_line(addressee), align=WD_ALIGN_PARAGRAPH.LEFT, indent=False, space_after=Pt(18))
        p.paragraph_format.left_indent = max(0, width - STAMP_WIDTH)
    _centred(doc, "ИНФОРМАЦИЯ", bold=True, space_after=Pt(0))
    _centred(doc, f"о результатах мониторинга уровня удовлетворенности внешних клиентов доступностью, составом "
                  f"и качеством информации о деятельности {_one_line(org.get('genitive', ''))}", bold=True,
             space_after=Pt(0))
    _centred(doc, f"за период {run.window.text()}", bold=True, space_after=Pt(18))

    figures = _Figures(doc)
    for text in _introduction(run):
        _para(doc, text)
    _satisfaction(doc, run, figures)
    _sources(doc, run, figures)
    _resources(doc, run, figures, width)
    _municipalities(doc, run)
    if run.approved is not None:
        _approved(doc, run)
    _para(doc, f"Подробные итоги (по муниципальным образованиям, по месяцам, все ответы на уточняющий "
                    f"вопрос, решения по файлам) – в файле «{RESULTS_FILE}».")
    signer = {"signer_position": org.get("report_signer_position", ""),
              "signer_name": org.get("report_signer_name", "")}
    _signature(doc, signer, width)

    doc.core_properties.title = "Мониторинг удовлетворенности внешних клиентов"
    doc.core_properties.author = _text(org.get("name", ""))
    doc.core_properties.language = "ru-RU"
    with atomic_path(Path(path)) as tmp:
        doc.save(str(tmp))
    return Path(path)


class _Figures:
    """Pictures numbered in order, each with its caption below («Рисунок 1 – …»)."""

    def __init__(self, doc):
        self.doc, self.n = doc, 0

    def add(self, png: bytes, caption: str) -> int:
        self.n += 1
        p = _paragraph(self.doc, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, space_before=Pt(6), keep_next=True)
        p.add_run().add_picture(io.BytesIO(png), width=Mm(165))
        _paragraph(self.doc, f"Рисунок {self.n} – {caption}", align=WD_ALIGN_PARAGRAPH.CENTER, indent=False,
                   size=CAPTION_PT, space_after=Pt(12))
        return self.n

    @property
    def next(self) -> int:
        return self.n + 1


def _introduction(run) -> list[str]:
    profile, tally = run.batch.profile, run.tally
    survey = profile.survey
    procedure = _procedure_instrumental(_one_line(profile.procedure_title))
    excluded = run.answers - run.counted_total
    places = sum(1 for g in tally.by_municipality if g.answers)
    returned = sum(1 for f in run.batch.files if f.verdict == "returned")
    text = [
        f"В соответствии с {procedure} (далее – {profile.procedure_short}) проведен мониторинг уровня "
        f"удовлетворенности внешних клиентов доступностью, составом и качеством информации о деятельности "
        f"министерства по форме опроса ({survey.form}); мониторинг – форма контроля за его выполнением "
        f"сотрудниками структурных подразделений ({survey.clause}).",
        f"За период {run.window.text()} получено {plural_ru(run.answers, 'анкета', 'анкеты', 'анкет')}, в итогах "
        f"учтено {run.counted_total}"
        + (f"; {plural_ru(excluded, 'анкета', 'анкеты', 'анкет')} с ошибками заполнения не учтены, "
           f"{plural_ru(returned, 'файл', 'файла', 'файлов')} с ними возвращены на доработку" if excluded else "")
        + f". Анкеты получены из {places} из {len(tally.by_municipality)} муниципальных образований "
          f"Новосибирской области.",
    ]
    return text


def _satisfaction(doc, run, figures: _Figures) -> None:
    tally = run.tally
    share = tally.overall.satisfied
    _para(doc, f"Доля внешних клиентов, скорее удовлетворенных доступностью, составом и качеством информации "
                    f"о деятельности министерства в целом, составила {percent_text(share.value)} (95-процентный "
                    f"доверительный интервал Уилсона – {interval_text(share.interval)}; на вопрос ответили "
                    f"{plural_ru(share.n, 'человек', 'человека', 'человек')}).")
    months = [g for g in tally.by_month if g.answers]
    if months:
        parts = [f"{month_label(g.label)} – {percent_text(g.satisfied.value)}"
                 + ("" if g.reliable else f" (менее {tally.min_group} анкет, оценка ненадежна)") for g in months]
        _para(doc, f"По месяцам: {'; '.join(parts)} (рисунок {figures.next}).")
        figures.add(survey_charts.satisfaction_by_month(tally), "Доля удовлетворенных информацией о деятельности "
                                                                  "министерства по месяцам")


def _sources(doc, run, figures: _Figures) -> None:
    tally = run.tally
    survey = run.batch.profile.survey
    use = tally.overall.use
    if not use:
        return
    answers = list(next(iter(use.values())).counts)
    often, never = answers[0], answers[-1]
    ranked = sorted(tally.sources, key=lambda s: -(use[s[0]].share(often) or 0))
    parts = [f"{in_quotes(name)} – {percent_text(use[n].share(often))}" for n, name in ranked if use[n].n]
    least = max(tally.sources, key=lambda s: use[s[0]].share(never) or 0)
    _para(doc, f"Источниками информации о деятельности министерства постоянно пользуются (доля ответивших, "
                    f"вопрос ({survey.question(survey.tally.use).code})): {'; '.join(parts)}. Чаще всего вообще "
                    f"не пользуются источником {in_quotes(least[1])} ({percent_text(use[least[0]].share(never))}) "
                    f"(рисунок {figures.next}).")
    figures.add(survey_charts.use_by_source(tally), "Как часто внешние клиенты пользуются источниками информации")


def _resources(doc, run, figures: _Figures, width) -> None:
    tally = run.tally
    survey = run.batch.profile.survey
    score_q = survey.question(survey.tally.score)
    low = score_q.open.low if score_q.open else ()
    _para(doc, f"Насколько просто найти нужную информацию на ресурсах министерства, респонденты оценили по "
                    f"шкале от {score_q.scale[0]} до {score_q.scale[1]} ({score_q.scale_text}; вопрос "
                    f"({score_q.code})). Итоги – в таблице 1 и на рисунке {figures.next}.", keep_next=True)
    _para(doc, "Таблица 1 – Оценка ресурсов министерства", indent=False, align=WD_ALIGN_PARAGRAPH.LEFT,
               size=CAPTION_PT, space_before=Pt(6), keep_next=True)
    headers = ("Ресурс", "Оценок", "Средняя оценка", "Медиана", f"Доля оценок {', '.join(map(str, low))}")
    rows = []
    for s in survey.sources:
        sc = tally.overall.scores[s.number]
        rows.append((f"({survey.code(score_q, s)}) {s.name}", str(sc.n), number_text(sc.mean), number_text(sc.median, 1),
                     percent_text(sc.low_share)))
    _table(doc, headers, rows, width, (46, 12, 14, 12, 16))
    figures.add(survey_charts.mean_scores(tally), "Средняя оценка ресурсов министерства")
    below = tally.below_good()
    if not below:
        _para(doc, f"Средняя оценка каждого ресурса – не ниже {number_text(tally.good_mean, 0)} баллов.")
        return
    _para(doc, f"Средняя оценка ниже {number_text(tally.good_mean, 0)} баллов – у "
                    f"{plural_ru(len(below), 'ресурса', 'ресурсов', 'ресурсов')}:", keep_next=True)
    names = {s.number: s.name for s in survey.sources}
    counts = getattr(run, "open_counts", None) or tally.open_counts()
    for n in below:
        sc = tally.overall.scores[n]
        text = (f"– {in_quotes(names[n])}: средняя оценка {number_text(sc.mean)}, доля оценок {', '.join(map(str, low))} – "
                f"{percent_text(sc.low_share)}, ответов на уточняющий вопрос – {counts.get(n, 0)}")
        common = (getattr(run, "open_common", None) or {}).get(n) or tally.common_open(n, low, EXAMPLES)
        if common:
            text += "; чаще всего: " + "; ".join(f"«{_text(t)}»" for t in common)
        _para(doc, _sentence(text))


def _para(doc, text: str, **kw):
    """A paragraph of the report's text, with the orders' no-break spaces («№ 1», «п. 11») and one before
    a per cent sign (a share is not broken from its «%»)."""
    return _paragraph(doc, _one_line(text).replace(" %", "\u00a0%"), **kw)


def _sentence(text: str) -> str:
    return text if text.endswith(".") else text + "."


def _municipalities(doc, run) -> None:
    tally = run.tally
    reliable = [g for g in tally.by_municipality if g.reliable and g.satisfied.n]
    few = [g for g in tally.by_municipality if 0 < g.answers < tally.min_group]
    none = [g for g in tally.by_municipality if not g.answers]
    if reliable:
        worst = sorted(reliable, key=lambda g: g.satisfied.value)[:3]
        parts = "; ".join(f"{g.label} – {percent_text(g.satisfied.value)} ({interval_text(g.satisfied.interval)})"
                          for g in worst)
        _para(doc, f"Наименьшая доля удовлетворенных среди муниципальных образований, где получено не менее "
                        f"{plural_ru(tally.min_group, 'анкеты', 'анкет', 'анкет')}: {parts}.")
    if few or none:
        text = []
        if few:
            text.append(f"по {len(few)} муниципальным образованиям получено менее {tally.min_group} анкет – оценки "
                        f"по ним ненадежны (в итогах они показаны и отмечены)")
        if none:
            text.append(f"из {len(none)} муниципальных образований анкет нет")
        _para(doc, text[0][0].upper() + "; ".join(text)[1:] + ".")


def _approved(doc, run) -> None:
    missing = [item for item in run.sources if not item["points"]]
    clause = run.batch.profile.survey.approved_list.clause
    if not missing:
        _para(doc, f"Все источники информации опроса – точки взаимодействия утвержденного перечня ({clause}).")
        return
    names = "; ".join(in_quotes(item["source"]) for item in missing)
    _para(doc, f"Среди точек взаимодействия утвержденного перечня ({clause}: взаимодействие с внешними "
                    f"клиентами осуществляется в утвержденных точках) не найдены источники опроса: {names}. "
                    f"Следует включить их в перечень или исключить из опроса.")


def _table(doc, headers, rows, width, shares) -> None:
    twips = _twips(width)
    widths = [twips * s // sum(shares) for s in shares]
    widths[-1] += twips - sum(widths)
    table = doc.add_table(rows=1 + len(rows), cols=len(headers))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _fixed_widths(table, widths)
    _set_borders(table, 'w:val="single" w:sz="4" w:space="0" w:color="000000"')
    for r, values in enumerate([headers, *rows]):
        for c, (cell, value) in enumerate(zip(table.rows[r].cells, values)):
            cell.width = Twips(widths[c])
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            p = cell.paragraphs[0]
            p.style = doc.styles[TABLE_STYLE_NAME]
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT if c == 0 and r else WD_ALIGN_PARAGRAPH.CENTER
            run = p.add_run(_text(value))
            run.bold = r == 0 or None
