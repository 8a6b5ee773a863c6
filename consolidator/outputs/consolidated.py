"""The consolidated list: the official form filled with every accepted row, ready to print and attach,
plus a trace of every row back to its source file and a summary that says what is (not) in it.

Written with the streaming writer (`xlsxout`): the form and the trace are as long as the list.
"""
from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from consolidator.model import ACCEPTED, RETURNED, SKIPPED, SUPERSEDED, UNREADABLE, VERDICT_RU, Batch, FileResult
from consolidator.ooxml.xlsx_writer import BOX, Font, Workbook, cell_ref, fit_height, row_heights, text_height
from consolidator.outputs.atomic import atomic_path
from consolidator.outputs.style import (ALERT_FILL, BODY_FONT, CENTER_WRAP, FORM_FONT, HEADER_FILL, LANDSCAPE, OK_FILL,
                                        PORTRAIT, TOP_CENTER, TOP_WRAP, form_title, ru_date)
from consolidator.profile.kinds import online_mask, point_column
from consolidator.profile.schema import Profile
from consolidator.speed.memory import trim

if TYPE_CHECKING:  # pandas is imported by the functions that take a frame: `status` does not need it
    import pandas as pd

FILE_NAME = "Сводный перечень.xlsx"
SHEET_FORM = "Сводный перечень"
SHEET_TRACE = "Источник"
SHEET_SUMMARY = "Сводка"

# The most rows a sheet holds (Excel; LibreOffice before 7.4): a longer list goes on in «… (2)», «… (3)»,
# each a whole form (title, header, footnotes) so that every sheet prints as the form. A list that long
# is some 17,000 lists of 60 rows.
SHEET_ROWS = 1_048_576

TRACE_HEADERS = ("№ в сводном перечне", "Подразделение", "Файл", "Лист", "Строка в исходном файле")

def plain(value: object) -> object:
    """A DataFrame value as a plain Python value: NaN/NA -> None, numpy scalars -> int/float/str."""
    import pandas as pd

    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# ---------------------------------------------------------------------------------------------------
# The consolidated list


def write_consolidated(batch: Batch, rows: pd.DataFrame, path: Path) -> int:
    """Write the consolidated list (`Сводный перечень.xlsx`) to `path`; return its number of rows.

    `rows` is `batch.accepted_rows()`: profile column keys plus `file`, `sheet`, `row`,
    `subdivision`, `path`, already ordered and numbered.
    """
    with atomic_path(Path(path)) as tmp, Workbook(tmp, title=SHEET_FORM) as book:
        _write_form(book, batch, rows)
        _write_trace(book, batch, rows)
        _write_summary(book, batch, rows)
    return len(rows)


def _write_form(book: Workbook, batch: Batch, rows: pd.DataFrame) -> None:
    p = batch.profile
    cols = p.columns
    n_cols = len(cols)
    widths = [c.width for c in cols]
    total_width = sum(widths)
    title_style = book.style(font=Font(FORM_FONT, 13, bold=True), align=CENTER_WRAP)
    header = book.style(font=Font(FORM_FONT, 11, bold=True), align=CENTER_WRAP, border=BOX)
    colno = book.style(font=Font(FORM_FONT, 10), align=CENTER_WRAP, border=BOX)
    text = book.style(font=Font(FORM_FONT, 11), align=TOP_WRAP, border=BOX)
    num = book.style(font=Font(FORM_FONT, 11), align=TOP_CENTER, border=BOX)
    note_style = book.style(font=Font(FORM_FONT, 9), align=TOP_WRAP)
    first_data = 4

    styles = [num if c.key == p.number_column else text for c in cols]
    room = max(1, SHEET_ROWS - (first_data - 1) - (1 + len(p.footnotes) if p.footnotes else 0))
    for k, start in enumerate(range(0, max(len(rows), 1), room)):
        part = rows.iloc[start:start + room]
        with book.sheet(_nth(SHEET_FORM, k), widths=widths, freeze=f"A{first_data}", page=LANDSCAPE) as ws:
            # Row 1: the title across the table.
            title = form_title(p.form_title)
            ws.row(1, (title,), title_style, height=text_height(title, total_width, 13, bold=True) + 10)
            ws.merge(1, 1, 1, n_cols)

            # Row 2: the header as printed in the form; row 3: column numbers 1..n.
            headers = [c.header for c in cols]
            ws.row(2, headers, header, height=fit_height(headers, widths, bold=True))
            ws.row(3, range(1, n_cols + 1), colno)

            # Data rows, in profile column order; the number column is a number, the rest is text.
            r = first_data
            for columns in _column_chunks(part, [c.key for c in cols]):
                r = ws.rows(r, zip(*columns), styles, row_heights(columns, widths))
            last = first_data + len(part) - 1

            # The form's footnotes below the table, one merged line each.
            r = last + 2
            for note in p.footnotes:
                ws.row(r, (note,), note_style, height=text_height(note, total_width, 9))
                ws.merge(r, 1, r, n_cols)
                r += 1
            ws.print_titles = (2, 3)
            ws.print_area = f"A1:{cell_ref(max(r - 1, last), n_cols)}"


