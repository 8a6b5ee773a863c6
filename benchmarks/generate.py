"""Generate N synthetic subdivision workbooks of the Udmurt form for benchmarks.

    python benchmarks/generate.py OUT_DIR --files 1000 --rows 60 --errors 0.3 --seed 1

Each workbook is a real .xlsx (title rows, header, numbering row, data rows) written directly as
XML, so that ten thousand of them take seconds, not minutes. A share of the files (--errors) carries
one error each (a kind that contradicts the point), so they are returned with remarks.
"""
from __future__ import annotations

import argparse
import random
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

HEADERS = ["№ п/п", "Наименование группы услуг, функций (сервисов)*", "Наименование услуги, функции (сервиса)*",
           "Точка взаимодействия**", "Осуществляемое взаимодействие***", "Особенности взаимодействия с клиентом****"]
GROUPS = ["Предоставление государственных услуг", "Предоставление мер государственной поддержки",
          "Рассмотрение обращений и запросов", "Обеспечение доступа к информации о деятельности Министерства",
          "Организация отношений с внутренним клиентом", "Иные функции (сервисы)"]
POINTS = [("Единый портал государственных и муниципальных услуг (функций)", "Онлайн-точка"),
          ("Официальный сайт Министерства (minsoc18.ru)", "Онлайн-точка"),
          ("Телефон горячей линии", "Онлайн-точка"),
          ("Электронная почта Министерства", "Онлайн-точка"),
          ("ГИС «Электронный социальный регистр населения»", "Онлайн-точка"),
          ("Личный прием граждан", "Офлайн-точка"),
          ("Места приема граждан в Министерстве", "Офлайн-точка")]
SERVICES = ["Назначение ежемесячной денежной выплаты", "Выдача удостоверения многодетной семьи",
            "Предоставление компенсации расходов на оплату жилого помещения", "Рассмотрение обращений граждан",
            "Назначение социального пособия на погребение", "Информирование о мерах социальной поддержки",
            "Организация обучения сотрудников", "Выдача справок о праве на меры поддержки"]
INTERACTIONS = ["Подача заявления и документов", "Получение консультации", "Получение уведомления о результате",
                "Запись на прием", "Направление обращения"]

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Лист1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"""
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="1"><xf xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""


def _cell(ref: str, value) -> str:
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'


def _sheet(rows: list[list]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    for r, values in enumerate(rows, start=1):
        cells = "".join(_cell(f"{get_column_letter(c)}{r}", v) for c, v in enumerate(values, start=1)
                        if v not in (None, ""))
        out.append(f'<row r="{r}">{cells}</row>')
    out.append("</sheetData></worksheet>")
    return "".join(out)


def workbook_rows(rng: random.Random, subdivision: str, n_rows: int, with_error: bool) -> list[list]:
    rows = [["ПЕРЕЧЕНЬ точек взаимодействия Министерства социальной политики и труда Удмуртской Республики"],
            [f"Структурное подразделение: {subdivision}"], [], HEADERS, [1, 2, 3, 4, 5, 6]]
    n = 0
    bad = rng.randrange(n_rows) if with_error else -1
    while n < n_rows:
        group, service = rng.choice(GROUPS), f"{rng.choice(SERVICES)} ({n // 7 + 1})"
        for point, kind in rng.sample(POINTS, k=min(7, n_rows - n)):
            if n == bad:
                kind = "Офлайн-точка" if kind == "Онлайн-точка" else "Онлайн-точка"
            rows.append([n + 1, group, service, point, rng.choice(INTERACTIONS), kind])
            n += 1
    rows += [[], ["* В соответствии с Реестром процессов Министерства;"]]
    return rows


def write_xlsx(path: Path, rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/styles.xml", _STYLES)
        z.writestr("xl/worksheets/sheet1.xml", _sheet(rows))


def generate(out: Path, files: int, rows: int = 60, errors: float = 0.3, seed: int = 1) -> list[Path]:
    rng = random.Random(seed)
    bad = set(rng.sample(range(files), k=round(files * errors)))
    paths = []
    for i in range(files):
        subdivision = f"Подразделение {i + 1:05d}"
        path = out / subdivision / "перечень точек взаимодействия.xlsx"
        write_xlsx(path, workbook_rows(rng, subdivision, rows, i in bad))
        paths.append(path)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--rows", type=int, default=60)
    ap.add_argument("--errors", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    generate(a.out, a.files, a.rows, a.errors, a.seed)


if __name__ == "__main__":
    main()
