"""`Журнал.xlsx`: the journal as the authorised unit reads it — a status per subdivision and every version."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from consolidator.journal.store import Version
from consolidator.model import VERDICT_RU
from consolidator.ooxml.xlsx_writer import Workbook
from consolidator.outputs.atomic import atomic_path
from consolidator.outputs.protocol import write_table
from consolidator.outputs.style import ru_date

FILE_NAME = "Журнал.xlsx"
STATUS_HEADERS = ("Подразделение", "Статус", "Текущая версия", "Получена", "Проверена", "Версий",
                  "Срок устранения", "Просрочено, раб. дней")
STATUS_WIDTHS = (45, 24, 50, 12, 12, 9, 16, 14)
VERSION_HEADERS = ("Подразделение", "Файл", "Получен", "Проверен", "Решение", "Строк", "Ошибок",
                   "Предупреждений", "Срок устранения", "Копия на доработку")
VERSION_WIDTHS = (40, 45, 12, 12, 22, 8, 9, 16, 16, 45)


def _d(iso: str | None) -> str | None:
    return ru_date(date.fromisoformat(iso)) if iso else None


def write_journal_xlsx(statuses: list[dict], versions: list[Version], today: date, path: Path) -> None:
    with atomic_path(Path(path)) as tmp, Workbook(tmp, title=FILE_NAME.removesuffix(".xlsx")) as book:
        rows = [(s["name"], s["status"], s["current"], _d(s["received"]), _d(s["checked"]), s["versions"],
                 _d(s["fix_deadline"]), s["overdue_days"] or None) for s in statuses]
        write_table(book, "Подразделения", "Журнал представления перечней точек взаимодействия",
                    f"Статусы на {ru_date(today)}.", STATUS_HEADERS, STATUS_WIDTHS, rows)
        rows = [(v.subdivision, v.path, ru_date(v.received), ru_date(v.checked) if v.checked else None,
                 VERDICT_RU.get(v.verdict, v.verdict), v.rows, v.errors, v.warnings,
                 ru_date(v.fix_deadline) if v.fix_deadline else None, v.returned_copy)
                for v in sorted(versions, key=lambda v: (v.subdivision, v.order))]
        write_table(book, "Версии", "Все полученные версии файлов", f"На {ru_date(today)}.",
                    VERSION_HEADERS, VERSION_WIDTHS, rows)