def _nth(name: str, k: int) -> str:
    """The name of the k-th sheet (from 0) of a list too long for one."""
    return name if k == 0 else f"{name} ({k + 1})"


# Widths of the trace's text columns: as wide as their longest value up to these, then wrapped, so
# that a long path stays in its own cell and the sheet prints on the page's width.
TRACE_MAX_WIDTHS = (36, 60, 18)


def _write_trace(book: Workbook, batch: Batch, rows: pd.DataFrame) -> None:
    header = book.style(font=Font(BODY_FONT, bold=True), align=CENTER_WRAP, border=BOX, fill=HEADER_FILL)
    text = book.style(align=TOP_WRAP, border=BOX)
    number_style = book.style(align=TOP_CENTER, border=BOX)
    number = "list_no" if "list_no" in rows else batch.profile.number_column
    keys = ("subdivision", "path", "sheet")
    widths = [14] + [min(most, max([len(h) + 2, *(len(str(v)) + 2 for v in set(rows[c].tolist()))]))
                     for h, c, most in zip(TRACE_HEADERS[1:4], keys, TRACE_MAX_WIDTHS)] + [14]
    styles = (number_style, text, text, text, number_style)

    def start(k: int):
        ws = book.sheet(_nth(SHEET_TRACE, k), widths=widths, freeze="A2", page=LANDSCAPE)
        ws.row(1, TRACE_HEADERS, header, height=fit_height(TRACE_HEADERS, widths, bold=True))
        return ws

    def finish(ws, r: int) -> None:
        ws.autofilter(1, 1, r - 1, len(TRACE_HEADERS))
        ws.print_titles = (1, 1)
        ws.close()

    ws, r, k = None, SHEET_ROWS + 1, 0
    for columns in _trace_chunks(rows, number):
        while columns[0]:
            if r > SHEET_ROWS:  # the first sheet, or the next one of a list too long for one
                if ws is not None:
                    finish(ws, r)
                ws, r, k = start(k), 2, k + 1
            room = SHEET_ROWS - r + 1
            head, columns = ((columns, [[]]) if len(columns[0]) <= room
                             else ([c[:room] for c in columns], [c[room:] for c in columns]))
            r = ws.rows(r, zip(*head), styles, row_heights(head[1:4], widths[1:4]))
    if ws is None:
        ws, r = start(0), 2
    finish(ws, r)


