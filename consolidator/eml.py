"""E-mail drafts for returned files (the Udmurt procedure returns files by e-mail, p. 15).

For each returned file an .eml draft is written beside the returned copy: to the subdivision's
address, the subject naming the subdivision and the deadline, a short Russian body and the returned
workbook attached. The unit opens it in its mail client and sends it; nothing is sent from here.
"""
from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate
from pathlib import Path

from consolidator.atomic import atomic_path
from consolidator.model import Batch, FileResult

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
XLSM_TYPE = ("application", "vnd.ms-excel.sheet.macroEnabled.12")


def draft_path(returned_copy: Path) -> Path:
    return returned_copy.with_name(returned_copy.name + ".eml")


def write_draft(batch: Batch, f: FileResult, email: str | None, root: Path) -> Path:
    """Write the draft beside the returned copy under `root` (where the copies are being written)."""
    copy = root / f.returned_copy
    deadline = f.fix_deadline.strftime("%d.%m.%Y") if f.fix_deadline else "—"
    fix = batch.profile.deadlines.get("fix")
    msg = EmailMessage()
    msg["To"] = email or ""
    msg["Subject"] = f"Перечень точек взаимодействия возвращен на доработку: {f.subdivision}" + (
        f", срок до {deadline}" if f.fix_deadline else "")
    msg["Date"] = formatdate(localtime=True)
    msg["X-Unsent"] = "1"  # Outlook and Thunderbird open the file as a draft to send
    counts = f"ошибок — {f.errors}" + (f", предупреждений — {f.warnings}" if f.warnings else "")
    lines = [
        "Добрый день!",
        "",
        f"Перечень точек взаимодействия подразделения «{f.subdivision}» (файл «{f.path}») проверен "
        f"{batch.run_date.strftime('%d.%m.%Y')} и возвращается на доработку: {counts}.",
        "",
        "Замечания:",
    ]
    for n, r in enumerate(f.remarks, start=1):
        # A cell's remark names its cell itself; a file-level one says it concerns the whole file.
        where = "" if r.cell else "[весь файл] "
        lines.append(f"{n}. {where}{r.message} ({r.clause})")
    lines += [
        "",
        (f"Просим устранить замечания до {deadline} включительно"
         + (f" ({fix.clause}, {fix.days} рабочих дней)" if fix else "") if f.fix_deadline
         else "Просим устранить замечания") + " и направить доработанный перечень повторно.",
        "Во вложении — ваш файл с замечаниями: ячейки выделены цветом, текст замечаний — в примечаниях "
        "к ячейкам и на первом листе «Замечания».",
    ]
    msg.set_content("\n".join(lines))
    maintype, subtype = XLSM_TYPE if copy.suffix.lower() == ".xlsm" else XLSX_TYPE
    msg.add_attachment(copy.read_bytes(), maintype=maintype, subtype=subtype, filename=copy.name)
    target = draft_path(copy)
    with atomic_path(target) as tmp:
        tmp.write_bytes(msg.as_bytes(policy=SMTP))
    return target
