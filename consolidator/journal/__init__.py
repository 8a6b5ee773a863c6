"""The list over the year: the submission journal and what follows from it.

Holds: the SQLite journal of every version of every subdivision's file and its checks (`store`); the
subdivisions expected to submit and which one a file belongs to (`subdivisions`); versions, deadlines,
resolutions and statuses across runs (`tracking`); working days of the Russian production calendar
(`workdays`); the journal's dated backups and the warning when it lies on a network drive
(`safekeeping`).

Imports: profile (text, YAML), model. No file format: the journal's own report (Журнал.xlsx) is
written by outputs.
"""
