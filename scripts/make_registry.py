#!/usr/bin/env python3
"""Write sample_inputs/реестр-udmurt.xlsx: the Udmurt ministry's process registry («Реестр процессов
Министерства», 004 пп. 6, 7, 9) for the sample inboxes, as a ministry keeps it: numbered processes
under their groups (merged group cells), an owner each, a title and a signature.

It holds every service the sample lists name (both batches), with these differences planted, asserted
by tests/test_registry.py:
- the family support department's information service is in the registry under another wording
  (UD-REGISTRY, the registry's name offered);
- one of the staff department's services is registered under another group (UD-REGISTRY-GROUP);
- the appeals department lists a service the registry gives to the strategic development department
  (UD-REGISTRY-OWNER, a warning);
- three processes no subdivision lists (shown on «Сводка»).

`python scripts/make_registry.py`
"""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_samples as ms  # noqa: E402
import make_samples_updates as updates  # noqa: E402

TARGET = ms.ROOT / "sample_inputs" / "реестр-udmurt.xlsx"
GROUPS = (ms.G1, ms.G2, ms.G3, ms.G4, ms.G5, ms.G6, ms.G7)
HEADERS = ("№ п/п", "Группа услуг, функций (сервисов)", "Наименование услуги, функции (сервиса)", "Владелец процесса")
FAMILY_INFO = "Информирование о мерах социальной поддержки семей с детьми"
FAMILY_INFO_REGISTERED = "Информирование о мерах социальной поддержки семей, имеющих детей"
REGROUPED = "Проведение конкурсов на замещение вакантных должностей государственной гражданской службы"
MOVED_OWNER = "Рассмотрение обращений, поступивших через платформу обратной связи"
UNLISTED = [
    (ms.G1, "Организация профессионального обучения безработных граждан", "Управление труда и занятости населения"),
    (ms.G2, "Предоставление субсидий социально ориентированным некоммерческим организациям",
     "Отдел по взаимодействию с некоммерческими организациями"),
    (ms.G7, "Организация проведения независимой оценки качества условий оказания услуг",
     "Управление социального обслуживания населения"),
]


def processes() -> list[tuple[str, str, str]]:
    """(group, service, owner) of every service of the sample lists, with the planted differences."""
    seen: dict[str, tuple[str, str, str]] = {}
    books = ms.books() + updates.udmurt_updates()[0]
    for book in books:
        for sheet in book.sheets:
            if isinstance(sheet, tuple):
                continue
            for row in sheet.rows:
                if row is None or not row.service:
                    continue
                # A group the list misspells (a planted UD-GROUP) is the registry's «Иные функции».
                group = row.group if row.group in GROUPS else ms.G7
                seen.setdefault(" ".join(row.service.split()).lower(), (group, " ".join(row.service.split()),
                                                                       book.folder))
    out = []
    for group, service, owner in seen.values():
        if service == FAMILY_INFO:
            service = FAMILY_INFO_REGISTERED
        if service == REGROUPED:
            group = ms.G6
        if service == MOVED_OWNER:
            owner = "Управление стратегического развития"
        out.append((group, service, owner))
    out += UNLISTED
    order = {g: n for n, g in enumerate(GROUPS)}
    return sorted(out, key=lambda x: (order[x[0]], x[2], x[1]))


def main() -> int:
    wb = Workbook()
    ws = wb.active
    ws.title = "Реестр"
    widths = (8, 40, 70, 50)
    for i, w in enumerate(widths, 1):
        ws.column_dimensions["ABCD"[i - 1]].width = w
    ws.merge_cells("A1:D1")
    ws["A1"] = "РЕЕСТР ПРОЦЕССОВ Министерства социальной политики и труда Удмуртской Республики"
    ws["A1"].font = Font(name=ms.FONT, size=13, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.merge_cells("A2:D2")
    ws["A2"] = "(приказ Министерства от 12 декабря 2023 года № 204, в редакции на 01.07.2024)"
    ws["A2"].alignment = Alignment(horizontal="center")
    for c, h in enumerate(HEADERS, 1):
        cell = ws.cell(4, c, h)
        cell.font = Font(name=ms.FONT, bold=True)
        cell.border = ms.BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    rows = processes()
    r, first, current = 5, 5, None
    for n, (group, service, owner) in enumerate(rows, 1):
        if group != current:
            if current is not None and r - 1 > first:
                ws.merge_cells(start_row=first, start_column=2, end_row=r - 1, end_column=2)
            ws.cell(r, 2, group)
            first, current = r, group
        for c, v in ((1, n), (3, service), (4, owner)):
            ws.cell(r, c, v)
        for c in range(1, 5):
            ws.cell(r, c).border = ms.BOX
            ws.cell(r, c).alignment = Alignment(vertical="top", wrap_text=True)
        r += 1
    if r - 1 > first:
        ws.merge_cells(start_row=first, start_column=2, end_row=r - 1, end_column=2)
    ws.cell(r + 1, 2, "Начальник управления стратегического развития")
    ws.cell(r + 1, 4, "Е.А. Макарова")
    saved = datetime(2024, 7, 1, 9, 0)
    wb.properties.creator = wb.properties.lastModifiedBy = "Макарова Елена Александровна"
    wb.properties.created = wb.properties.modified = saved
    wb.save(TARGET)
    ms.fix_zip_dates(TARGET, saved)
    print(f"{TARGET.relative_to(ms.ROOT)}: {len(rows)} processes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
