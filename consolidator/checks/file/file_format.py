"""file_format: the file is in one of the formats the procedure asks for (004 п. 12: «формат Excel»).
A file in another format that could be read (an .ods, a CSV table saved as .xls) is checked all the
same; the rule says what format to send next time.

Parameters: formats (what the file may really be: xlsx, xls, xlsb, ods, csv, html, xml2003).
Message fields: {actual} (what the file is, in words), {sheet}.

Example:
    - {code: UD-FORMAT, check: file_format, formats: [xlsx, xls, xlsb], severity: warning, ...}
"""
from __future__ import annotations

from consolidator.checks.base import FileCheck

KIND_RU = {"xlsx": "книга Excel (.xlsx)", "xls": "книга Excel 97–2003 (.xls)", "xlsb": "двоичная книга Excel (.xlsb)",
           "ods": "таблица OpenDocument (.ods, LibreOffice, Р7-Офис)", "csv": "текст CSV",
           "html": "веб-страница HTML", "xml2003": "таблица Excel 2003 XML"}


class FileFormat(FileCheck):
    required = ("formats",)

    def remark(self, table, rule, profile):
        kind = table.source_kind
        if kind is None or kind in rule.params["formats"]:
            return None
        return {"actual": KIND_RU.get(kind, kind)}


CHECK = FileFormat()
