"""«Ошибки чтения.log» in the results folder: the technical side of every file that could not be read
or whose returned copy fell back, for whoever looks after the run.

The author reads a plain Russian reason (report.json, the protocol, the letter); what the reading
library raised or printed (a Rust panic's message, an exception's text, how a reader's process
ended) is kept here, file by file, and never shown to the author or printed on the terminal. A run
with nothing to say removes the log an earlier run left.
"""
from __future__ import annotations

from datetime import datetime

from consolidator.model import UNREADABLE, VERDICT_RU, Batch
from consolidator.outputs.atomic import write_text

FILE_NAME = "Ошибки чтения.log"


def write_read_errors(batch: Batch) -> str | None:
    """Write the log (or remove an old one when there is nothing to log); its name, or None."""
    path = batch.out / FILE_NAME
    entries = [f for f in batch.files if f.detail or f.verdict == UNREADABLE]
    if not entries:
        path.unlink(missing_ok=True)
        return None
    lines = [
        f"Ошибки чтения файлов — consolidator, проверка {batch.run_date.strftime('%d.%m.%Y')}, запуск "
        f"{datetime.now().strftime('%d.%m.%Y %H:%M')}.",
        "По каждому файлу: решение, причина (как ее прочтет автор) и технические подробности для того, кто",
        "сопровождает программу (ошибка программы чтения книг, ее сообщения, как завершился процесс чтения).",
        "",
    ]
    for f in entries:
        lines += [f"=== {f.path}", f"Решение: {VERDICT_RU.get(f.verdict, f.verdict)}"]
        if f.reason:
            lines.append(f"Причина: {f.reason}")
        detail = (f.detail or "нет: файл отклонен проверкой до чтения").rstrip()
        lines.append("Подробности:")
        lines += ["    " + line for line in detail.splitlines()]
        lines.append("")
    write_text(path, "\n".join(lines))
    return FILE_NAME
