#!/usr/bin/env python3
"""Write the second batches of the sample inboxes: the lists subdivisions send later in the year, after
the consolidated list was approved (docs/amendments.md, «Изменения в утвержденный перечень»).

- sample_inputs/udmurt-изменения/: the Udmurt subdivisions' updates (пп. 19–21 Порядка): the list
  returned in July comes back fixed (its rows are added to the approved edition); the citizens'
  appeals department changes a row, adds one and drops one, and gives the reason of each in a column
  «Основание внесения изменений»; the strategic development department fixes the formula it had typed
  as text; the family support department sends its list again with the rows in another order and
  other letter case (no change); a department sends its list for the first time.
- sample_inputs/nso-minreg-изменения/: the same for the Novosibirsk ministry (пп. 3.1–3.4 Порядка); the
  fixed list repeats a row of another subdivision word for word (one row of the list, п. 2.6).

Each book is built from the first batch's own (scripts/make_samples.py, make_samples_nso.py), so the
two batches describe the same ministry. The expected changes are asserted by tests/test_amendments.py.

`python scripts/make_samples_updates.py`
"""
from __future__ import annotations

import dataclasses
import os
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.styles import Alignment, Font

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_samples as ms  # noqa: E402

UDMURT_WIDTHS = dict(ms.WIDTHS)
import make_samples_nso as nso  # noqa: E402  (sets ms.WIDTHS for the Novosibirsk form)

NSO_WIDTHS = dict(ms.WIDTHS)
ROOT = ms.ROOT
REASON_HEADER = "Основание внесения изменений"


def _fixed(row: ms.Row, **values) -> ms.Row:
    return dataclasses.replace(row, expect=(), **values)


def _book(books: list[ms.Book], folder: str) -> ms.Book:
    return next(b for b in books if b.folder == folder)


def _sheet(book: ms.Book, rows: list, saved: datetime, **changes) -> ms.Book:
    sheet = next(s for s in book.sheets if not isinstance(s, tuple))
    return dataclasses.replace(book, sheets=[dataclasses.replace(sheet, rows=rows, **changes)], saved=saved,
                               file_remarks=())


def udmurt_updates() -> tuple[list[ms.Book], dict[str, dict[int, str]]]:
    """The books, and the reasons to write beside some rows: {folder: {data row index: reason}}."""
    books = ms.books()
    out, reasons = [], {}

    # 1. The July list of the state control department, fixed as the remarks asked.
    control = _book(books, "Отдел государственного контроля (надзора) в сфере социального обслуживания")
    rows = [r for r in next(s for s in control.sheets if not isinstance(s, tuple)).rows]
    rows[1] = _fixed(rows[1], kind=ms.OFF)
    rows[2] = _fixed(rows[2], kind=ms.ON)
    rows[5] = _fixed(rows[5], point="Электронная почта отдела")
    rows[6] = _fixed(rows[6], group=ms.G3)
    out.append(_sheet(control, [_fixed(r) for r in rows], datetime(2024, 7, 22, 10, 5)))

    # 2. The citizens' appeals department: a row changed, a row added, a row excluded, with reasons.
    appeals = _book(books, "Отдел по работе с обращениями граждан")
    rows = list(next(s for s in appeals.sheets if not isinstance(s, tuple)).rows)
    rows[4] = dataclasses.replace(rows[4], interaction="Запись на личный прием по телефону, получение "
                                  "информации о дате, времени и месте приема, напоминание о записи")
    rows.insert(6, dataclasses.replace(rows[5], point=ms.INTERNET_RECEPTION,
                                       interaction="Запись на личный прием в электронной форме", kind=ms.ON))
    del rows[-1]  # the information stand is gone from the reception hall
    out.append(_sheet(appeals, rows, datetime(2024, 10, 3, 15, 40)))
    reasons[appeals.folder] = {
        4: "изменение ненормативных (внутренних) актов Министерства и иных документов, регулирующих "
           "предоставление услуг, функций (сервисов), мер поддержки (п. 19 подп. 2 Порядка)",
        6: "изменение ненормативных (внутренних) актов Министерства и иных документов, регулирующих "
           "предоставление услуг, функций (сервисов), мер поддержки (п. 19 подп. 2 Порядка)",
    }

    # 3. The strategic development department: the list returned in July for a formula typed as text
    # (UD-FORMULA), the site now named as text.
    strategy = _book(books, "Управление стратегического развития")
    rows = [_fixed(r, point=ms.SITE) if r.point.startswith("=") else _fixed(r)
            for r in next(s for s in strategy.sheets if not isinstance(s, tuple)).rows]
    out.append(_sheet(strategy, rows, datetime(2024, 10, 7, 9, 15)))

    # 4. The family support department: the same list again, in another order and letter case.
    family = _book(books, "Управление социальной поддержки семей с детьми")
    rows = list(next(s for s in family.sheets if not isinstance(s, tuple)).rows)
    rows = rows[9:] + rows[:9]
    rows[0] = dataclasses.replace(rows[0], service=rows[0].service.upper())
    rows[1] = dataclasses.replace(rows[1], interaction="  " + rows[1].interaction.replace(" ", "  ") + " ")
    out.append(_sheet(family, rows, datetime(2024, 10, 7, 11, 40)))

    # 5. A department that sends its list for the first time.
    name = "Отдел бухгалтерского учета и отчетности"
    s_pay = "Выдача справок о доходах и расчетных листков сотрудникам Министерства"
    s_trip = "Возмещение расходов на служебные командировки"
    out.append(ms.Book(name, "перечень точек взаимодействия бухгалтерия.xlsx", [ms.Sheet(
        "Лист1", top=ms.title(name), footer=[None, "footnotes", None,
                                            ("signature", "Начальник отдела", "____________  Н.С. Волкова")],
        rows=[
            ms.r(ms.G6, s_pay, "Система электронного документооборота Directum RX", "Подача заявки на справку, "
                 "получение справки в электронном виде", ms.ON),
            ms.r(ms.G6, s_pay, "Кабинет бухгалтерии", "Получение справки и расчетного листка на бумажном "
                 "носителе", ms.OFF),
            ms.r(ms.G6, s_trip, ms.EMAIL, "Направление авансового отчета, получение уведомления о возмещении",
                 ms.ON),
        ])], datetime(2024, 10, 8, 16, 0), "Волкова Наталья Сергеевна"))
    return out, reasons


