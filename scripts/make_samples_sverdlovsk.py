#!/usr/bin/env python3
"""Write the sample inbox sample_inputs/sverdlovsk/ and its oracle tests/sample_expectations_sverdlovsk.json.

The inbox is what the working group on customer-centricity standards of the Министерство инвестиций и
развития Свердловской области (its secretary sits in the отдел государственной гражданской службы,
кадровой и организационной работы, п. 16 Порядка) would find after the subdivisions sent their lists of
points of interaction by the form of the appendix to the Порядок (order of 11.04.2024 № 54): one folder
per subdivision, each workbook laid out its own way (title rows, merged cells, line breaks in the header
and in the cells, numbered lists of needs, another column order, an old six-column form, .xls and .ods),
clean ones and ones with the defects the rules of rules/sverdlovsk.yaml catch, plus an Excel lock file
and a cover letter.

The script places every defect itself, so it also writes the oracle: per file the verdict, the
subdivision, the sheet, the header row, the data rows and the remarks as [code, cell] pairs. Reruns give
the same files (fixed timestamps and zip dates, also inside the .ods); .xls and .ods are converted from
.xlsx with LibreOffice (`soffice`) and kept as committed when it is absent. Helpers are shared with scripts/make_samples.py.

`python scripts/make_samples_sverdlovsk.py`
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_samples import BOX, _font, _height, convert, dumps, fix_zip_dates, lock_file, soffice  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
INBOX = ROOT / "sample_inputs" / "sverdlovsk"
ORACLE = ROOT / "tests" / "sample_expectations_sverdlovsk.json"
PROFILE = ROOT / "rules" / "sverdlovsk.yaml"

KEYS = ("num", "direction", "function", "process", "point", "needs", "kind")
FORM_HEADERS = {
    "num": "Номер строки",
    "direction": "Направление деятельности",
    "function": "Наименование функции, сервиса",
    "process": "Наименование конкретного процесса",
    "point": "Точка взаимодействия",
    "needs": "Удовлетворяемые потребности клиента",
    "kind": "Вид точки взаимодействия (цифровая/офлайн)",
}
WIDTHS = {"num": 8, "direction": 26, "function": 32, "process": 32, "point": 30, "needs": 44, "kind": 16}
FORM_TITLE = "точек взаимодействия с клиентом в Министерстве инвестиций и развития Свердловской области"

# п. 5 Порядка.
D1 = "Предоставление мер государственной поддержки"
D2 = "Рассмотрение обращений и запросов"
D3 = "Обеспечение доступа к информации о деятельности Министерства"
D4 = "Взаимодействие с внутренним клиентом по кадровым вопросам"
D5 = "Взаимодействие с внутренним клиентом по вопросам ведения бухгалтерского учета"
D6 = ("Взаимодействие с внутренним клиентом по вопросам осуществления административно-хозяйственной "
      "деятельности")
D7 = "Иные функции, сервисы"
DIG, OFF = "цифровая", "офлайн"

# Points as subdivisions write them.
SITE = "Официальный сайт Министерства (mir.midural.ru)"
EMAIL = "Электронная почта Министерства (mir@egov66.ru)"
EBUDGET = "Государственная интегрированная информационная система «Электронный бюджет»"
POS = "Платформа обратной связи (ПОС) Единого портала государственных услуг"
SED = "Система электронного документооборота Министерства"

FILE = None  # expected remark column for a file-level remark


@dataclass
class Row:
    direction: str
    function: str
    process: str
    point: str
    needs: str
    kind: str
    num: int | str | None = None  # None: the next number
    expect: tuple = ()  # ((code, key), ...)


def r(direction, function, process, point, needs, kind, num=None, *expect):
    return Row(direction, function, process, point, needs, kind, num, tuple(expect))


@dataclass
class Sheet:
    name: str
    rows: list
    top: list = field(default_factory=list)  # None, ("title", text), ("line", text)
    order: tuple = KEYS
    headers: dict = field(default_factory=lambda: dict(FORM_HEADERS))
    numbering: bool = True
    number_format: str = "{}."  # the form numbers its rows «1.»
    merge: tuple = ("direction", "function", "process")
    footer: list = field(default_factory=list)  # None, ("signature", position, name), ("executor", text)


@dataclass
class Book:
    folder: str
    filename: str
    sheet: Sheet
    saved: datetime
    author: str
    fmt: str = "xlsx"
    file_remarks: tuple = ()


# --- writing ---------------------------------------------------------------------------------------

def _top(ws, top, width) -> int:
    row, last = 1, get_column_letter(width)
    for item in top:
        if item is not None:
            kind, text = item
            ws.merge_cells(f"A{row}:{last}{row}")
            c = ws.cell(row, 1, text)
            c.font = _font(14 if kind == "title" else 12, bold=kind == "title")
            c.alignment = Alignment(horizontal="center" if kind == "title" else "left", wrap_text=True)
        row += 1
    return row


def _merge_key(row: Row, key: str) -> tuple:
    chain = ("direction", "function", "process")
    return tuple(getattr(row, k) for k in chain[: chain.index(key) + 1])


def write_sheet(ws, sheet: Sheet) -> dict:
    cols = {k: i for i, k in enumerate(sheet.order, start=1)}
    for k, i in cols.items():
        ws.column_dimensions[get_column_letter(i)].width = WIDTHS[k]
    header_row = _top(ws, sheet.top, len(cols))
    for k, i in cols.items():
        c = ws.cell(header_row, i, sheet.headers[k])
        c.font = _font(bold=True)
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = BOX
    ws.row_dimensions[header_row].height = max(48.0, _height((sheet.headers[k], WIDTHS[k]) for k in sheet.order))
    first = header_row + 1
    if sheet.numbering:
        for n, i in enumerate(sorted(cols.values()), start=1):
            c = ws.cell(first, i, n)
            c.font = _font(10)
            c.alignment = Alignment(horizontal="center")
            c.border = BOX
        first += 1

    # Vertical merges of equal direction / function / process values in consecutive rows.
    top_of: dict[tuple[int, str], int] = {}
    for key in sheet.merge:
        if key not in cols:
            continue
        i = 0
        while i < len(sheet.rows):
            j = i
            if getattr(sheet.rows[i], key):
                while j + 1 < len(sheet.rows) and _merge_key(sheet.rows[j + 1], key) == _merge_key(sheet.rows[i], key):
                    j += 1
            if j > i:
                ws.merge_cells(start_row=first + i, start_column=cols[key], end_row=first + j, end_column=cols[key])
                for k in range(i, j + 1):
                    top_of[(k, key)] = i
            i = j + 1

    number, rows, remarks = 0, [], []
    for i, item in enumerate(sheet.rows):
        excel_row = first + i
        number = item.num if isinstance(item.num, int) else number + 1
        values = {"num": item.num if isinstance(item.num, str) else sheet.number_format.format(number),
                  **{k: getattr(item, k) for k in KEYS[1:]}}
        if sheet.number_format == "{}":
            values["num"] = number if not isinstance(item.num, str) else item.num
        for k, c in cols.items():
            cell = ws.cell(excel_row, c)
            cell.border = BOX
            cell.font = _font()
            cell.alignment = Alignment(horizontal="center" if k in ("num", "kind") else "left",
                                       vertical="center" if (i, k) in top_of else "top", wrap_text=True)
            if top_of.get((i, k), i) == i and values[k] not in ("", None):
                cell.value = values[k]
        ws.row_dimensions[excel_row].height = _height(
            (values[k], WIDTHS[k]) for k in sheet.order if top_of.get((i, k), i) == i)
        rows.append(excel_row)
        for code, key in item.expect:
            cell = f"{get_column_letter(cols[key])}{first + top_of.get((i, key), i)}"
            if [code, cell] not in remarks:
                remarks.append([code, cell])

    row = first + len(sheet.rows)
    for item in sheet.footer:
        if item is None:
            row += 1
        elif item[0] == "signature":
            ws.cell(row, 2, item[1]).font = _font()
            c = ws.cell(row, len(cols) - 1, item[2])
            c.font = _font()
            c.alignment = Alignment(horizontal="right")
            row += 1
        elif item[0] == "executor":
            ws.cell(row, 1, item[1]).font = _font(9)
            row += 1
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return {"sheet": ws.title, "header_row": header_row, "rows": rows, "remarks": remarks}


def save_xlsx(book: Book, path: Path) -> dict:
    wb = Workbook()
    ws = wb.active
    ws.title = book.sheet.name
    found = write_sheet(ws, book.sheet)
    wb.properties.creator = book.author
    wb.properties.lastModifiedBy = book.author
    wb.properties.created = book.saved
    wb.properties.modified = book.saved
    wb.properties.title = "Перечень точек взаимодействия с клиентом"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    fix_zip_dates(path, book.saved)
    return found


def write_book(book: Book, target: Path, old_inbox: Path | None) -> dict:
    dest = target / book.folder / book.filename
    if book.fmt == "xlsx":
        return save_xlsx(book, dest)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / (Path(book.filename).stem + ".xlsx")
        found = save_xlsx(book, src)
        dest.parent.mkdir(parents=True, exist_ok=True)
        kept = old_inbox / book.folder / book.filename if old_inbox else None
        if soffice():
            shutil.copyfile(convert(src, book.fmt, Path(tmp) / "out"), dest)
            if book.fmt == "ods":
                fix_member_dates(dest, book.saved)
        elif kept and kept.exists():
            print(f"note: soffice not found, keeping the committed {book.folder}/{book.filename}")
            shutil.copyfile(kept, dest)
        else:
            print(f"warning: soffice not found and no committed {book.fmt} file: {book.folder}/{book.filename}")
    return found


def fix_member_dates(path: Path, when: datetime) -> None:
    """LibreOffice stamps the members of an .ods with the current time; fix them so reruns give equal
    files (the member order, «mimetype» first and stored, is kept)."""
    with zipfile.ZipFile(path) as z:
        members = [(info, z.read(info.filename)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w") as z:
        for info, data in members:
            fixed = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            z.writestr(fixed, data)


def title(subdivision: str) -> list:
    return [("title", "ПЕРЕЧЕНЬ"), ("line", FORM_TITLE), ("line", f"Структурное подразделение: {subdivision}"), None]


# --- the inbox -------------------------------------------------------------------------------------

def books() -> list[Book]:
    out = []

    # 1. Clean. The form as printed under a title, numbering row, «1.» numbers, direction, function and
    # process merged, needs as numbered lists with line breaks; an Excel lock file beside it.
    name = "Отдел развития малого и среднего предпринимательства"
    f_equip = ("Предоставление субсидий субъектам малого и среднего предпринимательства на возмещение части "
               "затрат на приобретение оборудования")
    p_apply = "Прием и регистрация заявок на участие в отборе получателей субсидии"
    p_decide = "Рассмотрение заявок и принятие решения о предоставлении субсидии"
    f_status = "Присвоение инвестиционному проекту статуса приоритетного инвестиционного проекта Свердловской области"
    p_status = "Прием и рассмотрение заявления о присвоении статуса приоритетного инвестиционного проекта"
    f_orv = "Проведение оценки регулирующего воздействия проектов нормативных правовых актов Свердловской области"
    p_orv = "Проведение публичных консультаций по проекту нормативного правового акта"
    out.append(Book(name, "Перечень точек взаимодействия МСП.xlsx", Sheet(
        "Лист1", top=title(name), footer=[None, ("signature", "Начальник отдела", "______________ А.В. Шестакова")],
        rows=[
            r(D1, f_equip, p_apply, SITE, "1) получение информации о порядке и условиях проведения отбора;\n"
              "2) получение форм документов", DIG),
            r(D1, f_equip, p_apply, EBUDGET, "1) представление заявления, обращения, запроса, документов;\n"
              "2) получение информации о ходе рассмотрения заявления, обращения, запроса, документов", DIG),
            r(D1, f_equip, p_apply, "Телефонная связь (отдел развития МСП)",
              "получение консультации по вопросам подготовки заявки", DIG),
            r(D1, f_equip, p_apply, "Личный прием в Министерстве (каб. 512)",
              "получение консультации;\nпредставление документов на бумажном носителе", OFF),
            r(D1, f_equip, p_decide, EBUDGET, "получение информации о ходе рассмотрения заявления;\n"
              "получение результата, ответа, разъяснения (уведомление о решении)", DIG),
            r(D1, f_equip, p_decide, EMAIL, "получение разъяснения причин отказа;\nпредоставление обратной связи", DIG),
            r(D1, f_status, p_status, SITE, "получение информации; получение форм документов", DIG),
            r(D1, f_status, p_status, EMAIL, "представление заявления, обращения, запроса, документов; получение "
              "результата, ответа, разъяснения", DIG),
            r(D1, f_status, p_status, "Телефонная связь", "получение консультации; получение информации о ходе "
              "рассмотрения заявления", DIG),
            r(D1, f_status, p_status, "Личный прием инвесторов заместителем Министра", "получение консультации", OFF),
            r(D7, f_orv, p_orv, "Портал «Оценка регулирующего воздействия в Свердловской области» "
              "(regulation.midural.ru)", "получение информации; предоставление обратной связи", DIG),
            r(D7, f_orv, p_orv, EMAIL, "предоставление обратной связи;\nполучение результата рассмотрения обратной "
              "связи", DIG),
        ]), datetime(2025, 12, 19, 15, 40), "Шестакова Анна Владимировна"))

    # 2. Returned, .xls. One title line, header with line breaks on row 3, no numbering row, only the
    # process merged. A telephone marked offline, a process that splits e-mail by stages, needs outside
    # п. 8, a direction with a typo.
    name = "Отдел сопровождения инвестиционных проектов"
    headers = {
        "num": "Номер\nстроки",
        "direction": "Направление\nдеятельности",
        "function": "Наименование\nфункции, сервиса",
        "process": "Наименование конкретного\nпроцесса",
        "point": "Точка\nвзаимодействия",
        "needs": "Удовлетворяемые\nпотребности клиента",
        "kind": "Вид точки\nвзаимодействия\n(цифровая/офлайн)",
    }
    f_spic = "Заключение специального инвестиционного контракта Свердловской области"
    p_spic = "Прием и рассмотрение заявления о заключении специального инвестиционного контракта"
    f_window = "Сопровождение инвестиционных проектов по принципу «одного окна»"
    p_window = "Рассмотрение обращения инвестора о сопровождении инвестиционного проекта"
    out.append(Book(name, "перечень ТВ ОСИП.xls", Sheet(
        "Лист1", headers=headers, numbering=False, number_format="{}", merge=("process",),
        top=[("line", f"Перечень точек взаимодействия с клиентом. Структурное подразделение: {name}"), None],
        rows=[
            r(D1, f_spic, p_spic, SITE, "получение информации; получение форм документов", DIG),
            r(D1, f_spic, p_spic, "Телефон отдела сопровождения инвестиционных проектов", "получение консультации",
              OFF, None, ("SV-KIND-AGREE", "kind")),
            r(D1, f_spic, p_spic, "Электронная почта Министерства", "представление заявления с пакетом документов",
              DIG),
            r(D1, f_spic, p_spic, "Электронная почта Министерства", "уведомление о результате рассмотрения", DIG,
              None, ("SV-DUP", "point"), ("SV-NEEDS", "needs")),
            r(D1, f_spic, p_spic, "Личный прием", "запись на прием; получение консультации", OFF, None,
              ("SV-NEEDS", "needs")),
            r("Рассмотрение обращений и запрсов", f_window, p_window, "Инвестиционный портал Свердловской области "
              "(invest-in-ural.ru)", "получение информации; представление обращения", DIG, None,
              ("SV-DIRECTION", "direction")),
            r(D2, f_window, p_window, POS, "предоставление обратной связи; получение результата рассмотрения "
              "обратной связи", DIG),
            r(D2, f_window, p_window, "Личный прием инвестора (проектный офис)", "получение консультации; "
              "представление документов по проекту", OFF),
        ]), datetime(2025, 12, 22, 10, 5), "Кузнецов Илья Сергеевич", fmt="xls"))

    # 3. Accepted with a warning. «Структурное подразделение:» in one line, header on row 2 with variant
    # captions, the needs and the kind columns swapped. A certificate is issued only at the desk: no
    # digital point in the process (подп. 2 п. 18).
    name = "Отдел государственной гражданской службы, кадровой и организационной работы"
    headers = dict(FORM_HEADERS, num="№ п/п", kind="Вид точки взаимодействия")
    f_leave = "Оформление отпусков государственных гражданских служащих Министерства"
    p_leave = "Оформление ежегодного оплачиваемого отпуска"
    f_cert = "Выдача документов, связанных с прохождением гражданской службы"
    p_cert = "Выдача справки с места работы"
    f_dpo = "Организация дополнительного профессионального образования гражданских служащих"
    p_dpo = "Направление гражданского служащего на обучение по программе повышения квалификации"
    out.append(Book(name, "Перечень_ОГГС.xlsx", Sheet(
        "Перечень", top=[("line", f"Структурное подразделение: {name}")], numbering=False, number_format="{}",
        order=("num", "direction", "function", "process", "point", "kind", "needs"), headers=headers,
        rows=[
            r(D4, f_leave, p_leave, SED, "представление заявления; получение информации о ходе рассмотрения "
              "заявления", DIG),
            r(D4, f_leave, p_leave, "Электронная почта отдела", "получение форм документов; получение консультации", DIG),
            r(D4, f_cert, p_cert, "Личный прием в отделе (каб. 308)", "представление заявления; получение "
              "результата (справки)", OFF, None, ("SV-NO-DIGITAL", "kind")),
            r(D4, f_dpo, p_dpo, SED, "получение информации о программах обучения; представление заявления", DIG),
            r(D4, f_dpo, p_dpo, "Телефонная связь (внутренний номер 1208)", "получение консультации", DIG),
        ]), datetime(2025, 12, 23, 9, 30), "Соколова Марина Викторовна"))

    # 4. Returned, .ods. Header on row 4, numbering row, direction and function merged. Needs left
    # empty, a kind outside the form's two values, a gap in the numbering.
    name = "Отдел бухгалтерского учета и отчетности"
    f_pay = "Начисление и выплата денежного содержания гражданским служащим"
    p_slip = "Выдача расчетных листков"
    f_trip = "Возмещение расходов, связанных со служебными командировками"
    p_report = "Прием и проверка авансового отчета"
    p_refund = "Перечисление возмещения командировочных расходов"
    out.append(Book(name, "Перечень точек взаимодействия бухгалтерия.ods", Sheet(
        "Лист1", top=title(name), merge=("direction", "function"),
        footer=[None, ("executor", "Исп. Мельникова О.Н., тел. 312-00-18")],
        rows=[
            r(D5, f_pay, p_slip, "Электронная почта отдела", "получение информации (расчетный листок)", DIG),
            r(D5, f_pay, p_slip, "Личный прием в бухгалтерии", "получение консультации по начислениям", OFF),
            r(D5, f_trip, p_report, "Информационная система «1С: Бухгалтерия государственного учреждения»",
              "представление документов", "дистанционная", None, ("SV-KIND", "kind")),
            r(D5, f_trip, p_report, "Личный прием в бухгалтерии", "", OFF, 5, ("SV-NUM", "num"),
              ("SV-EMPTY-NEEDS", "needs")),
            r(D5, f_trip, p_refund, SED, "получение информации о ходе рассмотрения авансового отчета; получение "
              "результата", DIG),
        ]), datetime(2025, 12, 24, 17, 12), "Мельникова Ольга Николаевна", fmt="ods"))

    # 5. Accepted with warnings. Header on row 5 in capitals, no numbering row, no merges (values
    # repeated). The answer to an appeal is listed only as its final result (п. 9); public events are
    # not a point the Порядок names. A cover letter lies beside the workbook.
    name = "Отдел документационного обеспечения и работы с обращениями граждан"
    headers = {k: v.upper() for k, v in FORM_HEADERS.items()}
    f_appeal = "Рассмотрение обращений граждан и организаций"
    p_register = "Прием и регистрация обращений"
    p_answer = "Направление ответа на обращение"
    f_info = "Информирование о деятельности Министерства"
    p_news = "Размещение информации о деятельности Министерства и мерах поддержки"
    out.append(Book(name, "перечень точек взаимодействия.xlsx", Sheet(
        "Лист1", top=title(name), headers=headers, numbering=False, merge=(),
        rows=[
            r(D2, f_appeal, p_register, "Интернет-приемная на официальном сайте Министерства",
              "представление обращения; получение информации о ходе рассмотрения обращения", DIG),
            r(D2, f_appeal, p_register, "Почтовая связь (письменное обращение)",
              "представление обращения на бумажном носителе", OFF),
            r(D2, f_appeal, p_register, POS, "предоставление обратной связи; получение результата рассмотрения "
              "обратной связи", DIG),
            r(D2, f_appeal, p_register, "Личный прием граждан Министром", "представление обращения в устной форме; "
              "получение разъяснения", OFF),
            r(D2, f_appeal, p_answer, "Электронная почта Министерства", "получение ответа", DIG, None,
              ("SV-FINAL-ONLY", "needs")),
            r(D2, f_appeal, p_answer, "Почта России", "получение ответа на бумажном носителе", OFF),
            r(D3, f_info, p_news, SITE, "получение информации", DIG),
            r(D3, f_info, p_news, "Telegram-канал Министерства «Инвестиции Урала»", "получение информации; "
              "предоставление обратной связи", DIG),
            r(D3, f_info, p_news, "Публичные мероприятия Министерства (семинары, форумы)", "получение информации; "
              "получение консультации", OFF, None, ("SV-POINT-UNKNOWN", "point")),
        ]), datetime(2025, 12, 18, 11, 20), "Бабушкина Татьяна Юрьевна"))

    # 6. Returned. The old six-column form without «Удовлетворяемые потребности клиента»; header on
    # row 1, no title, no numbering row.
    name = "Отдел информационной политики и связей с общественностью"
    f_media = "Взаимодействие со средствами массовой информации"
    p_media = "Рассмотрение запросов средств массовой информации"
    out.append(Book(name, "Перечень ТВ ОИП.xlsx", Sheet(
        "Лист1", numbering=False, number_format="{}", merge=(),
        order=("num", "direction", "function", "process", "point", "kind"),
        rows=[
            r(D3, f_media, p_media, EMAIL, "", DIG),
            r(D3, f_media, p_media, "Телефонная связь (пресс-служба)", "", DIG),
            r(D3, "Ведение официальных страниц Министерства в социальных сетях",
              "Размещение публикаций и ответы на комментарии", "Официальная страница Министерства «ВКонтакте»",
              "", DIG),
        ]), datetime(2025, 12, 17, 16, 0), "Зайцева Мария Олеговна", file_remarks=(("SV-FORM", FILE),)))

    # 7. Accepted with a warning. Header on row 1, numbering row, kinds written «Цифровая точка» /
    # «Офлайн-точка», ё in the text; a Latin «о» typed into a process name.
    name = "Отдел административно-хозяйственного обеспечения"
    f_mto = "Материально-техническое обеспечение деятельности Министерства"
    p_repair = "Приём заявок на ремонт и обслуживание оборудования"
    p_supply = "Выдача канцелярских товаров и расходных материалов"
    f_pass = "Организация пропускного режима в здании Министерства"
    p_pass = "Оформление прoпусков для посетителей"  # Latin «о» in «прoпусков»
    out.append(Book(name, "Перечень АХО.xlsx", Sheet(
        "Перечень ТВ", number_format="{}", merge=("direction", "function"),
        rows=[
            r(D6, f_mto, p_repair, SED, "представление заявки на ремонт;\nполучение информации о ходе "
              "рассмотрения заявки", "Цифровая точка"),
            r(D6, f_mto, p_repair, "Телефон дежурного администратора (внутр. 200)", "подача заявки; получение "
              "консультации", "Цифровая точка"),
            r(D6, f_mto, p_supply, "Кабинет отдела (каб. 105)", "получение результата (выдача материалов)",
              "Офлайн-точка"),
            r(D6, f_mto, p_supply, "Электронная почта отдела", "направление заявки на материалы", "Цифровая точка"),
            r(D6, f_pass, p_pass, "Электронная почта отдела", "направление заявки на пропуск; получение "
              "информации о готовности пропуска", "Цифровая точка", None, ("SV-LATIN", "process")),
            r(D6, f_pass, p_pass, "Помещение бюро пропусков", "получение результата (пропуска)", "Офлайн-точка",
              None, ("SV-LATIN", "process")),
        ]), datetime(2025, 12, 25, 12, 45), "Голованов Сергей Петрович"))
    return out


EXTRAS = {
    # Excel's owner file: the author of book 1 still had the workbook open when the folder was copied.
    "Отдел развития малого и среднего предпринимательства/~$Перечень точек взаимодействия МСП.xlsx":
        lock_file("Шестакова А.В."),
    "Отдел документационного обеспечения и работы с обращениями граждан/Сопроводительное письмо.txt": (
        "Секретарю рабочей группы по внедрению Стандартов клиентоцентричности\r\n\r\n"
        "Направляем результаты мониторинга перечня точек взаимодействия с клиентом отдела\r\n"
        "документационного обеспечения и работы с обращениями граждан (п. 16 Порядка, утвержденного\r\n"
        "приказом Министерства от 11.04.2024 № 54).\r\n\r\n"
        "Приложение: перечень точек взаимодействия.xlsx\r\n\r\n"
        "Начальник отдела                                   Т.Ю. Бабушкина\r\n"
    ).encode("utf-8"),
}


def expectation(book: Book, found: dict, errors: set[str]) -> dict:
    remarks = [list(x) for x in book.file_remarks] + found["remarks"]
    return {
        "verdict": "returned" if any(code in errors for code, _ in remarks) else "accepted",
        "subdivision": book.folder,
        "sheet": found["sheet"],
        "header_row": found["header_row"],
        "rows": len(found["rows"]),
        "data_rows": found["rows"],
        "remarks": remarks,
    }


def main() -> int:
    rules = yaml.safe_load(PROFILE.read_text(encoding="utf-8"))["rules"]
    errors = {rule["code"] for rule in rules if rule["severity"] == "error"}
    old = INBOX if INBOX.exists() else None
    INBOX.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix="sverdlovsk_inbox_", dir=INBOX.parent))
    try:
        oracle = {}
        for book in books():
            found = write_book(book, stage, old)
            oracle[f"{book.folder}/{book.filename}"] = expectation(book, found, errors)
        for rel, data in EXTRAS.items():
            (stage / rel).parent.mkdir(parents=True, exist_ok=True)
            (stage / rel).write_bytes(data)
            oracle[rel] = {"verdict": "skipped", "subdivision": rel.split("/")[0], "rows": 0, "remarks": []}
        if old:
            shutil.rmtree(old)
        os.replace(stage, INBOX)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    os.chmod(INBOX, 0o755)
    ORACLE.write_text(dumps({
        "_about": "Written by scripts/make_samples_sverdlovsk.py: the expected result of checking "
                  "sample_inputs/sverdlovsk with the sverdlovsk profile. Keys are paths relative to the inbox; "
                  "rows counts the data rows (data_rows: their Excel rows); remarks are [code, cell], cell null "
                  "for a file-level remark.",
        "files": dict(sorted(oracle.items())),
    }), encoding="utf-8")
    total = sum(p.stat().st_size for p in INBOX.rglob("*") if p.is_file())
    print(f"{INBOX.relative_to(ROOT)}: {sum(1 for p in INBOX.rglob('*') if p.is_file())} files, "
          f"{total // 1024} KB; oracle {ORACLE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
