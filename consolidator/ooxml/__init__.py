"""Office Open XML files at the byte level: .xlsx written from scratch as a stream (`xlsx_writer`), the
author's .xlsx patched in place (`package`, `xlsx_sheet`, `xlsx_comments`, `xlsx_patch`), a .docx
with one part streamed in (`docx_stream`), cell texts and addresses (`cells`) and the few openpyxl
helpers (`openpyxl_cells`).

Imports: nothing of the package outside itself, and it knows no word of the domain: a list, a
remark or a subdivision is the caller's business.
"""