def minreg_updates() -> tuple[list[ms.Book], dict[str, dict[int, str]]]:
    books = nso.minreg_books()
    out, reasons = [], {}

    # 1. The local self-government department's list, returned in October, fixed.
    tos = _book(books, "Отдел развития территориального общественного самоуправления")
    rows = list(next(s for s in tos.sheets if not isinstance(s, tuple)).rows)
    fixed = []
    for r in rows:
        codes = {code for code, _ in r.expect}
        if "MINREG-DUP" in codes:
            continue  # the same point twice in one process: the second line goes
        if "MINREG-KIND-AGREE" in codes:
            r = _fixed(r, kind=nso.DIGITAL)
        if "MINREG-GROUP-NUM" in codes:
            r = _fixed(r, num=1)
        if "MINREG-FEATURES-STUB" in codes:
            r = _fixed(r, kind=nso.OFFLINE)
        if "MINREG-NEEDS" in codes:
            r = _fixed(r, interaction="Получение информации о графике консультаций, получение консультации")
        fixed.append(_fixed(r))
    # The department also informs of the support measures on the site, word for word as the local
    # government department does: a process done alike by two subdivisions, one row of the list
    # (п. 2.6 Порядка).
    local = _book(books, "Управление по взаимодействию с органами местного самоуправления")
    shared = next(r for r in next(s for s in local.sheets if not isinstance(s, tuple)).rows if r.group == nso.M3)
    fixed.append(_fixed(shared))
    out.append(_sheet(tos, fixed, datetime(2024, 11, 5, 11, 0)))

    # 2. The department of relations with local government: a changed and an excluded row, with reasons.
    local = _book(books, "Управление по взаимодействию с органами местного самоуправления")
    rows = list(next(s for s in local.sheets if not isinstance(s, tuple)).rows)
    rows[1] = dataclasses.replace(rows[1], interaction="Получение консультации по подготовке заявки в "
                                  "электронном виде, получение уведомления о результатах отбора")
    del rows[4]  # consultations on the contest by phone are no longer given
    out.append(_sheet(local, rows, datetime(2024, 11, 12, 10, 30)))
    reasons[local.folder] = {
        1: "изменение в точке взаимодействия удовлетворяемых потребностей клиента (п. 3.3 подп. 3 Порядка)",
    }
    return out, reasons


def add_reasons(path: Path, found: list[dict], reasons: dict[int, str], saved: datetime) -> None:
    """A column «Основание внесения изменений» after the form's columns, filled beside the given rows."""
    wb = load_workbook(path)
    sheet = found[0]
    ws = wb[sheet["sheet"]]
    col = ws.max_column + 1
    header = ws.cell(sheet["header_row"], col, REASON_HEADER)
    header.font = Font(name=ms.FONT, bold=True)
    header.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header.border = ms.BOX
    ws.column_dimensions[header.column_letter].width = 40
    for i, (excel_row, _) in enumerate(sheet["rows"]):
        cell = ws.cell(excel_row, col, reasons.get(i))
        cell.font = Font(name=ms.FONT)
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        cell.border = ms.BOX
    wb.save(path)
    ms.fix_zip_dates(path, saved)


def write_inbox(name: str, books: list[ms.Book], reasons: dict[str, dict[int, str]], widths: dict) -> None:
    ms.WIDTHS = widths
    inbox = ROOT / "sample_inputs" / name
    old = inbox if inbox.exists() else None
    stage = Path(tempfile.mkdtemp(prefix=f"{name}_", dir=inbox.parent))
    try:
        for book in books:
            found = ms.write_book(book, stage, old)
            if book.folder in reasons:
                add_reasons(stage / book.folder / book.filename, found, reasons[book.folder], book.saved)
        if old:
            shutil.rmtree(old)
        os.replace(stage, inbox)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    os.chmod(inbox, 0o755)
    print(f"{inbox.relative_to(ROOT)}: {sum(1 for p in inbox.rglob('*') if p.is_file())} files")


def main() -> int:
    write_inbox("udmurt-изменения", *udmurt_updates(), UDMURT_WIDTHS)
    write_inbox("nso-minreg-изменения", *minreg_updates(), NSO_WIDTHS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