def _trace_chunks(rows: pd.DataFrame, number: str) -> Iterator[list[list]]:
    """The trace's columns a slice at a time; a row merged from several subdivisions (Batch.accepted_rows)
    has a line for each of its sources, under its one number."""
    names = [number, "subdivision", "path", "sheet", "row"]
    if "merged" not in rows:
        yield from _column_chunks(rows, names)
        return
    for columns in _column_chunks(rows, [*names, "merged"]):
        out: list[list] = [[] for _ in names]
        for values in zip(*columns):
            for i, v in enumerate(values[:-1]):
                out[i].append(v)
            for source in values[-1] if isinstance(values[-1], list) else ():
                out[0].append(values[0])
                for i, v in enumerate(source, 1):
                    out[i].append(v)
        yield out


def _column_chunks(rows: pd.DataFrame, names: Sequence[str], size: int = 20_000,
                   trim_every: int = 100_000) -> Iterator[list[list]]:
    """The values of columns `names` as Python lists, a slice of rows at a time: unboxed a column at
    once (much faster than itertuples), without a second copy of a long list. NaN stays NaN, which
    the writer leaves empty. Every `trim_every` rows, the memory the slices before freed is given back
    (speed.memory: else the process keeps 40-80 MiB of them at 10,000 files)."""
    for start in range(0, len(rows), size):
        part = rows.iloc[start:start + size]
        yield [part[name].tolist() for name in names]
        if (start + size) % trim_every < size:
            trim()


def _count(rows: pd.DataFrame, column: str) -> Counter:
    counts: Counter = Counter()
    for value, n in Counter(rows[column].tolist()).items():
        counts[plain(value)] += n
    return counts


def _online_mask(p: Profile, rows: pd.DataFrame) -> pd.Series:
    """`kinds.online_mask`, worked out once per distinct (kind, point) pair: a list repeats a few
    pairs many times, and recognising one is slow."""
    import pandas as pd

    cols = [c for c in dict.fromkeys((p.kind_column, point_column(p))) if c and c in rows]
    if not len(rows) or not cols:
        return online_mask(p, rows)
    pair = rows.groupby(cols, sort=False, dropna=False).ngroup().to_numpy()
    first = ~pd.Series(pair).duplicated().to_numpy()
    by_pair = pd.Series(online_mask(p, rows[first]).to_numpy(), index=pair[first])
    return pd.Series(by_pair.reindex(pair).to_numpy(), index=rows.index, dtype=bool)


def _not_included_reason(f: FileResult) -> str:
    if f.verdict == RETURNED:
        parts = [f.reason] if f.reason else []
        # Not the returned copy: it is being written meanwhile (the protocol names it), and the list made
        # again of the same checks is the same list.
        parts.append(f"ошибок: {f.errors}, предупреждений: {f.warnings}")
        if f.fix_deadline:
            parts.append(f"срок устранения: {ru_date(f.fix_deadline)}")
        text = "; ".join(parts)
        return text[:1].upper() + text[1:] + "."
    return f.reason or ""


def _point(profile: Profile) -> str:
    """The column of the points (the one the kind check reads), or the fourth column of the form."""
    return point_column(profile) or profile.keys[min(3, len(profile.keys) - 1)]


def kind_labels(profile: Profile) -> tuple[str, str]:
    """How the profile itself names its online and offline points: «Онлайн-точка», «цифровая»…"""
    def label(online: bool) -> str:
        values = [k.value for k in profile.kinds if k.online == online]
        return " / ".join(f"«{v}»" for v in values) or ("онлайн" if online else "офлайн")
    return label(True), label(False)


def received_lists(files: list[FileResult]) -> list[FileResult]:
    """The lists received: each subdivision's current workbook, read or not. A file that is no
    workbook (a lock file, a cover letter) is skipped, and an older version is replaced by the
    newer: neither is a list received, nor a list missing."""
    return [f for f in files if f.verdict not in (SKIPPED, SUPERSEDED)]


def not_submitted(batch: Batch) -> list[str]:
    """The subdivisions expected to submit a list whose rows the list lacks (Batch.not_submitted)."""
    return batch.not_submitted()


