#!/usr/bin/env python3
"""Write the sample inbox sample_inputs/udmurt/ and its oracle tests/sample_expectations.json.

The inbox is what the управление стратегического развития of Минсоцполитики УР would really find in
its folder after the subdivisions sent their «перечни точек взаимодействия» (п. 12–13 Порядка): one
folder per subdivision, each with its workbook laid out its own way (title rows, merged cells,
footnotes, a signature, a cover sheet, another column order, .xls and .ods), a few clean, a few
with the defects the rules in rules/udmurt.yaml catch, plus an Excel lock file and a cover letter.

The script places every defect itself, so it also writes the oracle: per file the verdict, the
subdivision, the sheet, the header row, the data rows and the remarks as [code, cell] pairs.
Running it again gives the same files (fixed timestamps, fixed zip dates); .xls and .ods are
converted from .xlsx with LibreOffice (`soffice`), and kept as committed when it is absent.

Only openpyxl and the standard library: `python scripts/make_samples.py`.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

ROOT = Path(__file__).resolve().parents[1]
INBOX = ROOT / "sample_inputs" / "udmurt"
ORACLE = ROOT / "tests" / "sample_expectations.json"

KEYS = ("num", "group", "service", "point", "interaction", "kind")
FORM_HEADERS = {
    "num": "№ п/п",
    "group": "Наименование группы услуг, функций (сервисов)*",
    "service": "Наименование услуги, функции (сервиса)*",
    "point": "Точка взаимодействия**",
    "interaction": "Осуществляемое взаимодействие***",
    "kind": "Особенности взаимодействия с клиентом****",
}
WIDTHS = {"num": 6, "group": 30, "service": 40, "point": 34, "interaction": 48, "kind": 17}
FOOTNOTES = (
    "*В соответствии с Реестром процессов Министерства;",
    "**Онлайн-точки: официальные сайты, порталы (с указанием наименования конкретного портала), "
    "социальные сети, мессенджеры, платформа обратной связи, информационные системы (с указанием "
    "наименования конкретной информационной системы), электронная почта, система межведомственного "
    "документооборота «Directum», интернет-приемная, Service Desk, телефонная связь; офлайн-точки: "
    "места приема граждан в Министерстве, личный прием;",
    "*** На основании анализа процессов, указанных в Реестре процессов Министерства;",
    "**** Офлайн-точка / онлайн-точка.",
)
FORM_TITLE = (
    "точек взаимодействия Министерства социальной политики и труда Удмуртской Республики "
    "с внутренним и внешним клиентом по всем группам функций, услуг (сервисов)"
)

# п. 7 Порядка.
G1 = "Предоставление государственных услуг"
G2 = "Предоставление мер государственной поддержки"
G3 = "Государственный контроль (надзор)"
G4 = "Рассмотрение обращений и запросов"
G5 = "Обеспечение доступа к информации о деятельности Министерства"
G6 = "Организация отношений с внутренним клиентом"
G7 = "Иные функции (сервисы)"
# Сноска ****.
ON = "Онлайн-точка"
OFF = "Офлайн-точка"

# Points of footnote ** as subdivisions write them.
EPGU = "Единый портал государственных и муниципальных услуг (функций)"
RPGU = "Региональный портал государственных и муниципальных услуг Удмуртской Республики"
SITE = "Официальный сайт Министерства (minsoc18.ru)"
ESRN = "ГИС «Электронный социальный регистр населения»"
HOTLINE = "Телефон горячей линии Министерства"
PHONE = "Телефонная связь"
PERSONAL = "Личный прием"
PLACES = "Места приема граждан в Министерстве"
EMAIL = "Электронная почта Министерства"
DIRECTUM = "Система межведомственного документооборота «Directum RX»"
INTERNET_RECEPTION = "Интернет-приемная на официальном сайте Министерства"
POS = "Платформа обратной связи (ПОС) Единого портала государственных услуг"
VK = "Официальная страница Министерства в социальной сети «ВКонтакте»"
TELEGRAM = "Telegram-канал Министерства «Минсоцполитики Удмуртии»"

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FONT = "Times New Roman"
# Expected remark column: a key of KEYS, or None for a file-level remark.
FILE = None


@dataclass
class Row:
    group: str
    service: str
    point: str
    interaction: str
    kind: str
    num: int | str | None = None  # None: the next number
    expect: tuple = ()  # ((code, key or None), ...)


def r(group, service, point, interaction, kind, num=None, *expect):
    return Row(group, service, point, interaction, kind, num, tuple(expect))


@dataclass
class Sheet:
    name: str
    rows: list  # Row, or None for a blank row inside the table
    top: list = field(default_factory=list)  # lines above the header, see _write_top
    order: tuple = KEYS
    headers: dict = field(default_factory=lambda: dict(FORM_HEADERS))
    numbering: bool = True
    merge: tuple = ("group", "service")
    footer: list = field(default_factory=lambda: [None, "footnotes"])


@dataclass
class Book:
    folder: str
    filename: str
    sheets: list  # Sheet, or ("cover", name, lines)
    saved: datetime
    author: str
    fmt: str = "xlsx"  # xlsx | xls | ods
    file_remarks: tuple = ()  # ((code, None), ...)


# --- writing ---------------------------------------------------------------------------------------

def _font(size=12, bold=False):
    return Font(name=FONT, size=size, bold=bold)


def _write_top(ws, top, width) -> int:
    """Lines above the header. Items: None (blank), ("title", text), ("line", text),
    ("right", text), ("cells", {column: text}). Returns the next free row."""
    row = 1
    last = get_column_letter(width)
    for item in top:
        if item is None:
            row += 1
            continue
        kind, value = item
        if kind in ("title", "line"):
            ws.merge_cells(f"A{row}:{last}{row}")
            c = ws.cell(row, 1, value)
            c.font = _font(14 if kind == "title" else 12, bold=kind == "title")
            c.alignment = Alignment(horizontal="center" if kind == "title" else "left",
                                    vertical="center", wrap_text=True)
            if len(value) > 110:
                ws.row_dimensions[row].height = 36
        elif kind == "right":
            ws.row_dimensions[row].height = _height([(value, 20)], 15)
            c = ws.cell(row, width, value)
            c.font = _font(11)
            c.alignment = Alignment(horizontal="right", wrap_text=True)
        elif kind == "cells":
            for col, text in value.items():
                ws.cell(row, col, text).font = _font()
        row += 1
    return row


def _runs(rows):
    """Consecutive data rows (indexes), split at blank rows."""
    run = []
    for i, row in enumerate(rows):
        if row is None:
            if run:
                yield run
            run = []
        else:
            run.append(i)
    if run:
        yield run


def write_sheet(ws, sheet: Sheet) -> dict:
    """Write one sheet of the form; return what a reader should find in it."""
    width = len(sheet.order)
    col_of = {k: sheet.order.index(k) + 1 for k in sheet.order}
    for k, i in col_of.items():
        ws.column_dimensions[get_column_letter(i)].width = WIDTHS[k]
    header_row = _write_top(ws, sheet.top, width)
    for k, i in col_of.items():
        c = ws.cell(header_row, i, sheet.headers[k])
        c.font = _font(bold=True)
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.border = BOX
    ws.row_dimensions[header_row].height = max(48.0, _height((sheet.headers[k], WIDTHS[k]) for k in sheet.order))
    row = header_row + 1
    if sheet.numbering:
        for n, i in enumerate(sorted(col_of.values()), start=1):
            c = ws.cell(row, i, n)
            c.font = _font(10)
            c.alignment = Alignment(horizontal="center")
            c.border = BOX
        row += 1
    first = row

    # Numbers, cell values, and vertical merges of equal group / service values.
    nums, number = [], 0
    for item in sheet.rows:
        if item is None:
            nums.append(None)
            continue
        number = item.num if item.num is not None else number + 1
        nums.append(number)
    top_of: dict[tuple[int, str], int] = {}
    for run in _runs(sheet.rows):
        for key in sheet.merge:
            if key not in col_of:
                continue
            i = 0
            while i < len(run):
                start, j = run[i], i
                if getattr(sheet.rows[start], key):
                    same = _merge_key(sheet.rows[start], key)
                    while j + 1 < len(run) and _merge_key(sheet.rows[run[j + 1]], key) == same:
                        j += 1
                if j > i:
                    c = col_of[key]
                    ws.merge_cells(start_row=first + start, start_column=c, end_row=first + run[j], end_column=c)
                    for k in run[i:j + 1]:
                        top_of[(k, key)] = start
                i = j + 1

    expected_rows, remarks = [], []
    for i, item in enumerate(sheet.rows):
        excel_row = first + i
        for k, c in col_of.items():
            cell = ws.cell(excel_row, c)
            cell.border = BOX
            cell.font = _font()
            cell.alignment = Alignment(horizontal="center" if k in ("num", "kind") else "left",
                                       vertical="center" if (i, k) in top_of else "top", wrap_text=True)
        if item is None:
            continue
        values = {"num": nums[i], **{k: getattr(item, k) for k in KEYS[1:]}}
        for k, c in col_of.items():
            if top_of.get((i, k), i) != i:
                continue  # inside a merge: the value stands in the top cell only
            v = values[k]
            if v in ("", None):
                continue
            cell = ws.cell(excel_row, c, v)
            if isinstance(v, str) and v.startswith("="):
                cell.data_type = "s"  # typed text, not a formula (Excel keeps it with a quote prefix)
                cell.quotePrefix = True
        ws.row_dimensions[excel_row].height = _height(
            (values[k], WIDTHS[k]) for k in sheet.order if top_of.get((i, k), i) == i)
        expected_rows.append((excel_row, {k: _clean(values[k]) for k in sheet.order}))
        for code, key in item.expect:
            remarks.append((code, f"{get_column_letter(col_of[key])}{excel_row}"))
    row = first + len(sheet.rows)
    _write_footer(ws, sheet.footer, row, width)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return {"sheet": ws.title, "header_row": header_row, "rows": expected_rows, "remarks": remarks}


def _height(cells, line=15.75) -> float:
    """Row height that shows wrapped text whole: neither Excel nor LibreOffice fits rows written by
    openpyxl on opening, and a form with cut-off text is not what a subdivision sends."""
    lines = 1
    for value, width in cells:
        text = str(value or "")
        n = sum(-(-len(part) // max(1, int(width * 1.05))) or 1 for part in text.split("\n"))
        lines = max(lines, n)
    return lines * line + 2


def _merge_key(row: Row, key: str):
    return (row.group,) if key == "group" else (row.group, row.service)


def _write_footer(ws, footer, row, width):
    last = get_column_letter(width)
    for item in footer:
        if item is None:
            row += 1
        elif item == "footnotes":
            for text in FOOTNOTES:
                ws.merge_cells(f"A{row}:{last}{row}")
                c = ws.cell(row, 1, text)
                c.font = _font(10)
                c.alignment = Alignment(wrap_text=True, vertical="top")
                ws.row_dimensions[row].height = _height([(text, sum(WIDTHS.values()))], 13.5)
                row += 1
        elif item[0] == "signature":
            _, position, name = item
            ws.cell(row, 2, position).font = _font()
            c = ws.cell(row, min(5, width), name)
            c.font = _font()
            c.alignment = Alignment(horizontal="right")
            row += 1
        elif item[0] == "executor":
            ws.cell(row, 1, item[1]).font = _font(9)
            row += 1


def write_cover(ws, lines):
    ws.column_dimensions["A"].width = 100
    for i, line in enumerate(lines, start=1):
        c = ws.cell(i, 1, line)
        c.font = _font()
        c.alignment = Alignment(wrap_text=True)


def _clean(value) -> str:
    """A value as the reader hands it on (consolidator.text.clean): runs of spaces as one space, line
    breaks kept one at a time."""
    if value is None:
        return ""
    lines = (" ".join(line.split()) for line in str(value).splitlines())
    return "\n".join(line for line in lines if line)


def save_xlsx(book: Book, path: Path) -> list[dict]:
    wb = Workbook()
    wb.remove(wb.active)
    found = []
    for sheet in book.sheets:
        if isinstance(sheet, tuple):
            _, name, lines = sheet
            write_cover(wb.create_sheet(name), lines)
        else:
            found.append(write_sheet(wb.create_sheet(sheet.name), sheet))
    wb.properties.creator = book.author
    wb.properties.lastModifiedBy = book.author
    wb.properties.created = book.saved
    wb.properties.modified = book.saved
    wb.properties.title = "Перечень точек взаимодействия"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    fix_zip_dates(path, book.saved)
    return found


def fix_zip_dates(path: Path, when: datetime) -> None:
    """openpyxl stamps the zip members and «modified» with the current time; fix both so reruns
    give equal files."""
    with zipfile.ZipFile(path) as z:
        members = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    members = [(name, re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
                if name == "docProps/core.xml" else data) for name, data in members]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(src: Path, fmt: str, outdir: Path) -> Path:
    """Convert an .xlsx with LibreOffice in a private profile (other sessions may run it too)."""
    filters = {"xls": "xls:MS Excel 97", "ods": "ods:calc8"}
    profile = Path(tempfile.mkdtemp(prefix="lo_profile_"))
    try:
        subprocess.run(
            [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless",
             "--convert-to", filters[fmt], "--outdir", str(outdir), str(src)],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=180,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    out = outdir / (src.stem + "." + fmt)
    if not out.exists():
        raise RuntimeError(f"LibreOffice did not write {out}")
    return out


def write_book(book: Book, target: Path, old_inbox: Path | None) -> list[dict]:
    """Write a book into `target` (the new inbox); returns the sheets' expectations."""
    dest = target / book.folder / book.filename
    if book.fmt == "xlsx":
        return save_xlsx(book, dest)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / (Path(book.filename).stem + ".xlsx")
        found = save_xlsx(book, src)
        if soffice():
            out = convert(src, book.fmt, Path(tmp) / "out")
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out, dest)
        else:
            kept = old_inbox / book.folder / book.filename if old_inbox else None
            if kept and kept.exists():
                print(f"note: soffice not found, keeping the committed {book.folder}/{book.filename}")
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(kept, dest)
            else:
                print(f"warning: soffice not found and no committed {book.fmt} file: "
                      f"{book.folder}/{book.filename} is not written")
    return found


