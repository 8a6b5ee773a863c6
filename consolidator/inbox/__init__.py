"""The inbox: its files, each one's bytes inspected before any reader sees them, and the form's table read.

Holds: finding the files and the ones to skip (`files`); the inspection of untrusted bytes that
refuses, with a Russian reason, what must not be parsed and prepares what the readers need
(`safety`; the records of .xls in `biff` and of .xlsb in `xlsb`, walked before any reader allocates); CSV, HTML and XML Spreadsheet tables under a workbook's extension (`textgrid`); workbooks
opened with python-calamine and read as rows (`workbook`); the form's table read from a workbook, in a
profile's form or in the form it fits best (`read`); how an .xls or .ods sheet is laid out for print,
which calamine does not read (`layout`).

Imports: profile (the form, detection), model (a file's result), speed (the pool). Never pandas,
openpyxl or python-docx: pool workers and the second process read with it.
"""
