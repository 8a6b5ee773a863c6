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


YEAR_HEADERS = ("Что", "Подразделение", "Срок", "Просрочено, раб. дней", "Пункт Порядка")
YEAR_WIDTHS = (70, 40, 12, 14, 24)


def write_journal_xlsx(statuses: list[dict], versions: list[Version], today: date, path: Path,
                       year=None) -> None:
    """Журнал.xlsx: statuses, every version and, given `year` (journal.deadlines.Year), the approved
    editions, the changes waiting for an order and the procedure's deadlines."""
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
        if year is not None:
            rows = [(f"Утверждена редакция перечня: приказ от {ru_date(e.date)} № {e.number}, строк: {len(e.rows)}"
                     + (" (неполная)" if e.incomplete else ""), None, ru_date(e.date), None, None)
                    for e in year.editions]
            rows += [(f"Изменение ожидает приказа: строка {c.kind}", c.subdivision,
                      ru_date(year.pending_run), None, None) for c in year.pending]
            rows += [(d.text + (" (проверьте, выполнено ли)" if d.reminder and d.overdue_days else ""),
                      d.subdivision, ru_date(d.day), d.overdue_days or None, d.clause) for d in year.dues]
            write_table(book, "Редакции и сроки", "Утвержденные редакции, изменения и сроки Порядка",
                        f"На {ru_date(today)}.", YEAR_HEADERS, YEAR_WIDTHS, rows)