def lock_file(user: str) -> bytes:
    """Excel's owner file «~$name.xlsx»: the user name twice (ANSI, then UTF-16), padded, 165 bytes."""
    ansi = user.encode("cp1251")
    data = bytes([len(ansi)]) + ansi.ljust(53, b" ") + len(user).to_bytes(2, "little") + user.encode("utf-16-le")
    return data.ljust(165, b"\x20")


# --- the inbox -------------------------------------------------------------------------------------

def title(subdivision: str, label: str = "Структурное подразделение") -> list:
    return [("title", "ПЕРЕЧЕНЬ"), ("line", FORM_TITLE), ("line", f"{label}: {subdivision}")]


def books() -> list[Book]:
    out = []

    # 1. Clean. Form headers as printed, header on row 4, numbering row, group and service merged,
    # footnotes; an Excel lock file beside it (the author still had the file open).
    name = "Управление социальной поддержки семей с детьми"
    service_mnogodet = "Выдача удостоверения многодетной семьи в Удмуртской Республике"
    service_edv3 = ("Назначение ежемесячной денежной выплаты в связи с рождением третьего ребенка "
                    "или последующих детей до достижения ребенком возраста трех лет")
    service_school = ("Предоставление ежегодной денежной выплаты многодетным семьям на приобретение "
                      "комплекта детской одежды для посещения школьных занятий")
    out.append(Book(name, "перечень точек взаимодействия.xlsx", [Sheet(
        "Лист1", top=title(name), rows=[
            r(G1, service_mnogodet, EPGU, "Подача заявления о выдаче удостоверения в электронной форме, "
              "получение уведомления о ходе рассмотрения и о принятом решении", ON),
            r(G1, service_mnogodet, PLACES, "Подача заявления и документов на бумажном носителе, "
              "получение удостоверения многодетной семьи", OFF),
            r(G1, service_mnogodet, HOTLINE, "Получение консультации о перечне документов и сроке "
              "выдачи удостоверения", ON),
            r(G2, service_edv3, EPGU, "Подача заявления о назначении выплаты, получение уведомления о "
              "назначении выплаты или об отказе в назначении", ON),
            r(G2, service_edv3, ESRN, "Формирование личного дела получателя, получение сведений о "
              "назначенной выплате специалистами учреждений социальной защиты населения", ON),
            r(G2, service_edv3, PERSONAL, "Получение консультации по вопросам назначения выплаты, "
              "подача жалобы на решение об отказе", OFF),
            r(G2, service_school, RPGU, "Подача заявления о предоставлении выплаты в электронной форме", ON),
            r(G2, service_school, EMAIL, "Направление запроса о представлении недостающих документов, "
              "получение документов от заявителя", ON),
            r(G2, service_school, PLACES, "Подача заявления и документов на бумажном носителе", OFF),
            r(G5, "Информирование о мерах социальной поддержки семей с детьми", SITE,
              "Размещение информации о мерах поддержки, порядке и условиях их предоставления, "
              "образцов заявлений", ON),
            r(G5, "Информирование о мерах социальной поддержки семей с детьми", VK,
              "Публикация разъяснений, ответы на комментарии и сообщения подписчиков", ON),
            r(G4, "Рассмотрение обращений граждан по вопросам социальной поддержки семей с детьми",
              INTERNET_RECEPTION, "Направление обращения в форме электронного документа, получение ответа", ON),
            r(G4, "Рассмотрение обращений граждан по вопросам социальной поддержки семей с детьми",
              DIRECTUM, "Получение обращений, перенаправленных Администрацией Главы и Правительства "
              "Удмуртской Республики и федеральными органами", ON),
            r(G4, "Рассмотрение обращений граждан по вопросам социальной поддержки семей с детьми",
              "Личный прием граждан начальником управления", "Устное обращение на личном приеме, "
              "получение разъяснений", OFF),
        ])], datetime(2024, 7, 9, 16, 42), "Шутова Наталья Викторовна"))

    # 2. Returned, .xls. Header on row 8 under a note and the title, line breaks in the header,
    # only the group merged. A group with a typo, a phone marked offline, a bare «Портал», the same
    # point twice in one service, a gap in the numbering.
    name = "Управление труда и занятости населения"
    headers = {
        "num": "№\nп/п",
        "group": "Наименование группы\nуслуг, функций (сервисов)*",
        "service": "Наименование услуги,\nфункции (сервиса)*",
        "point": "Точка\nвзаимодействия**",
        "interaction": "Осуществляемое\nвзаимодействие***",
        "kind": "Особенности\nвзаимодействия\nс клиентом****",
    }
    s_search = "Регистрация граждан в целях поиска подходящей работы"
    s_expert = "Осуществление государственной экспертизы условий труда"
    s_subsidy = ("Предоставление субсидии работодателям на частичную компенсацию затрат на оплату "
                 "труда при трудоустройстве инвалидов")
    s_market = "Информирование о положении на рынке труда в Удмуртской Республике"
    s_appeals = "Рассмотрение обращений по вопросам трудовых отношений и занятости населения"
    out.append(Book(name, "Перечень ТВ УТиЗН.xls", [Sheet(
        "Лист1", headers=headers, merge=("group",),
        top=[("right", "Приложение\nк служебной записке"), None, None, ("title", "ПЕРЕЧЕНЬ"),
             ("line", FORM_TITLE), ("line", f"Структурное подразделение: {name}"), None],
        rows=[
            r(G1, s_search, "Портал «Работа России» (trudvsem.ru)", "Подача заявления о содействии в "
              "поиске подходящей работы, получение предложений о работе", ON),
            r(G1, s_search, "Места приема граждан в центрах занятости населения", "Подача заявления и "
              "документов, получение направления на работу", OFF),
            r(G1, s_search, "Телефон горячей линии по вопросам занятости", "Получение консультации о "
              "порядке регистрации и перечне документов", OFF, None, ("UD-KIND-AGREE", "kind")),
            r(G1, s_expert, EPGU, "Подача заявления о проведении экспертизы, получение заключения", ON),
            r(G1, s_expert, EMAIL, "Направление запросов о представлении недостающих материалов", ON),
            r("Предоставление государственых услуг", "Уведомительная регистрация коллективных договоров "
              "и соглашений", "Электронная почта управления", "Направление коллективного договора на "
              "уведомительную регистрацию, получение уведомления о регистрации", ON, None,
              ("UD-GROUP", "group")),
            r(G2, s_subsidy, "Портал", "Подача заявки работодателя на участие в отборе", ON, 8,
              ("UD-NUM", "num"), ("UD-NAME", "point")),
            r(G2, s_subsidy, EMAIL, "Получение уведомления о результатах отбора", ON),
            r(G2, s_subsidy, PLACES, "Представление документов, подписание соглашения о "
              "предоставлении субсидии", OFF),
            r(G5, s_market, SITE, "Размещение сведений о положении на рынке труда, о потребности в "
              "работниках", ON),
            r(G5, s_market, TELEGRAM, "Публикация сведений о ярмарках вакансий", ON),
            r(G4, s_appeals, INTERNET_RECEPTION, "Направление обращения в электронной форме, получение "
              "ответа", ON),
            r(G4, s_appeals, PERSONAL, "Устное обращение на личном приеме", OFF),
            r(G4, s_appeals, PERSONAL, "Получение разъяснений по результатам рассмотрения обращения",
              OFF, None, ("UD-DUP", "point")),
        ])], datetime(2024, 7, 11, 10, 5), "Касимова Ольга Петровна", fmt="xls"))

    # 3. Clean. Headers in capitals, header on row 5, no numbering row, both merged, footnotes
    # right under the table.
    name = "Отдел по работе с обращениями граждан"
    headers = {
        "num": "№ П/П",
        "group": "НАИМЕНОВАНИЕ ГРУППЫ УСЛУГ, ФУНКЦИЙ (СЕРВИСОВ)*",
        "service": "НАИМЕНОВАНИЕ УСЛУГИ, ФУНКЦИИ (СЕРВИСА)*",
        "point": "ТОЧКА ВЗАИМОДЕЙСТВИЯ**",
        "interaction": "ОСУЩЕСТВЛЯЕМОЕ ВЗАИМОДЕЙСТВИЕ***",
        "kind": "ОСОБЕННОСТИ ВЗАИМОДЕЙСТВИЯ С КЛИЕНТОМ****",
    }
    s_written = "Рассмотрение письменных обращений граждан"
    s_reception = "Организация личного приема граждан министром и заместителями министра"
    s_requests = "Предоставление информации о деятельности Министерства по запросам"
    s_info = "Информирование о порядке рассмотрения обращений граждан"
    out.append(Book(name, "перечень точек взаимодействия.xlsx", [Sheet(
        "Лист1", headers=headers, numbering=False, footer=["footnotes"],
        top=[("title", "ПЕРЕЧЕНЬ"), ("line", FORM_TITLE), ("line", f"Структурное подразделение: {name}"), None],
        rows=[
            r(G4, s_written, INTERNET_RECEPTION, "Направление обращения в форме электронного документа, "
              "получение ответа на обращение", ON),
            r(G4, s_written, PLACES, "Подача письменного обращения нарочно, получение отметки о "
              "регистрации", OFF),
            r(G4, s_written, DIRECTUM, "Получение обращений, перенаправленных из других органов "
              "государственной власти", ON),
            r(G4, "Рассмотрение обращений, поступивших через платформу обратной связи", POS,
              "Направление сообщения, получение ответа и оценка качества ответа", ON),
            r(G4, s_reception, PHONE, "Запись на личный прием, получение информации о дате и времени "
              "приема", ON),
            r(G4, s_reception, "Личный прием граждан министром социальной политики и труда "
              "Удмуртской Республики", "Устное обращение на личном приеме, получение ответа", OFF),
            r(G5, s_requests, EMAIL, "Направление запроса, получение информации о деятельности "
              "Министерства", ON),
            r(G5, s_requests, PLACES, "Подача запроса на бумажном носителе", OFF),
            r(G5, s_info, SITE, "Ознакомление с порядком и графиком приема граждан, с обзорами "
              "обращений", ON),
            r(G5, s_info, "Информационный стенд в местах приема граждан", "Ознакомление с графиком "
              "личного приема и образцами обращений", OFF),
        ])], datetime(2024, 7, 8, 11, 20), "Бабинцева Елена Анатольевна"))

    # 4. Clean. Header on row 1 (no title), header variants without asterisks, numbering row, no
    # merges (values repeated), no footnotes, the sheet named «Перечень ТВ». One point is typed
    # text that looks like a formula (data type «s»).
    name = "Управление стратегического развития"
    headers = {
        "num": "№",
        "group": "Группа услуг, функций (сервисов)",
        "service": "Наименование услуги, функции (сервиса)",
        "point": "Точки взаимодействия",
        "interaction": "Осуществляемое взаимодействие с клиентом",
        "kind": "Особенности взаимодействия с клиентом",
    }
    s_list = "Ведение сводного перечня точек взаимодействия Министерства"
    s_method = "Методическое сопровождение внедрения Стандарта клиентоцентричности"
    s_site = "Размещение информации о деятельности Министерства в сети «Интернет»"
    s_poll = "Проведение опросов удовлетворенности граждан качеством предоставления услуг"
    out.append(Book(name, "Перечень точек взаимодействия_УСР.xlsx", [Sheet(
        "Перечень ТВ", headers=headers, merge=(), footer=[],
        rows=[
            r(G6, s_list, "Система электронного документооборота Directum RX", "Получение перечней от "
              "структурных подразделений подзадачей, возврат перечня на доработку", ON),
            r(G6, s_list, EMAIL, "Направление замечаний к перечню разработчику", ON),
            r(G6, s_method, PHONE, "Консультирование сотрудников структурных подразделений", ON),
            r(G6, s_method, "Очный прием сотрудников в кабинете управления", "Проведение рабочих встреч "
              "и консультаций по картированию процессов", OFF),
            r(G5, s_site, '=HYPERLINK("https://minsoc18.ru";"Официальный сайт Министерства")',
              "Ознакомление с новостями, документами и отчетами Министерства", ON, None, ("UD-FORMULA", "point")),
            r(G5, s_site, VK, "Публикация новостей и разъяснений, ответы на сообщения", ON),
            r(G5, s_site, "Мессенджер MAX (канал Министерства)", "Публикация новостей и анонсов", ON),
            r(G7, s_poll, POS, "Прохождение опроса, оценка качества услуги", ON),
            r(G7, s_poll, RPGU, "Оценка качества предоставления государственной услуги", ON),
        ])], datetime(2024, 7, 12, 9, 15), "Макарова Елена Александровна"))

    # 5. Clean. A cover note on the first sheet, the table on «Перечень», header on row 3.
    name = "Управление организационной и кадровой работы"
    s_hire = "Оформление поступления на государственную гражданскую службу Удмуртской Республики"
    s_leave = "Предоставление ежегодного оплачиваемого отпуска"
    s_cert = "Выдача справок с места работы и копий документов, связанных с работой"
    s_it = "Техническая поддержка автоматизированных рабочих мест сотрудников"
    s_contest = "Проведение конкурсов на замещение вакантных должностей государственной гражданской службы"
    cabinet = "Кабинет отдела государственной службы и кадров"
    out.append(Book(name, "Перечень_ОКР_2024.xlsx", [
        ("cover", "Сопроводительная записка", [
            "Начальнику управления стратегического развития",
            "Макаровой Е.А.",
            "",
            "СЛУЖЕБНАЯ ЗАПИСКА",
            "",
            "Во исполнение приказа Министерства от 3 июня 2024 года № 82 направляем перечень точек "
            "взаимодействия управления организационной и кадровой работы с внутренним и внешним "
            "клиентом (лист «Перечень»).",
            "",
            "Начальник управления                                  С.Н. Кузнецова",
        ]),
        Sheet("Перечень", top=[("line", "ПЕРЕЧЕНЬ " + FORM_TITLE), ("line", f"Структурное подразделение: {name}")],
              rows=[
                  r(G6, s_hire, cabinet, "Представление документов при поступлении на службу, "
                    "ознакомление со служебным контрактом и должностным регламентом", OFF),
                  r(G6, s_hire, "Единая информационная система управления кадровым составом "
                    "государственной гражданской службы Российской Федерации", "Подача документов "
                    "для участия в конкурсе, получение уведомлений", ON),
                  r(G6, s_leave, "Система электронного документооборота Directum RX", "Подача заявления "
                    "на отпуск, ознакомление с приказом", ON),
                  r(G6, s_cert, "Система электронного документооборота Directum RX", "Подача заявки на "
                    "выдачу справки", ON),
                  r(G6, s_cert, cabinet, "Получение справки или заверенной копии документа", OFF),
                  r(G6, s_it, "Service Desk", "Подача заявки на устранение неисправности, получение "
                    "уведомления о выполнении заявки", ON),
                  r(G6, s_it, "Телефон технической поддержки", "Сообщение о срочной неисправности", ON),
                  r(G7, s_contest, SITE, "Ознакомление с объявлением о конкурсе и его результатами", ON),
                  r(G7, s_contest, EMAIL, "Получение приглашения для прохождения конкурсных процедур", ON),
                  r(G7, s_contest, PLACES, "Прохождение индивидуального собеседования с конкурсной "
                    "комиссией", OFF),
              ]),
    ], datetime(2024, 7, 10, 15, 3), "Кузнецова Светлана Николаевна"))

    # 6. Accepted with warnings. Header on row 5, «№п/п» and the title's wording of column 2, a
    # blank row inside the table. A point outside footnote ** (МФЦ), a Latin «O» in «Онлайн-точка»,
    # a Latin «a» in a service name.
    name = "Управление социальной поддержки граждан пожилого возраста и инвалидов"
    headers = dict(FORM_HEADERS, num="№п/п", group="Наименование группы функций, услуг (сервисов)*")
    s_veteran = "Присвоение звания «Ветеран труда Удмуртской Республики» и выдача удостоверения"
    s_edv = "Назначение ежемесячной денежной выплаты ветеранам труда"
    s_gku = "Предоставление компенсации расходов на оплату жилого помещения и коммунальных услуг"
    s_inform = "Информирование граждан старшего поколения о мерах социальной поддержки"
    out.append(Book(name, "перечень точек взаимодействия (пожилые, инвалиды).xlsx", [Sheet(
        "Лист1", headers=headers, top=title(name) + [None],
        rows=[
            r(G1, s_veteran, EPGU, "Подача заявления о присвоении звания, получение уведомления о "
              "принятом решении", ON),
            r(G1, s_veteran, "Многофункциональный центр предоставления государственных и муниципальных "
              "услуг", "Подача заявления и документов, получение удостоверения", OFF, None,
              ("UD-POINT-UNKNOWN", "point")),
            r(G1, s_veteran, PERSONAL, "Получение консультации о праве на присвоение звания", OFF),
            r(G2, s_edv, ESRN, "Формирование личного дела получателя, получение сведений о размере "
              "выплаты", ON),
            r(G2, s_edv, HOTLINE, "Получение консультации о сроках и размере выплаты", "Oнлайн-точка",
              None, ("UD-LATIN", "kind")),
            None,
            r(G2, s_gku, EPGU, "Подача заявления о предоставлении компенсации", ON),
            r(G2, s_gku, PLACES, "Подача заявления и документов на бумажном носителе", OFF),
            r(G2, "Обеспечение инвалидов техническими средствами реaбилитации за счет средств "
              "бюджета Удмуртской Республики", PLACES, "Подача заявления, получение направления на "
              "получение технического средства", OFF, None, ("UD-LATIN", "service")),
            r(G5, s_inform, SITE, "Размещение информации о мерах социальной поддержки", ON),
            r(G5, s_inform, "Официальная группа Министерства в социальной сети «Одноклассники»",
              "Публикация разъяснений, ответы на сообщения", ON),
        ])], datetime(2024, 7, 11, 17, 48), "Ложкина Татьяна Геннадьевна"))

    # 7. Returned. Another column order (service before group, kind before interaction), header on
    # row 3 with line breaks and no asterisks, no numbering row, the label and the name in two
    # cells. A group not in п. 7, a personal reception marked online, «дистанционно» in column 6,
    # the same point twice in one service.
    name = "Отдел государственного контроля (надзора) в сфере социального обслуживания"
    order = ("num", "service", "group", "point", "kind", "interaction")
    headers = {
        "num": "№ п/п",
        "service": "Наименование услуги,\nфункции (сервиса)",
        "group": "Наименование группы услуг,\nфункций (сервисов)",
        "point": "Точка взаимодействия",
        "kind": "Особенности\nвзаимодействия с клиентом",
        "interaction": "Осуществляемое\nвзаимодействие",
    }
    s_control = "Региональный государственный контроль (надзор) в сфере социального обслуживания"
    s_prof = "Проведение профилактических мероприятий (консультирование, объявление предостережения)"
    s_appeals = "Рассмотрение обращений о нарушении обязательных требований в сфере социального обслуживания"
    out.append(Book(name, "перечень точек взаимодействия.xlsx", [Sheet(
        "Лист1", order=order, headers=headers, numbering=False, merge=("group",), footer=[None, "footnotes"],
        top=[("cells", {1: "Структурное подразделение:", 3: name}), None],
        rows=[
            r(G3, s_control, "Федеральная государственная информационная система «Единый реестр "
              "контрольных (надзорных) мероприятий»", "Получение решения о проведении контрольного "
              "мероприятия, ознакомление с результатами", ON),
            r(G3, s_control, PERSONAL, "Консультирование контролируемых лиц по вопросам соблюдения "
              "обязательных требований", ON, None, ("UD-KIND-AGREE", "kind")),
            r(G3, s_control, "Электронная почта отдела", "Направление акта контрольного мероприятия, "
              "получение возражений", "дистанционно", None, ("UD-KIND", "kind")),
            r(G3, s_prof, PHONE, "Консультирование по телефону", ON),
            r(G3, s_prof, PLACES, "Консультирование на личном приеме", OFF),
            r(G3, s_prof, PHONE, "Получение предостережения о недопустимости нарушения обязательных "
              "требований", ON, None, ("UD-DUP", "point")),
            r("Контрольно-надзорная деятельность", "Ведомственный контроль за деятельностью "
              "подведомственных учреждений социального обслуживания", DIRECTUM, "Направление актов "
              "проверок и предписаний, получение отчетов об устранении нарушений", ON, None,
              ("UD-GROUP", "group")),
            r(G4, s_appeals, INTERNET_RECEPTION, "Направление обращения, получение ответа", ON),
            r(G4, s_appeals, PERSONAL, "Устное обращение на личном приеме", OFF),
        ])], datetime(2024, 7, 15, 8, 57), "Перевощикова Анна Сергеевна"))

    # 8. Returned at file level: column 5 «Осуществляемое взаимодействие» deleted, numbering
    # row 1..5. The rest is clean.
    name = "Отдел опеки и попечительства в отношении совершеннолетних граждан"
    s_guard = ("Установление опеки (попечительства) над совершеннолетними недееспособными "
               "(не полностью дееспособными) гражданами")
    s_deal = ("Выдача предварительного разрешения органа опеки и попечительства на совершение сделок "
              "с имуществом подопечного")
    out.append(Book(name, "Перечень точек взаимодействия опека.xlsx", [Sheet(
        "Лист1", order=("num", "group", "service", "point", "kind"), top=title(name),
        rows=[
            r(G1, s_guard, PLACES, "", OFF),
            r(G1, s_guard, PERSONAL, "", OFF),
            r(G1, s_guard, PHONE, "", ON),
            r(G1, s_deal, EPGU, "", ON),
            r(G1, s_deal, PLACES, "", OFF),
            r(G4, "Рассмотрение обращений по вопросам опеки и попечительства в отношении "
              "совершеннолетних граждан", INTERNET_RECEPTION, "", ON),
        ])], datetime(2024, 7, 12, 14, 30), "Чиркова Марина Ивановна",
        file_remarks=(("UD-FORM", FILE),)))

    # 9. Returned, .ods. Header on row 4 with spaces before the asterisks, both merged, the table
    # ends with a blank row and a signature (no footnotes). A bare «Информационная система», a site
    # marked offline, an empty interaction, an empty service, a repeated number.
    name = "Управление социального обслуживания населения"
    headers = dict(FORM_HEADERS, point="Точка взаимодействия **", interaction="Осуществляемое взаимодействие ***",
                   kind="Особенности взаимодействия с клиентом ****")
    s_need = "Признание гражданина нуждающимся в социальном обслуживании"
    s_register = "Ведение реестра поставщиков социальных услуг Удмуртской Республики"
    s_comp = ("Выплата компенсации поставщикам социальных услуг, включенным в реестр, но не участвующим "
              "в выполнении государственного задания")
    s_info = "Информирование о порядке и условиях предоставления социальных услуг"
    out.append(Book(name, "Перечень ТВ УСО.ods", [Sheet(
        "Лист1", headers=headers, top=title(name),
        footer=[None, ("signature", "Начальник управления", "______________   И.И. Иванова")],
        rows=[
            r(G1, s_need, EPGU, "Подача заявления о предоставлении социального обслуживания", ON),
            r(G1, s_need, PLACES, "Подача заявления и документов, получение решения о признании "
              "нуждающимся и индивидуальной программы", OFF),
            r(G1, s_need, "Информационная система", "Получение сведений о статусе рассмотрения заявления", ON,
              None, ("UD-NAME", "point")),
            r(G7, s_register, "Официальный сайт Министерства", "Ознакомление с реестром поставщиков "
              "социальных услуг", OFF, None, ("UD-KIND-AGREE", "kind")),
            r(G7, s_register, EMAIL, "Направление заявления о включении в реестр, получение уведомления", ON),
            r(G2, s_comp, DIRECTUM, "", ON, None, ("UD-EMPTY-INTERACTION", "interaction")),
            r(G2, s_comp, PLACES, "Представление документов для выплаты компенсации", OFF, 6, ("UD-NUM", "num")),
            r(G5, "", VK, "Публикация информации о социальном обслуживании на дому", ON, None,
              ("UD-EMPTY-SERVICE", "service")),
            r(G5, s_info, HOTLINE, "Получение консультации о порядке признания нуждающимся", ON),
            r(G5, s_info, SITE, "Размещение информации о поставщиках и тарифах на социальные услуги", ON),
            r(G5, s_info, PERSONAL, "Получение консультации на личном приеме", OFF),
        ])], datetime(2024, 7, 16, 12, 12), "Иванова Ирина Игоревна", fmt="ods",
        file_remarks=(("UD-FORMAT", FILE),)))

    # 10. Clean. A one-line title, header on row 3, ё in the text, footnotes; a cover letter in
    # .txt beside the workbook.
    name = "Отдел по взаимодействию с некоммерческими организациями"
    s_grant = ("Предоставление субсидий социально ориентированным некоммерческим организациям "
               "на реализацию социальных проектов")
    s_support = "Оказание консультационной поддержки социально ориентированным некоммерческим организациям"
    s_results = "Размещение информации о результатах отбора получателей субсидий"
    out.append(Book(name, "перечень точек взаимодействия.xlsx", [Sheet(
        "Лист1", top=[("title", "Перечень точек взаимодействия"), ("line", f"Разработчик: {name}")],
        headers=dict(FORM_HEADERS, kind="Особенности взаимодействия с клиентом ****"),
        rows=[
            r(G2, s_grant, "Государственная интегрированная информационная система управления "
              "общественными финансами «Электронный бюджет»", "Подача заявки на участие в отборе, "
              "заключение соглашения, представление отчётности", ON),
            r(G2, s_grant, EMAIL, "Получение разъяснений по подготовке заявки", ON),
            r(G2, s_grant, PLACES, "Приём заявок на бумажном носителе", OFF),
            r(G2, s_support, PHONE, "Получение консультации по вопросам деятельности организации", ON),
            r(G2, s_support, "Личный приём", "Получение консультации, приём документов", OFF),
            r(G5, s_results, SITE, "Размещение протокола отбора и перечня получателей субсидий", ON),
            r(G5, s_results, "Единый портал бюджетной системы Российской Федерации",
              "Размещение объявления о проведении отбора и его результатов", ON),
        ])], datetime(2024, 7, 5, 13, 40), "Вахрушева Ксения Олеговна"))
    return out


