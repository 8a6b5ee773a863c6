#!/usr/bin/env python3
"""Write the reader fixtures tests/fixtures/*.xlsx|.xls|.ods and tests/fixtures/expected.json.

Small workbooks, one layout trait each, for tests of the reader: the sheet and header row it should
find and every data row with its values after merged cells are filled down. Built with the same
writer as the sample inbox (scripts/make_samples.py); .xls and .ods are converted from .xlsx with
LibreOffice and kept as committed when `soffice` is absent.

Only openpyxl and the standard library: `python scripts/make_fixtures.py`.
"""
from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_samples import (  # noqa: E402
    FORM_TITLE, G1, G2, G4, G5, G6, OFF, ON, Book, Sheet, convert, dumps, r, save_xlsx, soffice,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SAVED = datetime(2024, 7, 1, 10, 0)


def fixtures() -> dict[str, tuple[Book, tuple[str, ...]]]:
    """file stem -> (book, formats to write)."""
    out = {}

    # Title rows, header on row 5, numbering row, group merged over rows 7–9 (service over 7–8),
    # a line break inside a value, footnotes under a blank row.
    service = "Выдача удостоверения многодетной семьи в Удмуртской Республике"
    out["title_merged"] = (Book("", "title_merged.xlsx", [Sheet(
        "Лист1",
        top=[("title", "ПЕРЕЧЕНЬ"), ("line", FORM_TITLE),
             ("line", "Структурное подразделение: Управление социальной поддержки семей с детьми"), None],
        rows=[
            r(G1, service, "Единый портал государственных и муниципальных услуг (функций)",
              "Подача заявления\nв электронной форме", ON),
            r(G1, service, "Места приема граждан в Министерстве", "Подача заявления и документов", OFF),
            r(G1, "Назначение ежемесячной денежной выплаты многодетным семьям", "Телефонная связь",
              "Получение консультации", ON),
            r(G5, "Информирование о мерах социальной поддержки", "Официальный сайт Министерства (minsoc18.ru)",
              "Размещение информации о мерах поддержки", ON),
        ])], SAVED, "Шутова Наталья Викторовна"), ("xls", "ods"))

    # Another column order; header on row 2 under a title, line breaks and ё, no asterisks; no
    # numbering row, no merges.
    out["reordered"] = (Book("", "reordered.xlsx", [Sheet(
        "Лист1", order=("num", "service", "point", "group", "kind", "interaction"), numbering=False, merge=(),
        headers={
            "num": "№\nп/п",
            "service": "Наименование услуги,\nфункции (сервиса)",
            "point": "Точка\nвзаимодействия",
            "group": "Наименование группы\nуслуг, функций (сервисов)",
            "kind": "Особенности\nвзаимодействия\nс клиентом",
            "interaction": "Осуществляёмое\nвзаимодействие",
        },
        top=[("title", "Перечень точек взаимодействия отдела по работе с обращениями граждан")],
        footer=[],
        rows=[
            r(G4, "Рассмотрение письменных обращений граждан", "Интернет-приемная на официальном сайте "
              "Министерства", "Направление обращения, получение ответа", ON),
            r(G4, "Рассмотрение письменных обращений граждан", "Личный приём", "Устное обращение", OFF),
            r(G4, "Рассмотрение обращений, поступивших через платформу обратной связи",
              "Платформа обратной связи (ПОС) Единого портала государственных услуг", "Направление сообщения", ON),
            r(G5, "Предоставление информации о деятельности Министерства по запросам",
              "Электронная почта Министерства", "Направление запроса, получение информации", ON),
        ])], SAVED, "Бабинцева Елена Анатольевна"), ("xlsx",))

    # A cover note on the first sheet, the table on «Перечень» (header row 3, numbering row, group
    # merged).
    out["two_sheets"] = (Book("", "two_sheets.xlsx", [
        ("cover", "Сопроводительная записка", [
            "Начальнику управления стратегического развития Макаровой Е.А.",
            "",
            "Направляем перечень точек взаимодействия (лист «Перечень»).",
            "",
            "Начальник управления                                  С.Н. Кузнецова",
        ]),
        Sheet("Перечень", merge=("group",),
              top=[("line", "ПЕРЕЧЕНЬ " + FORM_TITLE),
                   ("line", "Структурное подразделение: Управление организационной и кадровой работы")],
              rows=[
                  r(G6, "Предоставление ежегодного оплачиваемого отпуска",
                    "Система электронного документооборота Directum RX", "Подача заявления на отпуск", ON),
                  r(G6, "Техническая поддержка автоматизированных рабочих мест сотрудников", "Service Desk",
                    "Подача заявки на устранение неисправности", ON),
                  r(G6, "Выдача справок с места работы", "Кабинет отдела государственной службы и кадров",
                    "Получение справки", OFF),
              ]),
    ], SAVED, "Кузнецова Светлана Николаевна"), ("xlsx",))

    # A blank row inside the table, footnotes and a signature line below.
    out["blank_rows_footer"] = (Book("", "blank_rows_footer.xlsx", [Sheet(
        "Лист1",
        top=[("title", "ПЕРЕЧЕНЬ"),
             ("line", "Структурное подразделение: Управление социального обслуживания населения")],
        footer=[None, "footnotes", None, ("signature", "Начальник управления", "______________   И.И. Иванова")],
        rows=[
            r(G1, "Признание гражданина нуждающимся в социальном обслуживании",
              "Единый портал государственных и муниципальных услуг (функций)", "Подача заявления", ON),
            r(G1, "Признание гражданина нуждающимся в социальном обслуживании",
              "Места приема граждан в Министерстве", "Подача заявления и документов", OFF),
            None,
            r(G2, "Выплата компенсации поставщикам социальных услуг", "Электронная почта Министерства",
              "Получение уведомления о выплате", ON),
            r(G2, "Выплата компенсации поставщикам социальных услуг", "Телефонная связь",
              "Получение консультации", ON),
        ])], SAVED, "Иванова Ирина Игоревна"), ("xlsx",))
    return out


def _dumps(expected: dict) -> str:
    """JSON with one data row per line."""
    text = dumps(expected)
    return re.sub(r"\[\s*(\d+),\s*(\{[^{}]*\})\s*\]",
                  lambda m: f"[{m.group(1)}, {json.dumps(json.loads(m.group(2)), ensure_ascii=False)}]", text)


def main() -> int:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    expected = {}
    with tempfile.TemporaryDirectory() as tmp:
        for stem, (book, formats) in fixtures().items():
            src = Path(tmp) / f"{stem}.xlsx"
            found = save_xlsx(book, src)[0]
            table = {"sheet": found["sheet"], "header_row": found["header_row"],
                     "rows": [[row, values] for row, values in found["rows"]]}
            for fmt in formats:
                dest = FIXTURES / f"{stem}.{fmt}"
                if fmt == "xlsx":
                    shutil.copyfile(src, dest)
                elif soffice():
                    shutil.copyfile(convert(src, fmt, Path(tmp) / "out"), dest)
                elif dest.exists():
                    print(f"note: soffice not found, keeping the committed {dest.name}")
                else:
                    print(f"warning: soffice not found and no committed {dest.name}: not written")
                expected[dest.name] = table
    (FIXTURES / "expected.json").write_text(_dumps(expected), encoding="utf-8")
    print(f"{FIXTURES.relative_to(ROOT)}: {', '.join(expected)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