def is_complete(batch: Batch) -> bool:
    """Every list received is in the consolidated list, at least one was (or an approved edition is in
    force), no expected one is missing, and no subdivision owes a corrected list (Batch.owing)."""
    received = received_lists(batch.files)
    return ((bool(received) or batch.edition is not None) and all(f.verdict == ACCEPTED for f in received)
            and not not_submitted(batch) and not batch.owing)


def completeness_line(batch: Batch) -> str:
    """How many lists were received, accepted and left out, what else the folder held, and who has
    not submitted, in one paragraph (with an approved edition in force: what the list takes from it)."""
    by_verdict = Counter(f.verdict for f in batch.files)
    received = len(received_lists(batch.files))
    accepted = by_verdict[ACCEPTED]
    missing = not_submitted(batch)
    absent = (f" Не представили перечень: {len(missing)} ({'; '.join(missing)})." if missing else "")
    if batch.owing:
        absent += (f" Не представили исправленный перечень после возврата на доработку: {len(batch.owing)} "
                   f"({'; '.join(o['name'] for o in batch.owing)}).")
        missing = [*missing, *(o["name"] for o in batch.owing)]
    others = []
    if by_verdict[SUPERSEDED]:
        others.append(f"прежних версий, замененных новыми, — {by_verdict[SUPERSEDED]}")
    if by_verdict[SKIPPED]:
        others.append(f"файлов, которые не являются перечнями (служебные файлы Excel, письма), — "
                      f"{by_verdict[SKIPPED]}")
    other = f" Кроме того, в папке входящих {'; '.join(others)}: в сводный перечень они не входят." if others else ""
    edition = batch.edition
    if received == 0 and edition is None:
        return "Не получено ни одного перечня: сводный перечень пуст." + other + absent
    blocking = by_verdict[RETURNED] + by_verdict[UNREADABLE]
    line = f"Получено перечней: {received}. Включено в сводный перечень: {accepted}."
    if blocking:
        detail = ", ".join(f"{VERDICT_RU[v]}: {by_verdict[v]}" for v in (RETURNED, UNREADABLE) if by_verdict[v])
        line += f" Не включено: {blocking} ({detail})."
    line += other
    if edition is not None:
        carried = batch.carried_subdivisions()
        line += (f" Перечень — действующая редакция (приказ от {ru_date(edition.date)} № {edition.number}) с "
                 f"изменениями из принятых перечней" + (f"; строки подразделений без новых принятых перечней "
                                                      f"({len(carried)}) — из действующей редакции" if carried else "")
                 + ".")
        if blocking or missing:
            return line + absent + (" Изменения из невключенных перечней в сводный перечень НЕ внесены "
                                    "(список — ниже).")
        return line + absent
    if blocking or missing:
        return line + absent + (" Сводный перечень НЕПОЛНЫЙ: строк из невключенных перечней и непредставленных "
                                "перечней в нем нет (список — ниже).")
    return line + " Сводный перечень полный."