EXTRAS = {
    # Excel's owner file: the author of book 1 still had the workbook open when the folder was copied.
    "Управление социальной поддержки семей с детьми/~$перечень точек взаимодействия.xlsx":
        lock_file("Шутова Н.В."),
    "Отдел по взаимодействию с некоммерческими организациями/Сопроводительное письмо.txt": (
        "Начальнику управления стратегического развития\r\n"
        "Макаровой Е.А.\r\n\r\n"
        "Направляем перечень точек взаимодействия отдела по взаимодействию с некоммерческими\r\n"
        "организациями с внутренним и внешним клиентом по форме, утвержденной приказом\r\n"
        "Министерства от 3 июня 2024 года № 82.\r\n\r\n"
        "Приложение: перечень точек взаимодействия.xlsx\r\n\r\n"
        "Начальник отдела                                   К.О. Вахрушева\r\n"
    ).encode("utf-8"),
}


def error_codes(profile: str) -> set[str]:
    """The profile's rules of severity «error»: a file with any of them is returned."""
    data = yaml.safe_load((ROOT / "rules" / f"{profile}.yaml").read_text(encoding="utf-8"))
    return {r["code"] for r in data["rules"] if r["severity"] == "error"}


def expectation(book: Book, found: list[dict], errors: set[str] | None = None) -> dict:
    table = found[0]
    errors = error_codes("udmurt") if errors is None else errors
    remarks = [list(x) for x in book.file_remarks]
    # A file in another region's form gets that one remark and no others.
    if not any(code.endswith("-OTHER-FORM") for code, _ in book.file_remarks):
        remarks += [list(x) for x in table["remarks"]]
    return {
        "verdict": "returned" if any(code in errors for code, _ in remarks) else "accepted",
        "subdivision": book.folder,
        "sheet": table["sheet"],
        "header_row": table["header_row"],
        "rows": len(table["rows"]),
        "data_rows": [row for row, _ in table["rows"]],
        "remarks": remarks,
    }