def _write_summary(book: Workbook, batch: Batch, rows: pd.DataFrame) -> None:
    p = batch.profile
    big_bold = Font(BODY_FONT, 12, bold=True)
    title_style = book.style(font=Font(BODY_FONT, 14, bold=True))
    alert = book.style(font=big_bold, align=TOP_WRAP, fill=ALERT_FILL, border=BOX)
    ok = book.style(font=big_bold, align=TOP_WRAP, fill=OK_FILL, border=BOX)
    section = book.style(font=big_bold)
    header = book.style(font=Font(BODY_FONT, bold=True), align=CENTER_WRAP, border=BOX, fill=HEADER_FILL)
    text = book.style(align=TOP_WRAP, border=BOX)
    total_style = book.style(font=Font(BODY_FONT, bold=True), align=TOP_WRAP, border=BOX)
    widths = (46, 36, 22, 17, 17)
    n_cols = len(widths)

    accepted = [f for f in batch.files if f.verdict == ACCEPTED]
    left_out = [f for f in batch.files if f.verdict != ACCEPTED]
    is_online = _online_mask(p, rows)  # the kind column, or the point where it does not state the kind
    n_rows, n_online = len(rows), int(is_online.sum())

    with book.sheet(SHEET_SUMMARY, widths=widths, freeze="A3", page=PORTRAIT) as ws:
        ws.row(1, ("Сводка к сводному перечню",), title_style)
        line = completeness_line(batch)
        ws.row(2, (line,) + (None,) * (n_cols - 1), ok if is_complete(batch) else alert,
               height=text_height(line, sum(widths), 12, bold=True))
        ws.merge(2, 1, 2, n_cols)
        on, off = kind_labels(p)
        ws.row(3, (f"Строк в сводном перечне: {n_rows} ({on}: {n_online}, {off}: {n_rows - n_online}).",))
        ws.row(4, (f"Профиль: {p.name}",))
        ws.row(5, (f"Дата формирования: {ru_date(batch.run_date)}",))
        r = 7

        def table(title: str, headers: Sequence[object], body: list[Sequence[object]],
                  total: Sequence[object] | None = None, heights: Sequence[float] | None = None) -> int:
            """Write a titled table from row r; return the row of its first body line. `heights`
            replace the estimate from the cell texts."""
            nonlocal r
            ws.row(r, (title,), section)
            ws.row(r + 1, headers, header, height=fit_height(headers, widths, bold=True))
            first = r = r + 2
            for i, values in enumerate(body):
                ws.row(r, values, text, height=heights[i] if heights else fit_height(values, widths))
                r += 1
            if total is not None:
                ws.row(r, total, total_style)
                r += 1
            r += 1
            return first

        def notes(title: str, lines: list[str], style) -> None:
            """A titled block of sentences, each a merged line across the sheet."""
            nonlocal r
            ws.row(r, (title,), section)
            r += 1
            for line in lines:
                ws.row(r, (line,) + (None,) * (n_cols - 1), style, height=text_height(line, sum(widths)))
                ws.merge(r, 1, r, n_cols)
                r += 1
            r += 1

        # What the list as a whole lacks (list checks of the profile: a key point no one lists).
        if batch.list_remarks:
            warn = book.style(align=TOP_WRAP, fill=ALERT_FILL, border=BOX)
            notes("Замечания к сводному перечню в целом",
                  [f"{m.message} ({m.clause})" for m in batch.list_remarks], warn)

        # First what is missing: the lists left out and why; then the folder's other files.
        reasons = {id(f): _not_included_reason(f) for f in left_out}

        def files_table(title: str, files: list[FileResult]) -> None:
            # The reason is long: it spans the last two columns.
            first = table(title, ("Подразделение", "Файл", "Решение", "Причина", None),
                          [(f.subdivision, f.path, VERDICT_RU.get(f.verdict, f.verdict), reasons[id(f)], None)
                           for f in files],
                          heights=[max(text_height(reasons[id(f)], widths[3] + widths[4]), text_height(f.path, widths[1]),
                                       text_height(f.subdivision, widths[0])) for f in files])
            for rr in range(first - 1, first + len(files)):
                ws.merge(rr, 4, rr, 5)

        lists_out = [f for f in left_out if f.verdict in (RETURNED, UNREADABLE)]
        title = f"Перечни, не включенные в сводный перечень: {len(lists_out)}"
        if lists_out:
            files_table(title, lists_out)
        else:
            ws.row(r, (f"{title}. Все полученные перечни включены.",), section)
            r += 2
        if batch.owing:  # returned in an earlier run, nothing sent since (journal.tracking)
            status = {sub["name"]: sub for sub in batch.subdivisions or []}

            def deadline(name: str) -> str:
                day = status.get(name, {}).get("fix_deadline")
                return ru_date(date.fromisoformat(day)) if day else ""

            table(f"Не прислали исправленный перечень после возврата на доработку: {len(batch.owing)}",
                  ("Подразделение", "Последний файл", "Статус", "Срок устранения", None),
                  [(o["name"], o["path"], status.get(o["name"], {}).get("status", ""), deadline(o["name"]), None)
                   for o in batch.owing])
        other_files = [f for f in left_out if f.verdict not in (RETURNED, UNREADABLE)]
        if other_files:
            files_table(f"Другие файлы папки входящих (в сводный перечень не входят): {len(other_files)}", other_files)

        # The process registry: whether it was checked, what it has that the list lacks, how it changed.
        registry, form = p.registry, p.registry_form
        if form is not None and registry is None:
            notes(form.title, [f"{form.title} не задан при проверке (--registry): наименования, группы и владельцы "
                               f"процессов с ним не сверялись."], text)
        elif registry is not None:
            changes = ([f"Включен в реестр: «{x['process']}» ({x['owner']})" for x in batch.registry_added]
                       + [f"Исключен из реестра: «{x['process']}» ({x['owner']})" for x in batch.registry_removed])
            if changes:
                notes(f"{form.title} изменился после утверждения действующей редакции — основание актуализации "
                      f"перечня", changes, book.style(align=TOP_WRAP, fill=ALERT_FILL, border=BOX))
            unlisted = sorted(batch.registry_unlisted, key=lambda x: (x.owner, x.group, x.name))
            title = f"Процессы реестра без точек взаимодействия в сводном перечне: {len(unlisted)}"
            if unlisted:
                table(title, ("Владелец процесса", "Процесс", "Группа", "№ в реестре", None),
                      [(x.owner, x.name, x.group, x.number, None) for x in unlisted])
            else:
                ws.row(r, (f"{title}. По каждому процессу реестра ({form.title}) в перечне есть точки.",), section)
                r += 2

        # Rows several subdivisions gave alike, listed once (000 п. 2.6).
        if "merged" in rows:
            merged = [(no, svc, point, "; ".join([sub, *(s[0] for s in extra)]))
                      for no, svc, point, sub, extra in zip(rows["list_no"], rows[p.keys[2]], rows[_point(p)],
                                                            rows["subdivision"], rows["merged"]) if extra]
            table(f"Строки, общие для нескольких подразделений, включены один раз ({p.merge_clause}): "
                  f"{len(merged)}", ("№ в сводном перечне", p.header(p.keys[2]), p.header(_point(p)), "Подразделения",
                                     None), [(*m, None) for m in merged])

        # Per group, in the profile's order, zero rows included; values outside the list (if a profile
        # lets them through) follow, so that the total always matches the list.
        group_rows = _count(rows, p.group_column)
        group_online = _count(rows[is_online], p.group_column) if n_rows else Counter()
        groups = list(p.groups) + sorted((g for g in group_rows if g not in p.groups), key=str)
        table(f"Строки по графе «{p.header(p.group_column)}»",
              (p.header(p.group_column), "Строк", on, off),
              [(g if g is not None else "(не указана)", group_rows[g], group_online[g],
                group_rows[g] - group_online[g]) for g in groups],
              ("Итого", n_rows, n_online, n_rows - n_online))

        # Per subdivision, in the order of the consolidated list.
        sub_rows = _count(rows, "subdivision")
        sub_online = _count(rows[is_online], "subdivision") if n_rows else Counter()
        sub_files = Counter(f.subdivision for f in accepted)
        subs = sorted(set(sub_files) | set(sub_rows), key=str)
        table("Строки по подразделениям",
              ("Подразделение", "Строк", on, off, "Принято файлов"),
              [(s, sub_rows[s], sub_online[s], sub_rows[s] - sub_online[s], sub_files[s]) for s in subs],
              ("Итого", n_rows, n_online, n_rows - n_online, len(accepted)))

        table("Строки по виду точки взаимодействия",
              (p.header(p.kind_column), "Строк"),
              [(on, n_online), (off, n_rows - n_online)],
              ("Итого", n_rows))