def dumps(obj) -> str:
    """JSON with lists of plain values on one line, so a diff of the oracle reads well."""
    text = json.dumps(obj, ensure_ascii=False, indent=2)
    return re.sub(r"\[\s*([^\[\]{}]*?)\s*\]",
                  lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",\n")) + "]", text) + "\n"


def main() -> int:
    old = INBOX if INBOX.exists() else None
    stage = Path(tempfile.mkdtemp(prefix="udmurt_inbox_", dir=INBOX.parent if INBOX.parent.exists() else None))
    try:
        oracle = {}
        for book in books():
            found = write_book(book, stage, old)
            oracle[f"{book.folder}/{book.filename}"] = expectation(book, found)
        for rel, data in EXTRAS.items():
            (stage / rel).parent.mkdir(parents=True, exist_ok=True)
            (stage / rel).write_bytes(data)
            oracle[rel] = {"verdict": "skipped", "subdivision": rel.split("/")[0], "rows": 0, "remarks": []}
        if old:
            shutil.rmtree(old)
        INBOX.parent.mkdir(parents=True, exist_ok=True)
        os.replace(stage, INBOX)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    # Relaxed permissions like a plain copy, not mkdtemp's 0700.
    os.chmod(INBOX, 0o755)
    oracle = dict(sorted(oracle.items()))
    ORACLE.parent.mkdir(parents=True, exist_ok=True)
    ORACLE.write_text(dumps({
        "_about": "Written by scripts/make_samples.py: the expected result of checking sample_inputs/udmurt "
                  "with the udmurt profile. Keys are paths relative to the inbox; rows counts the data rows "
                  "(data_rows: their Excel rows); remarks are [code, cell], cell null for a file-level remark.",
        "files": oracle,
    }), encoding="utf-8")
    total = sum(p.stat().st_size for p in INBOX.rglob("*") if p.is_file())
    print(f"{INBOX.relative_to(ROOT)}: {sum(1 for p in INBOX.rglob('*') if p.is_file())} files, "
          f"{total // 1024} KB; oracle {ORACLE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
